using System;
using System.Management.Automation;
using System.Security;
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

        /// <summary>
        /// The zone token (a string, or a SecureString). Takes pipeline input. A string is made a SecureString at binding, as
        /// the key parameters are, so module logging (event 4103) records the type, never the token.
        /// </summary>
        [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ParameterSetName = TokenSet)]
        [ZoneTokenTransformation]
        [AllowEmptyString]
        [AllowNull]
        public SecureString? Token { get; set; }

        /// <summary>
        /// The incoming request's headers: a dictionary (Pode, Azure Functions), a NameValueCollection (HttpListenerRequest's
        /// WebHeaderCollection), HttpHeaders, or a request object with a Headers property; the token is read from -TokenHeader.
        /// Typed object, with no validation attribute, so that binding never fails with the headers (and the token) in the
        /// message: the type is checked in ProcessRecord (InvalidHeaders, naming the type only). Mandatory refuses $null.
        /// </summary>
        [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true, ParameterSetName = HeadersSet)]
        public object? Headers { get; set; }

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

        /// <summary>Outputs a result object (IsValid, Reason, claims, and the token of a valid one) instead of $true/$false.</summary>
        [Parameter]
        public SwitchParameter PassThru { get; set; }

        /// <summary>With -PassThru: the result's Token is plain text instead of a SecureString.</summary>
        [Parameter]
        public SwitchParameter AsPlainText { get; set; }

        #endregion

        #region Overrides

        private byte[] _secret = Array.Empty<byte>();
        private string _audience = "";
        private TimeSpan _tolerance;

        /// <summary>Checks the secret and audience before any token is looked at.</summary>
        protected override void BeginProcessing()
        {
            if (AsPlainText && !PassThru)
                Terminate("AsPlainTextWithoutPassThru", "-AsPlainText applies to the token of the -PassThru result: add -PassThru.", ErrorCategory.InvalidArgument);
            (_secret, _audience) = ZoneSecrets.Resolve(this, Secret, MyInvocation.BoundParameters.ContainsKey(nameof(Secret)), Audience);
            _tolerance = TimeSpan.FromSeconds(ClockToleranceSec);
        }

        /// <summary>Checks one token.</summary>
        protected override void ProcessRecord()
        {
            bool several = false;
            var token = ParameterSetName == HeadersSet ? FromHeaders(Headers, TokenHeader, out several)
                : Token != null ? Engine.Secret.FromSecureString(Token).Reveal() : null;
            var r = several
                // The middleware sees several values as one, joined with commas, which is no token: verifying the first would accept what it refuses.
                ? new ZoneTokenValidationResult { IsValid = false, Reason = ZoneTokenFailureReason.AmbiguousToken, Message = $"The request carries the {TokenHeader} header more than once; a request must carry one zone token." }
                : ZoneTokens.Validate(token, _secret, _audience, _tolerance, withClaims: PassThru.IsPresent);
            if (PassThru)
            {
                // The session's token (getSession().token), only for a token that verified.
                object? kept = null;
                if (r.IsValid && token != null) kept = AsPlainText ? token : Engine.Secret.FromString(token).ToSecureString();
                WriteObject(OutputObjects.ZoneToken(r, kept));
            }
            else
            {
                if (!r.IsValid) WriteVerbose("Zone token rejected: " + TerminalText.CleanLine(r.Message));
                WriteObject(r.IsValid);
            }
        }

        #endregion

        #region Private

        private string? FromHeaders(object? headers, string name, out bool several)
        {
            if (!HeaderReader.TryRead(headers, name, out var value, out several, out var typeName))
                // The type's name only: never the value, which may hold the token.
                Terminate("InvalidHeaders", $"-Headers takes {HeaderReader.Accepted}; it got a {typeName}.", ErrorCategory.InvalidArgument);
            return value;
        }

        #endregion
    }
}
