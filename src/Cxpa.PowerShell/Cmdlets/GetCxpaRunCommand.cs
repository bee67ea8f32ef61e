using System;
using System.Collections.Generic;
using System.Management.Automation;
using System.Threading.Tasks;
using Cxpa.PowerShell.Internal;

namespace Cxpa.PowerShell.Cmdlets
{
    /// <summary>
    /// <para type="synopsis">Reads runs by id.</para>
    /// </summary>
    [Cmdlet(VerbsCommon.Get, "CxpaRun", HelpUri = HelpUris.Docs + "Get-CxpaRun.md")]
    [OutputType(typeof(Run))]
    public sealed class GetCxpaRunCommand : CxpaRunIdCmdlet
    {
        #region Parameters

        /// <summary>
        /// How many reads may be in flight at once (1–64, default 8). Runs are still written in input order, each error in
        /// its place; 1 reads one run at a time.
        /// </summary>
        [Parameter]
        [ValidateRange(1, 64)]
        public int ThrottleLimit { get; set; } = 8;

        #endregion

        #region Overrides

        private Cxpa.Engine.CxpaClient? _client;

        /// <summary>Resolves the connection before any input, unless a zone token may come from the pipeline.</summary>
        protected override void BeginProcessing() => ResolveBeforeInput();

        /// <summary>Starts the reads of this record's run ids; writes the runs that are done, in input order.</summary>
        protected override void ProcessRecord()
        {
            if (ResolveForRecord() || _client == null) _client = CreateClient(RunConnection);
            var agentId = ResolveAgentId();
            RunConnection.NoteAgent(agentId);
            foreach (var id in RunId)
            {
                // Reads overlap (up to -ThrottleLimit); output keeps the input order. A GET has no side effect, so one sent
                // ahead of an error that stops the pipeline changes nothing on the platform.
                while (_pending.Count >= ThrottleLimit) WriteNext();
                _pending.Enqueue(new Pending(_client!.GetRunAsync(agentId, id, StopToken), agentId, id));
                while (_pending.Count > 0 && _pending.Peek().Task.IsCompleted) WriteNext();
            }
        }

        /// <summary>Writes the reads still in flight.</summary>
        protected override void EndProcessing()
        {
            while (_pending.Count > 0) WriteNext();
        }

        #endregion

        #region Private

        private readonly Queue<Pending> _pending = new Queue<Pending>();

        private readonly struct Pending
        {
            public Pending(Task<Run> task, long agentId, long runId) { Task = task; AgentId = agentId; RunId = runId; }
            public readonly Task<Run> Task;
            public readonly long AgentId;
            public readonly long RunId;
        }

        /// <summary>Waits for the oldest read and writes its run or its error.</summary>
        private void WriteNext()
        {
            var next = _pending.Dequeue();
            try { WriteObject(Await(next.Task)); }
            catch (PipelineStoppedException) { throw; }
            catch (Exception ex) { WriteCxpaError(ex, next.RunId, $"Reading run {next.RunId} of agent {next.AgentId}"); }
        }

        #endregion
    }
}
