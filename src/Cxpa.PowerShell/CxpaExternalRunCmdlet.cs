using System;
using System.Management.Automation;
using Cxpa.Engine.Operations;
using Cxpa.PowerShell.Internal;

namespace Cxpa.PowerShell
{
    /// <summary>
    /// A cmdlet about a run your own runtime executes, named by your id (Register-CxpaRun, Send-CxpaIngest): the shared -AgentId
    /// and -ExternalRunId parameters, the ingest connection, and one confirmed, sent and written call per record.
    /// </summary>
    public abstract class CxpaExternalRunCmdlet : CxpaRunCmdlet
    {
        #region Parameters

        /// <summary>The agent: platform-managed with external triggers allowed for Register-CxpaRun; standalone for Send-CxpaIngest.</summary>
        [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
        [ArgumentCompleter(typeof(AgentIdCompleter))]
        [ValidateRange(1, long.MaxValue)]
        public long AgentId { get; set; }

        /// <summary>Your runtime's id for the execution, 1 to 255 characters: the same id names the same run.</summary>
        [Parameter(Mandatory = true, Position = 1, ValueFromPipelineByPropertyName = true)]
        [ValidateLength(1, 255)]
        public string ExternalRunId { get; set; } = "";

        #endregion

        #region Overrides

        /// <summary>Resolves the ingest connection once, before any record.</summary>
        protected override void BeginProcessing() => _connection = ResolveIngest();

        #endregion

        #region Private

        private CxpaConnection? _connection;

        /// <summary>
        /// Confirms <paramref name="operation"/>, sends it as it is and writes what <paramref name="output"/> makes
        /// of the answer; an error names the run by <see cref="ExternalRunId"/> and says what was being <paramref name="doing"/>.
        /// </summary>
        internal void Send<T>(CxpaOperation<T> operation, Func<T, object> output, string doing)
        {
            if (!ShouldProcess(operation.WhatIfTarget, operation.WhatIfAction)) return;
            _connection!.NoteAgent(AgentId);
            try { WriteObject(output(Await(CreateClient(_connection).SendAsync(operation, StopToken)))); }
            catch (PipelineStoppedException) { throw; }
            catch (Exception ex) { WriteCxpaError(ex, ExternalRunId, $"{doing} run '{ExternalRunId}' of agent {AgentId}"); }
        }

        #endregion
    }
}
