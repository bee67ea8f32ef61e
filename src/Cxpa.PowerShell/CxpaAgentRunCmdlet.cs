using System.Management.Automation;
using System.Security;
using Cxpa.Engine.Http;
using Cxpa.PowerShell.Internal;

namespace Cxpa.PowerShell
{
    /// <summary>
    /// A run cmdlet that works with one agent's runs through the ingest key or the zone endpoints (Start-CxpaRun,
    /// Save-CxpaRunOutput, Get-CxpaRun, Wait-CxpaRun): the shared -AgentId and -ZoneToken parameters, and the connection
    /// resolved once before any input arrives.
    /// </summary>
    public abstract class CxpaAgentRunCmdlet : CxpaRunCmdlet
    {
        #region Parameters

        /// <summary>The agent. In zone mode it defaults to the zone token's agentId claim. Binds from the pipeline by property name.</summary>
        [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)]
        [ArgumentCompleter(typeof(AgentIdCompleter))]
        [ValidateRange(1, long.MaxValue)]
        public long AgentId { get; set; }

        /// <summary>A zone token (SecureString or string, or the session of Test-CxpaZoneToken -PassThru): the call goes through the zone endpoints on behalf of the token's user.</summary>
        [Parameter]
        [SecretTransformation(ZoneSession = true)]
        [ValidateNotNull]
        public SecureString? ZoneToken { get; set; }

        #endregion

        #region Private

        private CxpaConnection? _runConnection;

        /// <summary>The connection resolved by <see cref="ResolveRunConnection()"/>.</summary>
        internal CxpaConnection RunConnection => _runConnection!;

        /// <summary>The kind of secret of the resolved connection: it picks the family of endpoints.</summary>
        internal CxpaAuthKind AuthKind => RunConnection.Endpoint().AuthKind;

        /// <summary>Resolves the ingest-key or zone connection (terminating errors before anything is sent).</summary>
        internal CxpaConnection ResolveRunConnection() => _runConnection = ResolveRunConnection(ZoneToken);

        /// <summary>This record's agent: -AgentId, else the zone token's agentId claim.</summary>
        internal long ResolveAgentId()
            => Connections.AgentId(AgentId, RunConnection, "-AgentId is required (a zone token's agentId claim supplies it in zone mode).");

        #endregion
    }
}
