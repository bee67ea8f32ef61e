using System;
using System.Management.Automation;
using System.Security;
using Cxpa.Engine.Zone;

namespace Cxpa.PowerShell.Internal
{
    /// <summary>
    /// Binds Test-CxpaZoneToken -Token as a SecureString, so that module logging records the type, never the token. A string
    /// (or any other single value, as its string form) is converted; one longer than the longest token checked keeps one
    /// character more than that, enough to be judged TooLarge (a SecureString holds at most 65,536). An array and a request
    /// object (with a Headers property) are left to PowerShell's own binding, so that a request object from the pipeline
    /// binds -Headers by property name.
    /// </summary>
    [AttributeUsage(AttributeTargets.Property | AttributeTargets.Field)]
    public sealed class ZoneTokenTransformationAttribute : ArgumentTransformationAttribute
    {
        /// <inheritdoc />
        public override object Transform(EngineIntrinsics engineIntrinsics, object inputData)
        {
            var value = inputData is PSObject pso ? pso.BaseObject : inputData;
            if (value == null || value is SecureString) return inputData;
            // An array, and a request object (it has Headers), are left to binding: an array is refused, a request object
            // from the pipeline binds -Headers by property name. Anything else is read as its string form, as when the
            // parameter was a string: no token, so Malformed, and never a binding error that would print the value.
            if (value is Array || (inputData as PSObject ?? PSObject.AsPSObject(value)).Properties["Headers"] != null) return inputData;
            var s = value as string ?? LanguagePrimitives.ConvertTo<string>(inputData);
            if (s.Length > ZoneTokens.MaximumTokenLength) s = s.Substring(0, ZoneTokens.MaximumTokenLength + 1);
            return SecureText.From(s);
        }
    }
}
