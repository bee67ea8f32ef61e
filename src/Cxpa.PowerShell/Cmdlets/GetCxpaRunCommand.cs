using System;
using System.Management.Automation;
using System.Security;
using Cxpa.PowerShell.Internal;

namespace Cxpa.PowerShell.Cmdlets
{
    /// <summary>
    /// <para type="synopsis">Reads runs by id.</para>
    /// </summary>
    [Cmdlet(VerbsCommon.Get, "CxpaRun")]
    [OutputType(typeof(Run))]
    public sealed class GetCxpaRunCommand : CxpaRunCmdlet
    {
        #region Parameters

        /// <summary>The agent the runs belong to. In zone mode it defaults to the zone token's agentId claim. Binds from the pipeline by property name.</summary>
        [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)]
        [ArgumentCompleter(typeof(AgentIdCompleter))]
        [ValidateRange(1, long.MaxValue)]
        public long AgentId { get; set; }

        /// <summary>One or more run ids. Binds from the pipeline by property name (a run, a registration, an ingest result).</summary>
        [Parameter(Mandatory = true, Position = 1, ValueFromPipelineByPropertyName = true)]
        [ValidateRange(1, long.MaxValue)]
        public long[] RunId { get; set; } = Array.Empty<long>();

        /// <summary>A zone token: reads through the zone endpoints.</summary>
        [Parameter]
        [SecretTransformation]
        [ValidateNotNull]
        public SecureString? ZoneToken { get; set; }

        #endregion

        #region Overrides

        private CxpaConnection? _connection;
        private Cxpa.Engine.CxpaClient? _client;

        /// <summary>Resolves the connection once.</summary>
        protected override void BeginProcessing()
        {
            _connection = ResolveRunConnection(ZoneToken);
            _client = CreateClient(_connection);
        }

        /// <summary>Reads each run.</summary>
        protected override void ProcessRecord()
        {
            var agentId = ResolveAgentId(AgentId, _connection!);
            _connection!.NoteAgent(agentId);
            foreach (var id in RunId)
            {
                try { WriteObject(Await(_client!.GetRunAsync(agentId, id, StopToken))); }
                catch (PipelineStoppedException) { throw; }
                catch (Exception ex) { WriteCxpaError(ex, id, $"Reading run {id} of agent {agentId}"); }
            }
        }

        #endregion
    }
}
