using System;
using System.Management.Automation;
using System.Security;
using Cxpa.Engine;
using Cxpa.Engine.Http;
using Cxpa.PowerShell.Internal;

namespace Cxpa.PowerShell
{
    /// <summary>
    /// A cmdlet of one agent's runs through the ingest key or the zone endpoints (Start-CxpaRun, Save-CxpaRunOutput,
    /// Get-CxpaRun, Wait-CxpaRun): the shared -IngestApiKey, -AgentId and -ZoneToken parameters, and the connection, resolved
    /// before any input arrives or, where the pipeline brings zone tokens, per record.
    /// </summary>
    public abstract class CxpaRunCmdlet : CxpaApiCmdlet
    {
        #region Parameters

        /// <summary>The agent's ingest API key (SecureString or string). Defaults to the connection, then $env:CXPA_INGEST_KEY.</summary>
        [Parameter]
        [SecretTransformation]
        [ValidateNotNull]
        public SecureString? IngestApiKey { get; set; }

        /// <summary>The agent. In zone mode it defaults to the zone token's agentId claim. Binds from the pipeline by property name.</summary>
        [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)]
        [ArgumentCompleter(typeof(AgentIdCompleter))]
        [ValidateRange(1, long.MaxValue)]
        public long AgentId { get; set; }

        /// <summary>
        /// A zone token (SecureString or string, or the session of Test-CxpaZoneToken -PassThru): the call goes through the zone
        /// endpoints on behalf of the token's user. Get-CxpaRun and Wait-CxpaRun override it to bind a session's Token from the
        /// pipeline; Start-CxpaRun and Save-CxpaRunOutput never take it from their input.
        /// </summary>
        [Parameter]
        [SecretTransformation(ZoneSession = true)]
        [ValidateNotNull]
        public virtual SecureString? ZoneToken { get; set; }

        #endregion

        #region Private

        private CxpaConnection? _runConnection;
        private bool _resolved;
        private string? _resolvedToken;
        private SecureString? _resolvedSecure;

        /// <summary>The connection resolved by <see cref="ResolveRunConnection"/>.</summary>
        internal CxpaConnection RunConnection => _runConnection!;

        /// <summary>The kind of secret of the resolved connection: it picks the family of endpoints.</summary>
        internal CxpaAuthKind AuthKind => RunConnection.Endpoint().AuthKind;

        /// <summary>Resolves the ingest-key or zone connection (terminating errors before anything is sent).</summary>
        internal void ResolveRunConnection() => _runConnection = Connections.IngestOrZone(IngestApiKey, ZoneToken);

        /// <summary>This record's agent: -AgentId, else the zone token's agentId claim.</summary>
        internal long ResolveAgentId()
            => Connections.AgentId(AgentId, RunConnection, "-AgentId is required (a zone token's agentId claim supplies it in zone mode).");

        /// <summary>Resolves the connection in BeginProcessing, unless a zone token may still come from the pipeline.</summary>
        internal void ResolveBeforeInput()
        {
            if (ZoneToken != null || !MyInvocation.ExpectingInput) ResolveForRecord();
        }

        /// <summary>
        /// The connection of this record: resolved on the first record, and again when the pipeline brings another zone
        /// token (PowerShell resets a pipeline-bound parameter between records). Returns true when it changed.
        /// </summary>
        internal bool ResolveForRecord()
        {
            // The same SecureString as the last record's (one -ZoneToken, or one session's Token piped): nothing to read.
            if (_resolved && ReferenceEquals(ZoneToken, _resolvedSecure)) return false;
            var token = ZoneToken == null ? null : Secret.FromSecureString(ZoneToken).Reveal();
            _resolvedSecure = ZoneToken;
            if (_resolved && string.Equals(token, _resolvedToken, StringComparison.Ordinal)) return false;
            ResolveRunConnection();
            _resolved = true;
            _resolvedToken = token;
            return true;
        }

        #endregion
    }
}
