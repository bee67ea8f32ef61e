using System;
using System.Management.Automation;
using System.Security;
using Cxpa.Engine.Operations;
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
        public SwitchParameter Fail { get; set; }

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
            var connection = Connections.Runtime(AgentApiKey, CredentialsToken, ref runId);
            RunEvent runEvent;
            try
            {
                runEvent = ToRunEvent();
            }
            catch (ArgumentException ex)
            {
                WriteInvalidInput(ex, Output);
                return;
            }
            Send(CxpaOperations.SendRunEvent(runId, runEvent), () => CreateClient(connection), r => WriteObject(r), runId,
                $"Reporting '{runEvent.Name}' for run {runId}");
        }

        #endregion

        #region Private

        /// <summary>The event the parameter set names; -Output becomes a JSON value (an ArgumentException when it cannot).</summary>
        private RunEvent ToRunEvent()
        {
            switch (ParameterSetName)
            {
                case StartedSet:
                    return new RunStartedEvent();
                case CompleteSet:
                    // Without -Output the key is left out: "output": null would erase the last intermediate output.
                    return MyInvocation.BoundParameters.ContainsKey(nameof(Output))
                        ? new RunCompleteEvent(OutputJson(), Outputs)
                        : new RunCompleteEvent(Outputs);
                case FailSet:
                    return new RunFailEvent(Message, Name, Stack);
                case FailRecordSet:
                    return FromErrorRecord(ErrorRecord!);
                case WaitingSet:
                    return new RunWaitingEvent(TokenId, Description, Output != null ? OutputJson() : null);
                default:
                    return new RunOutputEvent(OutputJson(), Outputs);
            }
        }

        private object? OutputJson() => InputConverter.ToJsonValue(Output, nameof(Output));

        /// <summary>A failure from an ErrorRecord: its message (ErrorDetails first), the exception's type name and the script and .NET stack traces.</summary>
        private static RunFailEvent FromErrorRecord(ErrorRecord record)
        {
            var ex = record.Exception;
            var message = record.ErrorDetails?.Message is { Length: > 0 } m ? m : ex?.Message ?? record.ToString();
            var name = ex?.GetType().Name ?? record.FullyQualifiedErrorId;
            var stack = record.ScriptStackTrace;
            if (!string.IsNullOrEmpty(ex?.StackTrace)) stack = string.IsNullOrEmpty(stack) ? ex!.StackTrace : stack + "\n" + ex!.StackTrace;
            return new RunFailEvent(message, name, string.IsNullOrEmpty(stack) ? null : stack);
        }

        #endregion
    }
}
