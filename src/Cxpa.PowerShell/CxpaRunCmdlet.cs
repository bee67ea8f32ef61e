using System.Management.Automation;
using System.Security;
using Cxpa.Engine.Http;
using Cxpa.Engine.Operations;
using Cxpa.PowerShell.Internal;

namespace Cxpa.PowerShell
{
    /// <summary>A cmdlet of the agent-run family: ingest API key, or (where it says so) a zone token.</summary>
    public abstract class CxpaRunCmdlet : CxpaApiCmdlet
    {
        #region Parameters

        /// <summary>The agent's ingest API key (SecureString or string). Defaults to the connection, then $env:CXPA_INGEST_KEY.</summary>
        [Parameter]
        [SecretTransformation]
        [ValidateNotNull]
        public SecureString? IngestApiKey { get; set; }

        #endregion

        #region Private

        internal const string MissingIngestKey =
            "No ingest API key: pass -IngestApiKey, run Connect-Cxpa -IngestApiKey <key>, or set $env:CXPA_INGEST_KEY.";

        private CxpaAuthKind? ExplicitKind => IngestApiKey != null ? CxpaAuthKind.IngestApiKey : (CxpaAuthKind?)null;

        /// <summary>Ingest key only (register, ingest).</summary>
        internal CxpaConnection ResolveIngest()
            => Connections.Resolve(CxpaOperations.AcceptedKinds(CxpaOperations.RegisterName), ExplicitKind, IngestApiKey, MissingIngestKey);

        /// <summary>Ingest key or zone token (run calls). -ZoneToken selects the zone endpoints.</summary>
        internal CxpaConnection ResolveRunConnection(SecureString? zoneToken)
        {
            if (zoneToken != null && IngestApiKey != null)
                Fail("ConnectionConflict", "Pass either -IngestApiKey or -ZoneToken, not both.", ErrorCategory.InvalidArgument);
            if (zoneToken != null) return Connections.ZoneFromParameter(zoneToken);
            return Connections.Resolve(CxpaOperations.AcceptedKinds(CxpaOperations.TriggerName), ExplicitKind, IngestApiKey,
                "No ingest API key or zone token: pass -IngestApiKey or -ZoneToken, run Connect-Cxpa, or set $env:CXPA_INGEST_KEY.");
        }

        #endregion
    }
}
