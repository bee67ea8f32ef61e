using System;
using System.Management.Automation;
using System.Security;
using Cxpa.Engine.Zone;
using Cxpa.PowerShell.Internal;

namespace Cxpa.PowerShell.Cmdlets
{
    /// <summary>
    /// <para type="synopsis">Mints a zone token, to test zone backends locally (the emulator uses the same code).</para>
    /// </summary>
    [Cmdlet(VerbsCommon.New, "CxpaZoneToken", HelpUri = HelpUris.Docs + "New-CxpaZoneToken.md")]
    [OutputType(typeof(SecureString), typeof(string))]
    public sealed class NewCxpaZoneTokenCommand : CxpaCmdlet
    {
        #region Parameters

        /// <summary>The agent's zone secret, at least 32 bytes. Defaults to $env:ZONE_JWT_SECRET.</summary>
        [Parameter]
        [SecretTransformation]
        public SecureString? Secret { get; set; }

        /// <summary>The audience claim. Defaults to $env:AUDIENCE_ID.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? Audience { get; set; }

        /// <summary>The signed-in user's id (a uuid).</summary>
        [Parameter(Mandatory = true)]
        public Guid UserId { get; set; }

        /// <summary>The agent the token is for.</summary>
        [Parameter(Mandatory = true)]
        [ValidateRange(1, long.MaxValue)]
        public long AgentId { get; set; }

        /// <summary>The organization's slug.</summary>
        [Parameter]
        public string? OrgSlug { get; set; }

        /// <summary>The agent's slug.</summary>
        [Parameter]
        public string? AgentSlug { get; set; }

        /// <summary>How long the token is valid, e.g. '00:10:00' or [TimeSpan]::FromMinutes(10). Default 5 minutes.</summary>
        [Parameter]
        public TimeSpan Lifetime { get; set; } = TimeSpan.FromMinutes(5);

        /// <summary>Outputs the token as plain text instead of a SecureString.</summary>
        [Parameter]
        public SwitchParameter AsPlainText { get; set; }

        #endregion

        #region Overrides

        /// <summary>Mints the token.</summary>
        protected override void EndProcessing()
        {
            var (bytes, audience) = ZoneSecrets.Resolve(this, Secret, MyInvocation.BoundParameters.ContainsKey(nameof(Secret)), Audience);
            if (Lifetime <= TimeSpan.Zero) Terminate("InvalidLifetime", "-Lifetime must be positive.", ErrorCategory.InvalidArgument);
            var token = ZoneTokens.Mint(bytes, new ZoneTokenDescriptor
            {
                Audience = audience,
                UserId = UserId.ToString(),
                AgentId = AgentId,
                OrgSlug = OrgSlug,
                AgentSlug = AgentSlug,
                Lifetime = Lifetime,
            });
            WriteObject(AsPlainText ? (object)token : Engine.Secret.FromString(token).ToSecureString());
        }

        #endregion
    }
}
