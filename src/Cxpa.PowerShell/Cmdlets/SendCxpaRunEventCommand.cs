using System;
using System.Collections.Generic;
using System.Management.Automation;
using System.Security;
using Cxpa.PowerShell.Internal;

namespace Cxpa.PowerShell.Cmdlets
{
    /// <summary>
    /// <para type="synopsis">Reports a run event from an agent runtime: started, output, complete, fail or waiting.</para>
    /// </summary>
    [Cmdlet(VerbsCommunications.Send, "CxpaRunEvent", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low, DefaultParameterSetName = OutputSet, HelpUri = HelpUris.Docs + "Send-CxpaRunEvent.md")]
    [OutputType(typeof(RunEventResult))]
    public sealed class SendCxpaRunEventCommand : CxpaApiCmdlet
    {
        private const string StartedSet = "Started";
        private const string OutputSet = "Output";
        private const string CompleteSet = "Complete";
        private const string FailSet = "Fail";
        private const string FailRecordSet = "FailRecord";
        private const string WaitingSet = "Waiting";

        #region Parameters

        /// <summary>The run. Binds from the trigger payload by property name; defaults to Connect-Cxpa -RunId.</summary>
        [Parameter(ValueFromPipelineByPropertyName = true)]
        [ValidateRange(1, long.MaxValue)]
        public long RunId { get; set; }

        /// <summary>The runtime's agent API key. Binds from the trigger payload by property name; defaults to Connect-Cxpa -AgentApiKey.</summary>
        [Parameter(ValueFromPipelineByPropertyName = true)]
        [SecretTransformation]
        public SecureString? AgentApiKey { get; set; }

        /// <summary>The run's credentials token (accepted from the trigger payload; not needed for events).</summary>
        [Parameter(ValueFromPipelineByPropertyName = true)]
        [SecretTransformation]
        public SecureString? CredentialsToken { get; set; }

        /// <summary>Reports that the run started.</summary>
        [Parameter(Mandatory = true, ParameterSetName = StartedSet)]
        public SwitchParameter Started { get; set; }

        /// <summary>The run's output: a hashtable, a PSCustomObject, an array, a scalar or JSON text. Alone it is an intermediate output.</summary>
        [Parameter(Mandatory = true, ParameterSetName = OutputSet)]
        [Parameter(ParameterSetName = CompleteSet)]
        [Parameter(ParameterSetName = WaitingSet)]
        public object? Output { get; set; }

        /// <summary>The count of outputs so far.</summary>
        [Parameter(ParameterSetName = OutputSet)]
        [Parameter(ParameterSetName = CompleteSet)]
        [ValidateRange(0, long.MaxValue)]
        public long? Outputs { get; set; }

        /// <summary>Reports that the run completed (with -Output as its final output).</summary>
        [Parameter(Mandatory = true, ParameterSetName = CompleteSet)]
        public SwitchParameter Complete { get; set; }

        /// <summary>Reports that the run failed, with -Message (and -Name, -Stack).</summary>
        [Parameter(Mandatory = true, ParameterSetName = FailSet)]
        [Parameter(ParameterSetName = FailRecordSet)]
        public new SwitchParameter Fail { get; set; }

        /// <summary>The failure's message.</summary>
        [Parameter(Mandatory = true, ParameterSetName = FailSet)]
        [ValidateNotNullOrEmpty]
        public string Message { get; set; } = "";

        /// <summary>The failure's name (an error type).</summary>
        [Parameter(ParameterSetName = FailSet)]
        public string? Name { get; set; }

        /// <summary>The failure's stack trace.</summary>
        [Parameter(ParameterSetName = FailSet)]
        public string? Stack { get; set; }

        /// <summary>Reports a failure from a catch block: Send-CxpaRunEvent -ErrorRecord $_.</summary>
        [Parameter(Mandatory = true, ParameterSetName = FailRecordSet)]
        [ValidateNotNull]
        public ErrorRecord? ErrorRecord { get; set; }

        /// <summary>Reports that the run waits on a token (an approval).</summary>
        [Parameter(Mandatory = true, ParameterSetName = WaitingSet)]
        public SwitchParameter Waiting { get; set; }

        /// <summary>The token the run waits on.</summary>
        [Parameter(Mandatory = true, ParameterSetName = WaitingSet)]
        [ValidateNotNullOrEmpty]
        public string TokenId { get; set; } = "";

        /// <summary>What the run waits for.</summary>
        [Parameter(Mandatory = true, ParameterSetName = WaitingSet)]
        [ValidateNotNullOrEmpty]
        public string Description { get; set; } = "";

        #endregion

        #region Overrides

        /// <summary>Sends the event.</summary>
        protected override void ProcessRecord()
        {
            long runId = RunId;
            var connection = ResolveRuntime(AgentApiKey, CredentialsToken, ref runId);
            string ev;
            var body = new Dictionary<string, object?>();
            try
            {
                switch (ParameterSetName)
                {
                    case StartedSet:
                        ev = "started";
                        body["type"] = "started";
                        break;
                    case CompleteSet:
                        ev = "complete";
                        body["type"] = "output";
                        // Without -Output the key is left out: "output": null would erase the last intermediate output.
                        if (MyInvocation.BoundParameters.ContainsKey(nameof(Output))) body["output"] = InputConverter.ToJsonValue(Output, "Output");
                        if (Outputs != null) body["outputs"] = Outputs.Value;
                        body["complete"] = true;
                        break;
                    case FailSet:
                    case FailRecordSet:
                        ev = "fail";
                        body["type"] = "output";
                        body["failed"] = true;
                        body["error"] = ErrorBody();
                        break;
                    case WaitingSet:
                        ev = "waiting";
                        body["type"] = "waiting";
                        body["tokenId"] = TokenId;
                        body["description"] = Description;
                        if (Output != null) body["output"] = InputConverter.ToJsonValue(Output, "Output");
                        break;
                    default:
                        ev = "output";
                        body["type"] = "output";
                        body["output"] = InputConverter.ToJsonValue(Output, "Output");
                        if (Outputs != null) body["outputs"] = Outputs.Value;
                        break;
                }
            }
            catch (ArgumentException ex)
            {
                WriteError(new ErrorRecord(ex, "InvalidInput", ErrorCategory.InvalidArgument, ex is InputPolicyException p ? p.Path : Output) { ErrorDetails = new ErrorDetails(ex.Message) });
                return;
            }
            if (!ShouldProcess($"POST api/runs/{runId}/callback with a '{ev}' event", $"Report '{ev}' for run {runId}")) return;
            try
            {
                WriteObject(Await(CreateClient(connection).SendRunEventAsync(runId, ev, body, StopToken)));
            }
            catch (PipelineStoppedException) { throw; }
            catch (Exception ex) { WriteCxpaError(ex, runId, $"Reporting '{ev}' for run {runId}"); }
        }

        #endregion

        #region Private

        private Dictionary<string, object?> ErrorBody()
        {
            var e = new Dictionary<string, object?>();
            if (ErrorRecord != null)
            {
                var ex = ErrorRecord.Exception;
                e["message"] = ErrorRecord.ErrorDetails?.Message is { Length: > 0 } m ? m : ex?.Message ?? ErrorRecord.ToString();
                e["name"] = ex?.GetType().Name ?? ErrorRecord.FullyQualifiedErrorId;
                var stack = ErrorRecord.ScriptStackTrace;
                if (!string.IsNullOrEmpty(ex?.StackTrace)) stack = string.IsNullOrEmpty(stack) ? ex!.StackTrace : stack + "\n" + ex!.StackTrace;
                if (!string.IsNullOrEmpty(stack)) e["stack"] = stack;
            }
            else
            {
                e["message"] = Message;
                if (Name != null) e["name"] = Name;
                if (Stack != null) e["stack"] = Stack;
            }
            return e;
        }

        #endregion
    }
}
