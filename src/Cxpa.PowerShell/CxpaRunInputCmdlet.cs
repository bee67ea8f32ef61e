using System.Management.Automation;

namespace Cxpa.PowerShell
{
    /// <summary>A cmdlet that starts one run per input (Start-CxpaRun, Save-CxpaRunOutput): the shared -InputObject parameter.</summary>
    public abstract class CxpaRunInputCmdlet : CxpaAgentRunCmdlet
    {
        #region Parameters

        /// <summary>The run's input: a hashtable, a PSCustomObject or JSON text of an object. Each pipeline input starts one run.</summary>
        [Parameter(Position = 1, ValueFromPipeline = true)]
        [Alias("Input")]
        public object? InputObject { get; set; }

        #endregion

        #region Private

        /// <summary>This record's input as a JSON object; false (with an InvalidInput error written) when it cannot be one.</summary>
        internal bool TryInput(out object? input) => TryJson(InputObject, nameof(InputObject), anyValue: false, out input);

        #endregion
    }
}
