using System;
using System.Management.Automation;
using System.Security;

namespace Cxpa.PowerShell.Internal
{
    /// <summary>Lets a SecureString parameter take a plain string too (converted at binding), and a zone token parameter the
    /// session of Test-CxpaZoneToken -PassThru (its Token).</summary>
    [AttributeUsage(AttributeTargets.Property | AttributeTargets.Field)]
    public sealed class SecretTransformationAttribute : ArgumentTransformationAttribute
    {
        /// <summary>The parameter is a zone token: a Cxpa.ZoneTokenResult (Test-CxpaZoneToken -PassThru) gives its Token.</summary>
        public bool ZoneSession { get; set; }

        /// <inheritdoc />
        public override object Transform(EngineIntrinsics engineIntrinsics, object inputData)
        {
            var value = inputData is PSObject pso ? pso.BaseObject : inputData;
            if (ZoneSession && value is ZoneTokenResult session)
            {
                if (!session.IsValid || session.Token == null)
                    throw new ArgumentTransformationMetadataException($"The zone token result holds no token to use: the token did not verify ({session.Reason}).");
                value = session.Token is PSObject inner ? inner.BaseObject : session.Token;
            }
            switch (value)
            {
                case null: return null!;
                case SecureString s: return s;
                case string str: return SecureText.From(str);
                default:
                    throw new ArgumentTransformationMetadataException("A key or token must be a SecureString or a string.");
            }
        }
    }
}
