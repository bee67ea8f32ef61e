using System;
using System.Collections.Generic;
using System.Management.Automation;
using Cxpa.Engine;
using Cxpa.Engine.Models;
using Cxpa.Engine.Operations;
using Cxpa.Engine.Time;
using Cxpa.PowerShell.Internal;

namespace Cxpa.PowerShell.Cmdlets
{
    /// <summary>
    /// <para type="synopsis">Starts an agent run, one per input, and optionally waits for it to finish.</para>
    /// </summary>
    [Cmdlet(VerbsLifecycle.Start, "CxpaRun", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low, HelpUri = HelpUris.Docs + "Start-CxpaRun.md")]
    [OutputType(typeof(Run))]
    public sealed class StartCxpaRunCommand : CxpaRunInputCmdlet
    {
        #region Parameters

        /// <summary>Waits for the run to finish (trigger-and-wait, then polling if the server's window elapses).</summary>
        [Parameter]
        public SwitchParameter Wait { get; set; }

        /// <summary>With -Wait: the wait budget, the most seconds to wait for the run in all (not a connection timeout); 0 (the default) waits as long as it takes. Alias: TimeoutSec.</summary>
        [Parameter]
        [Alias("TimeoutSec")]
        [ValidateRange(0, int.MaxValue)]
        public int WaitTimeoutSeconds { get; set; }

        #endregion

        #region Overrides

        /// <summary>Resolves the connection before any input arrives.</summary>
        protected override void BeginProcessing()
        {
            if (WaitTimeoutSeconds > 0 && !Wait) Fail("TimeoutWithoutWait", "-WaitTimeoutSeconds applies with -Wait only.", ErrorCategory.InvalidArgument);
            ResolveRunConnection();
        }

        /// <summary>Starts one run for this input.</summary>
        protected override void ProcessRecord()
        {
            var agentId = ResolveAgentId();
            if (!TryInput(out var input)) return;
            var budget = Wait ? WaitTimeoutSeconds : 0;
            // The server's wait window is the budget, capped at the platform's ceiling.
            var window = WaitDeadline.Start(budget).ServerWindow(CxpaOperations.PlatformWaitCeiling);
            // The operation confirmed for -WhatIf is the one sent.
            var trigger = Wait ? null : CxpaOperations.Trigger(AuthKind, agentId, input);
            var triggerAndWait = Wait ? CxpaOperations.TriggerAndWait(AuthKind, agentId, input, window) : null;
            CxpaOperation operation = (CxpaOperation?)trigger ?? triggerAndWait!;
            if (!ShouldProcess(operation.WhatIfTarget, operation.WhatIfAction)) return;

            RunConnection.NoteAgent(agentId);
            // The budget's clock starts once the run is confirmed, as it is started.
            var deadline = WaitDeadline.Start(budget);
            // The trigger-and-wait call itself may run a little past the budget: the platform answers when its window ends.
            var client = CreateClient(RunConnection, deadline.WithGrace(TimeSpan.FromSeconds(5)));
            try
            {
                if (trigger != null)
                {
                    WriteObject(Await(client.SendAsync(trigger, StopToken)));
                    return;
                }
                var ticker = new ProgressTicker(this, $"Running agent {agentId}");
                TriggerWaitResult result;
                try
                {
                    result = Await(client.SendAsync(triggerAndWait!, StopToken),
                        () => ticker.Update($"Waiting on the platform ({deadline.Elapsed.TotalSeconds:0} s)"));
                }
                finally { ticker.Complete(); }
                if (!result.TimedOut)
                {
                    WriteObject(result.Run);
                    if (RunOutcome.ErrorFor(result.Run!) is { } err) WriteError(err);
                    return;
                }
                WriteVerbose($"The platform's wait window elapsed; run {result.RunId} goes on. Polling it.");
                var pending = new Run { RunId = result.RunId, AgentId = agentId, Input = RunReader.EchoInput(input, PSObjectFactory.Instance), Status = RunStatus.Running };
                if (deadline.HasPassed)
                {
                    WriteObject(pending);
                    WriteError(RunOutcome.Timeout(pending, deadline.Seconds));
                    return;
                }
                new RunWaitLoop(this).Run(CreateClient(RunConnection), new List<Run> { pending }, deadline, any: false);
            }
            catch (PipelineStoppedException) { throw; }
            catch (Exception ex) when (!(ex is PipelineStoppedException))
            {
                // A trigger is never resent blindly: the record's RecommendedAction says how to find out whether it started.
                WriteError(ErrorMapping.ToErrorRecord(ex, InputObject, $"Starting a run of agent {agentId}"));
            }
        }

        #endregion
    }
}
