using System;
using System.Management.Automation;
using System.Security;
using Cxpa.Engine;
using Cxpa.Engine.Zone;

namespace Cxpa.PowerShell
{
    /// <summary>The zone secret and audience of the zone-token cmdlets (New-CxpaZoneToken, Test-CxpaZoneToken).</summary>
    internal static class ZoneSecrets
    {
        /// <summary>
        /// The zone secret (-Secret, else $env:ZONE_JWT_SECRET) as UTF-8 bytes, and the audience (-Audience, else $env:AUDIENCE_ID):
        /// terminating MissingSecret / SecretTooShort / MissingAudience errors otherwise. An explicit but empty -Secret
        /// (an unset variable, say) is an error, not a silent fallback to the environment.
        /// </summary>
        internal static (byte[] Secret, string Audience) Resolve(CxpaCmdlet cmdlet, SecureString? secret, bool secretBound, string? audience)
        {
            if (secretBound && (secret == null || secret.Length == 0))
                cmdlet.Terminate("MissingSecret", "-Secret is empty: pass the agent's zone secret, or leave -Secret out to use $env:ZONE_JWT_SECRET.", ErrorCategory.InvalidArgument);
            var text = secret != null && secret.Length > 0 ? Secret.FromSecureString(secret).Reveal() : Environment.GetEnvironmentVariable("ZONE_JWT_SECRET");
            if (string.IsNullOrEmpty(text)) cmdlet.Terminate("MissingSecret", "No zone secret: pass -Secret, or set $env:ZONE_JWT_SECRET.", ErrorCategory.InvalidArgument);
            var bytes = System.Text.Encoding.UTF8.GetBytes(text!);
            if (bytes.Length < ZoneTokens.MinimumSecretBytes)
                cmdlet.Terminate("SecretTooShort", $"The zone secret is {bytes.Length} bytes; HS256 needs at least {ZoneTokens.MinimumSecretBytes}.", ErrorCategory.InvalidArgument);
            var aud = audience ?? Environment.GetEnvironmentVariable("AUDIENCE_ID");
            if (string.IsNullOrEmpty(aud)) cmdlet.Terminate("MissingAudience", "No audience: pass -Audience, or set $env:AUDIENCE_ID.", ErrorCategory.InvalidArgument);
            return (bytes, aud!);
        }
    }
}
