using System;
using System.Collections.Generic;
using System.Management.Automation;
using System.Security;
using System.Threading.Tasks;
using Cxpa.PowerShell.Internal;

namespace Cxpa.PowerShell.Cmdlets
{
    /// <summary>
    /// <para type="synopsis">Reads runs by id.</para>
    /// </summary>
    [Cmdlet(VerbsCommon.Get, "CxpaRun", HelpUri = HelpUris.Docs + "Get-CxpaRun.md")]
    [OutputType(typeof(Run))]
    public sealed class GetCxpaRunCommand : CxpaRunCmdlet
    {
        #region Parameters

        /// <summary>One or more run ids. Binds from the pipeline by value (numbers: 1000, 1001 | Get-CxpaRun -AgentId 42) and by property name, RunId or Id (a run, a registration, an ingest result, any object with an Id), so Start-CxpaRun | Get-CxpaRun works.</summary>
        [Parameter(Mandatory = true, Position = 1, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [Alias("Id")]
        [ValidateRange(1, long.MaxValue)]
        public long[] RunId { get; set; } = Array.Empty<long>();

        /// <summary>A zone token (SecureString or string, or the session of Test-CxpaZoneToken -PassThru): the call goes through the zone endpoints on behalf of the token's user. Binds from the pipeline by property name Token, so $session | Get-CxpaRun -RunId 5 works.</summary>
        [Parameter(ValueFromPipelineByPropertyName = true)]
        [Alias("Token")]
        [SecretTransformation(ZoneSession = true)]
        [ValidateNotNull]
        public override SecureString? ZoneToken { get => base.ZoneToken; set => base.ZoneToken = value; }

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
            WriteAnswer(next.Task, r => WriteObject(r), next.RunId, $"Reading run {next.RunId} of agent {next.AgentId}");
        }

        #endregion
    }
}
