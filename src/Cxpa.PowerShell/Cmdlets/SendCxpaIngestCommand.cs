using System.Management.Automation;
using Cxpa.Engine.Operations;
using Cxpa.PowerShell.Internal;

namespace Cxpa.PowerShell.Cmdlets
{
    /// <summary>
    /// <para type="synopsis">Reports the status of a standalone agent's run.</para>
    /// </summary>
    [Cmdlet(VerbsCommunications.Send, "CxpaIngest", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low, HelpUri = HelpUris.Docs + "Send-CxpaIngest.md")]
    [OutputType(typeof(IngestResult))]
    public sealed class SendCxpaIngestCommand : CxpaExternalRunCmdlet
    {
        #region Parameters

        /// <summary>Running, Completed, Failed or Cancelled.</summary>
        [Parameter(Mandatory = true, Position = 2, ValueFromPipelineByPropertyName = true)]
        [ValidateSet("Running", "Completed", "Failed", "Cancelled", IgnoreCase = true)]
        public string Status { get; set; } = "";

        /// <summary>The run's output: a hashtable, a PSCustomObject, an array, a scalar or JSON text.</summary>
        [Parameter(ValueFromPipelineByPropertyName = true)]
        public object? Output { get; set; }

        /// <summary>The count of outputs the run produced.</summary>
        [Parameter(ValueFromPipelineByPropertyName = true)]
        [ValidateRange(0, long.MaxValue)]
        public long? Outputs { get; set; }

        /// <summary>The error message of a failed run.</summary>
        [Parameter(ValueFromPipelineByPropertyName = true)]
        [ValidateNotNullOrEmpty]
        public string? ErrorMessage { get; set; }

        #endregion

        #region Overrides

        /// <summary>Sends the ingest.</summary>
        protected override void ProcessRecord()
        {
            if (!TryJson(Output, "Output", anyValue: true, out var output)) return;
            var status = Status.ToLowerInvariant();
            var operation = CxpaOperations.Ingest(AgentId, ExternalRunId, status, output, Outputs, ErrorMessage);
            Send(operation, Confirmed, r => WriteObject(r), ExternalRunId, Doing("Ingesting"));
        }

        #endregion
    }
}
