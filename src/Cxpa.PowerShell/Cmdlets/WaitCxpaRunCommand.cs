using System.Collections.Generic;
using System.Management.Automation;
using Cxpa.Engine.Time;
using Cxpa.PowerShell.Internal;

namespace Cxpa.PowerShell.Cmdlets
{
    /// <summary>
    /// <para type="synopsis">Waits for runs to finish and outputs each as it does.</para>
    /// </summary>
    [Cmdlet(VerbsLifecycle.Wait, "CxpaRun", HelpUri = HelpUris.Docs + "Wait-CxpaRun.md")]
    [OutputType(typeof(Run))]
    public sealed class WaitCxpaRunCommand : CxpaRunIdCmdlet
    {
        #region Parameters

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
                Fail("ConnectionConflict", "Wait-CxpaRun waits on runs of one connection: the pipeline brought a different zone token than the earlier runs'. Wait for each token's runs in its own Wait-CxpaRun.", ErrorCategory.InvalidArgument);
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
