using System;
using System.Management.Automation;
using System.Security;

namespace Cxpa.PowerShell.Internal
{
    /// <summary>Lets a SecureString parameter take a plain string too (converted at binding).</summary>
    [AttributeUsage(AttributeTargets.Property | AttributeTargets.Field)]
    public sealed class SecretTransformationAttribute : ArgumentTransformationAttribute
    {
        /// <inheritdoc />
        public override object Transform(EngineIntrinsics engineIntrinsics, object inputData)
        {
            var value = inputData is PSObject pso ? pso.BaseObject : inputData;
            switch (value)
            {
                case null: return null!;
                case SecureString s: return s;
                case string str: return ToSecureString(str);
                default:
                    throw new ArgumentTransformationMetadataException("A key or token must be a SecureString or a string.");
            }
        }

        /// <summary>A read-only SecureString of the text.</summary>
        internal static SecureString ToSecureString(string text)
        {
            var ss = new SecureString();
            foreach (var c in text) ss.AppendChar(c);
            ss.MakeReadOnly();
            return ss;
        }
    }
}
