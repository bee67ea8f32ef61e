using System;
using System.Collections.Generic;
using System.Management.Automation;
using System.Security;
using Cxpa.Engine.Time;
using Cxpa.PowerShell.Internal;

namespace Cxpa.PowerShell.Cmdlets
{
    /// <summary>
    /// <para type="synopsis">Waits for runs to finish and outputs each as it does.</para>
    /// </summary>
    [Cmdlet(VerbsLifecycle.Wait, "CxpaRun", HelpUri = HelpUris.Docs + "Wait-CxpaRun.md")]
    [OutputType(typeof(Run))]
    public sealed class WaitCxpaRunCommand : CxpaRunCmdlet
    {
        #region Parameters

        /// <summary>One or more run ids. Binds from the pipeline by value (numbers: 1000, 1001 | Get-CxpaRun -AgentId 42) and by property name, RunId or Id (a run, a registration, an ingest result, any object with an Id), so Start-CxpaRun | Wait-CxpaRun works.</summary>
        [Parameter(Mandatory = true, Position = 1, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [Alias("Id")]
        [ValidateRange(1, long.MaxValue)]
        public long[] RunId { get; set; } = Array.Empty<long>();

        /// <summary>A zone token (SecureString or string, or the session of Test-CxpaZoneToken -PassThru): the call goes through the zone endpoints on behalf of the token's user. Binds from the pipeline by property name Token, so $session | Wait-CxpaRun -RunId 5 works.</summary>
        [Parameter(ValueFromPipelineByPropertyName = true)]
        [Alias("Token")]
        [SecretTransformation(ZoneSession = true)]
        [ValidateNotNull]
        public override SecureString? ZoneToken { get => base.ZoneToken; set => base.ZoneToken = value; }

        /// <summary>The wait budget: the most seconds to wait in all (not a per-request timeout: that is -ConnectionTimeoutSeconds); 0 (the default) waits as long as it takes. Runs still going then are output with a RunWaitTimeout error. Alias: TimeoutSec, which here is this whole wait budget, not the per-request timeout it is in Invoke-RestMethod (scope a $PSDefaultParameterValues entry for that to Invoke-RestMethod:TimeoutSec).</summary>
        [Parameter]
        [Alias("TimeoutSec")]
        [ValidateRange(0, int.MaxValue)]
        public int WaitTimeoutSeconds { get; set; }

        /// <summary>Returns as soon as any run finishes, outputting the runs found finished in that poll round (one or more).</summary>
        [Parameter]
        public SwitchParameter Any { get; set; }

        #endregion

        #region Overrides

        private readonly List<Run> _runs = new List<Run>();
        private readonly HashSet<long> _seen = new HashSet<long>();
        private WaitDeadline? _deadline;

        /// <summary>Resolves the connection; the clock of -WaitTimeoutSeconds starts here.</summary>
        protected override void BeginProcessing()
        {
            _deadline = WaitDeadline.Start(WaitTimeoutSeconds);
            ResolveBeforeInput();
        }

        /// <summary>Collects the runs to wait on.</summary>
        protected override void ProcessRecord()
        {
            // One wait loop, one connection: runs under another zone token than the first record's are refused.
            if (ResolveForRecord() && _runs.Count > 0)
                Terminate("ConnectionConflict", "Wait-CxpaRun waits on runs of one connection: the pipeline brought a different zone token than the earlier runs'. Wait for each token's runs in its own Wait-CxpaRun.", ErrorCategory.InvalidArgument);
            var agentId = ResolveAgentId();
            foreach (var id in RunId)
                if (_seen.Add(id)) _runs.Add(new Run { RunId = id, AgentId = agentId, Status = RunStatus.Queued });
        }

        /// <summary>Waits on all of them in one loop.</summary>
        protected override void EndProcessing()
        {
            if (_runs.Count == 0) return;
            new RunWaitLoop(this).Run(CreateClient(RunConnection), _runs, _deadline!, Any);
        }

        #endregion
    }
}
