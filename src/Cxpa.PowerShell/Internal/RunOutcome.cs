using System;
using System.Management.Automation;

namespace Cxpa.PowerShell.Internal
{
    /// <summary>The errors that accompany a run that ended badly or did not end in time.</summary>
    internal static class RunOutcome
    {
        /// <summary>A non-terminating error for a failed or cancelled run (the run itself is output too).</summary>
        public static ErrorRecord? ErrorFor(Run run)
        {
            if (string.Equals(run.Status, RunStatus.Failed, StringComparison.OrdinalIgnoreCase))
            {
                var ex = new CxpaRunFailedException($"Run {run.RunId} of agent {run.AgentId} failed: {(run.Error ?? "the platform gave no error message").TrimEnd('.')}.", run.RunId, run.AgentId, run.Status, run.Error);
                return new ErrorRecord(ex, "RunFailed", ErrorCategory.InvalidResult, run) { ErrorDetails = new ErrorDetails(ex.Message) };
            }
            if (string.Equals(run.Status, RunStatus.Cancelled, StringComparison.OrdinalIgnoreCase))
            {
                var ex = new CxpaRunCancelledException($"Run {run.RunId} of agent {run.AgentId} was cancelled{(run.Error != null ? ": " + run.Error : "")}.", run.RunId, run.AgentId, run.Status, run.Error);
                return new ErrorRecord(ex, "RunCancelled", ErrorCategory.OperationStopped, run) { ErrorDetails = new ErrorDetails(ex.Message) };
            }
            return null;
        }

        /// <summary>The error for a run still in flight when the wait budget (-WaitTimeoutSeconds) elapsed.</summary>
        public static ErrorRecord Timeout(Run run, int timeoutSec)
        {
            var ex = new CxpaRunWaitTimeoutException($"Run {run.RunId} of agent {run.AgentId} is still {run.Status ?? "pending"} after {timeoutSec} s; it goes on on the platform: read it later with Get-CxpaRun -AgentId {run.AgentId} -RunId {run.RunId}.", run.RunId, run.AgentId, run.Status);
            return new ErrorRecord(ex, "RunWaitTimeout", ErrorCategory.OperationTimeout, run) { ErrorDetails = new ErrorDetails(ex.Message) };
        }
    }
}
