using System;
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
    public sealed class SendCxpaIngestCommand : CxpaRunCmdlet
    {
        #region Parameters

        /// <summary>The standalone agent.</summary>
        [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
        [ArgumentCompleter(typeof(AgentIdCompleter))]
        [ValidateRange(1, long.MaxValue)]
        public long AgentId { get; set; }

        /// <summary>Your id for the execution, 1 to 255 characters: ingests with the same id update the same run.</summary>
        [Parameter(Mandatory = true, Position = 1, ValueFromPipelineByPropertyName = true)]
        [ValidateLength(1, 255)]
        public string ExternalRunId { get; set; } = "";

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

        private CxpaConnection? _connection;

        /// <summary>Resolves the connection.</summary>
        protected override void BeginProcessing() => _connection = ResolveIngest();

        /// <summary>Sends the ingest.</summary>
        protected override void ProcessRecord()
        {
            if (!TryJson(Output, "Output", anyValue: true, out var output)) return;
            var status = Status.ToLowerInvariant();
            var operation = CxpaOperations.Ingest(AgentId, ExternalRunId, status, output, Outputs, ErrorMessage);
            if (!ShouldProcess(operation.WhatIfTarget, operation.WhatIfAction)) return;
            _connection!.NoteAgent(AgentId);
            try
            {
                WriteObject(Await(CreateClient(_connection).IngestAsync(AgentId, ExternalRunId, status, output, Outputs, ErrorMessage, StopToken)));
            }
            catch (PipelineStoppedException) { throw; }
            catch (Exception ex) { WriteCxpaError(ex, ExternalRunId, $"Ingesting run '{ExternalRunId}' of agent {AgentId}"); }
        }

        #endregion
    }
}
