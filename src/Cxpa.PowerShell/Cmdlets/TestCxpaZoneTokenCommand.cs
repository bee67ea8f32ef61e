using System;
using System.Collections;
using System.Management.Automation;
using System.Security;
using System.Text;
using Cxpa.Engine.Zone;
using Cxpa.PowerShell.Internal;

namespace Cxpa.PowerShell.Cmdlets
{
    /// <summary>
    /// <para type="synopsis">Verifies a zone token as the zone middleware does: HS256 signature, audience, expiry.</para>
    /// </summary>
    [Cmdlet(VerbsDiagnostic.Test, "CxpaZoneToken", DefaultParameterSetName = TokenSet, HelpUri = HelpUris.Docs + "Test-CxpaZoneToken.md")]
    [OutputType(typeof(bool), typeof(ZoneTokenResult))]
    public sealed class TestCxpaZoneTokenCommand : CxpaCmdlet
    {
        private const string TokenSet = "Token";
        private const string HeadersSet = "Headers";

        #region Parameters

        /// <summary>The zone token (a string, or a SecureString). Takes pipeline input.</summary>
        [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ParameterSetName = TokenSet)]
        [PlainTextTransformation]
        [AllowEmptyString]
        [AllowNull]
        public string? Token { get; set; }

        /// <summary>The incoming request's headers (as a Pode or Azure Functions request hands them over); the token is read from -TokenHeader.</summary>
        [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true, ParameterSetName = HeadersSet)]
        [ValidateNotNull]
        public IDictionary? Headers { get; set; }

        /// <summary>The header that carries the token, matched case-insensitively. Default x-zone-token.</summary>
        [Parameter(ParameterSetName = HeadersSet)]
        [ValidateNotNullOrEmpty]
        public string TokenHeader { get; set; } = "x-zone-token";

        /// <summary>The agent's zone secret, at least 32 bytes (SecureString or string). Defaults to $env:ZONE_JWT_SECRET.</summary>
        [Parameter]
        [SecretTransformation]
        public SecureString? Secret { get; set; }

        /// <summary>The audience the platform mints tokens for. Defaults to $env:AUDIENCE_ID.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? Audience { get; set; }

        /// <summary>Allowed clock skew for exp and nbf, in seconds. Default 5.</summary>
        [Parameter]
        [ValidateRange(0, 3600)]
        public int ClockToleranceSec { get; set; } = 5;

        /// <summary>Outputs a result object (IsValid, Reason, claims) instead of $true/$false.</summary>
        [Parameter]
        public SwitchParameter PassThru { get; set; }

        #endregion

        #region Overrides

        private byte[] _secret = Array.Empty<byte>();
        private string _audience = "";
        private TimeSpan _tolerance;

        /// <summary>Checks the secret and audience before any token is looked at.</summary>
        protected override void BeginProcessing()
        {
            (_secret, _audience) = ResolveZoneSecret(Secret, MyInvocation.BoundParameters.ContainsKey(nameof(Secret)), Audience);
            _tolerance = TimeSpan.FromSeconds(ClockToleranceSec);
        }

        /// <summary>Checks one token.</summary>
        protected override void ProcessRecord()
        {
            var token = ParameterSetName == HeadersSet ? FromHeaders(Headers!, TokenHeader) : Token;
            var r = ZoneTokens.Validate(token, _secret, _audience, _tolerance, withClaims: PassThru.IsPresent);
            if (PassThru) WriteObject(new ZoneTokenResult(r));
            else
            {
                if (!r.IsValid) WriteVerbose("Zone token rejected: " + r.Message);
                WriteObject(r.IsValid);
            }
        }

        #endregion

        #region Private

        private static string? FromHeaders(IDictionary headers, string name)
        {
            foreach (DictionaryEntry e in headers)
            {
                if (!string.Equals(Convert.ToString(e.Key), name, StringComparison.OrdinalIgnoreCase)) continue;
                var v = e.Value is PSObject p ? p.BaseObject : e.Value;
                if (v is IEnumerable seq && !(v is string))
                {
                    // A header with several values (string[] from some frameworks): the first one, as the middleware reads it.
                    object? first = null;
                    foreach (var item in seq) { first = item is PSObject pi ? pi.BaseObject : item; break; }
                    v = first;
                }
                // A token kept as a SecureString (New-CxpaZoneToken's default) is accepted too.
                if (v is SecureString ss) return Engine.Secret.FromSecureString(ss).Reveal();
                return v as string ?? Convert.ToString(v, System.Globalization.CultureInfo.InvariantCulture);
            }
            return null;
        }

        #endregion
    }
}
