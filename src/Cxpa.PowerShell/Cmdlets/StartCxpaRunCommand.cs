using System;
using System.Collections.Generic;
using System.Management.Automation;
using System.Security;
using Cxpa.Engine;
using Cxpa.Engine.Http;
using Cxpa.Engine.Models;
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

        /// <summary>The agent to run. In zone mode it defaults to the zone token's agentId claim.</summary>
        [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)]
        [ArgumentCompleter(typeof(AgentIdCompleter))]
        [ValidateRange(1, long.MaxValue)]
        public long AgentId { get; set; }

        /// <summary>The run's input: a hashtable, a PSCustomObject or JSON text of an object. Each pipeline input starts one run.</summary>
        [Parameter(Position = 1, ValueFromPipeline = true)]
        [Alias("Input")]
        public object? InputObject { get; set; }

        /// <summary>A zone token: starts the run through the zone endpoints on behalf of the token's user.</summary>
        [Parameter]
        [SecretTransformation]
        [ValidateNotNull]
        public SecureString? ZoneToken { get; set; }

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

        private CxpaConnection? _connection;

        /// <summary>Resolves the connection before any input arrives.</summary>
        protected override void BeginProcessing()
        {
            if (WaitTimeoutSeconds > 0 && !Wait) Fail("TimeoutWithoutWait", "-WaitTimeoutSeconds applies with -Wait only.", ErrorCategory.InvalidArgument);
            _connection = ResolveRunConnection(ZoneToken);
        }

        /// <summary>Starts one run for this input.</summary>
        protected override void ProcessRecord()
        {
            var agentId = ResolveAgentId(AgentId, _connection!);
            if (!TryJson(InputObject, "InputObject", anyValue: false, out var input)) return;
            var zone = _connection!.Endpoint.AuthKind == CxpaAuthKind.ZoneToken;
            var path = zone ? $"api/zones/agents/{agentId}/runs" + (Wait ? "/trigger-and-wait" : "") : $"api/agents/{agentId}/runs/" + (Wait ? "trigger-and-wait" : "trigger");
            if (!ShouldProcess($"POST {path} with {InputConverter.Summarize(input)}", $"Start a run of agent {agentId}")) return;

            _connection.NoteAgent(agentId);
            var started = DateTimeOffset.UtcNow;
            var client = CreateClient(_connection, Wait && WaitTimeoutSeconds > 0 ? WaitTimeoutSeconds + 5 : 0);
            try
            {
                if (!Wait)
                {
                    WriteObject(Await(client.TriggerRunAsync(agentId, input, StopToken)));
                    return;
                }
                var window = WaitTimeoutSeconds > 0 ? TimeSpan.FromSeconds(WaitTimeoutSeconds) : CxpaClient.PlatformWaitCeiling;
                var ticker = new ProgressTicker(this, $"Running agent {agentId}");
                TriggerWaitResult result;
                try
                {
                    result = Await(client.TriggerAndWaitAsync(agentId, input, window, StopToken),
                        () => ticker.Update($"Waiting on the platform ({(DateTimeOffset.UtcNow - started).TotalSeconds:0} s)"));
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
                if (WaitTimeoutSeconds > 0 && DateTimeOffset.UtcNow >= started.AddSeconds(WaitTimeoutSeconds))
                {
                    WriteObject(pending);
                    WriteError(RunOutcome.Timeout(pending, WaitTimeoutSeconds));
                    return;
                }
                var pollClient = CreateClient(_connection);
                WaitAndOutput(pollClient, new List<Run> { pending }, WaitTimeoutSeconds, any: false, startedAt: started);
            }
            catch (PipelineStoppedException) { throw; }
            catch (Exception ex) when (!(ex is PipelineStoppedException))
            {
                // A trigger is never resent blindly: the record's RecommendedAction says how to find out whether it started.
                WriteError(ErrorMapping.ToErrorRecord(ex, InputObject, $"Starting a run of agent {agentId}", startsRun: true));
            }
        }

        #endregion
    }
}
