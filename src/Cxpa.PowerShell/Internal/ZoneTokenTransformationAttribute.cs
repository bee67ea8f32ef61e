using System;
using System.Globalization;
using System.Management.Automation;
using Cxpa.Engine.Zone;

namespace Cxpa.PowerShell.Internal
{
    /// <summary>
    /// Binds Test-CxpaZoneToken -Token as a SecureString, so that module logging records the type, never the token. A string (or a
    /// number, as its text) is converted; one longer than the longest token checked keeps one character more than that, enough to be judged TooLarge
    /// (a SecureString holds at most 65,536). Anything else is left to PowerShell's own conversion, which fails quietly in
    /// pipeline binding, so that a request object from the pipeline binds -Headers by property name.
    /// </summary>
    [AttributeUsage(AttributeTargets.Property | AttributeTargets.Field)]
    public sealed class ZoneTokenTransformationAttribute : ArgumentTransformationAttribute
    {
        /// <inheritdoc />
        public override object Transform(EngineIntrinsics engineIntrinsics, object inputData)
        {
            var value = inputData is PSObject pso ? pso.BaseObject : inputData;
            // A number is read as its text (an invalid token, as when the parameter was a string).
            if (value != null && value.GetType().IsPrimitive) value = Convert.ToString(value, CultureInfo.InvariantCulture);
            if (!(value is string s)) return inputData;
            if (s.Length > ZoneTokens.MaximumTokenLength) s = s.Substring(0, ZoneTokens.MaximumTokenLength + 1);
            return SecretTransformationAttribute.ToSecureString(s);
        }
    }
}
