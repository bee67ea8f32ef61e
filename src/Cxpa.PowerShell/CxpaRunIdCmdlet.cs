using System;
using System.Management.Automation;

namespace Cxpa.PowerShell
{
    /// <summary>A cmdlet that works on existing runs by id (Get-CxpaRun, Wait-CxpaRun): the shared -RunId parameter.</summary>
    public abstract class CxpaRunIdCmdlet : CxpaAgentRunCmdlet
    {
        #region Parameters

        /// <summary>One or more run ids. Binds from the pipeline by property name (a run, a registration, an ingest result), so Start-CxpaRun | Wait-CxpaRun works.</summary>
        [Parameter(Mandatory = true, Position = 1, ValueFromPipelineByPropertyName = true)]
        [ValidateRange(1, long.MaxValue)]
        public long[] RunId { get; set; } = Array.Empty<long>();

        #endregion
    }
}
