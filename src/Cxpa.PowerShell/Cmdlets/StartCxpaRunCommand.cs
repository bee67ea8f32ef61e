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
    public sealed class StartCxpaRunCommand : CxpaRunCmdlet
    {
        #region Parameters

        /// <summary>The run's input: a hashtable, a PSCustomObject or JSON text of an object. Each pipeline input starts one run.</summary>
        [Parameter(Position = 1, ValueFromPipeline = true)]
        [Alias("Input")]
        public object? InputObject { get; set; }

        /// <summary>Waits for the run to finish (trigger-and-wait, then polling if the server's window elapses).</summary>
        [Parameter]
        public SwitchParameter Wait { get; set; }

        /// <summary>With -Wait: the wait budget, the most seconds to wait for the run in all (not a per-request timeout: that is -ConnectionTimeoutSeconds); 0 (the default) waits as long as it takes. Without -Wait it is ignored (a verbose line says so), so a $PSDefaultParameterValues entry for it does not break runs started without -Wait. Alias: TimeoutSec, which here is this whole wait budget, not the per-request timeout it is in Invoke-RestMethod (scope a $PSDefaultParameterValues entry for that to Invoke-RestMethod:TimeoutSec).</summary>
        [Parameter]
        [Alias("TimeoutSec")]
        [ValidateRange(0, int.MaxValue)]
        public int WaitTimeoutSeconds { get; set; }

        #endregion

        #region Overrides

        /// <summary>Resolves the connection before any input arrives.</summary>
        protected override void BeginProcessing()
        {
            // A budget without -Wait (often a $PSDefaultParameterValues entry meant for the waits) has nothing to bound.
            if (WaitTimeoutSeconds > 0 && !Wait) WriteVerbose($"-WaitTimeoutSeconds {WaitTimeoutSeconds} is ignored: it is the wait budget of -Wait, and this call does not wait.");
            ResolveRunConnection();
        }

        /// <summary>Starts one run for this input.</summary>
        protected override void ProcessRecord()
        {
            var agentId = ResolveAgentId();
            if (!TryJson(InputObject, nameof(InputObject), anyValue: false, out var input)) return;
            var budget = Wait ? WaitTimeoutSeconds : 0;
            // The server's wait window is the budget, capped at the platform's ceiling.
            var window = WaitDeadline.Start(budget).ServerWindow(CxpaOperations.PlatformWaitCeiling);
            // The operation confirmed for -WhatIf is the one sent.
            var trigger = Wait ? null : CxpaOperations.Trigger(AuthKind, agentId, input);
            var triggerAndWait = Wait ? CxpaOperations.TriggerAndWait(AuthKind, agentId, input, window) : null;
            var doing = $"Starting a run of agent {agentId}";
            WaitDeadline deadline = null!;
            var sentFrom = DateTimeOffset.UtcNow;
            CxpaClient Confirmed()
            {
                RunConnection.NoteAgent(agentId);
                // The budget's clock starts once the run is confirmed, as it is started.
                deadline = WaitDeadline.Start(budget);
                sentFrom = DateTimeOffset.UtcNow;
                // The trigger-and-wait call itself may run a little past the budget: the platform answers when its window ends.
                return CreateClient(RunConnection, deadline.WithGrace(TimeSpan.FromSeconds(5)));
            }
            // A trigger is never resent blindly: the record's RecommendedAction says how to find out whether it started,
            // with what is known of a start whose answer was lost: the agent and when it was sent (no run id).
            void Amend(Exception ex, ErrorRecord record)
            {
                if (ex is CxpaOutcomeUnknownException)
                    record.ErrorDetails.RecommendedAction = ErrorMapping.OutcomeUnknownStart(agentId, sentFrom, DateTimeOffset.UtcNow);
            }
            if (trigger != null)
            {
                Send(trigger, Confirmed, run => WriteObject(run), InputObject, doing, amend: Amend);
                return;
            }
            var ticker = new ProgressTicker(this, $"Running agent {agentId}");
            try
            {
                Send(triggerAndWait!, Confirmed, result =>
                {
                    ticker.Complete();
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
                }, InputObject, doing, () => ticker.Update($"Waiting on the platform ({deadline.Elapsed.TotalSeconds:0} s)"), Amend);
            }
            finally { ticker.Complete(); }
        }

        #endregion
    }
}
