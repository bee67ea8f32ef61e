namespace Cxpa
{
    /// <summary>
    /// A run ended badly or did not end in time. Catch a subclass for one outcome (<see cref="CxpaRunFailedException"/>,
    /// <see cref="CxpaRunCancelledException"/>, <see cref="CxpaRunWaitTimeoutException"/>) or this type for all three.
    /// </summary>
    public abstract class CxpaRunException : CxpaException
    {
        /// <summary>Creates the error.</summary>
        protected CxpaRunException(string message, long runId, long? agentId, string? status, string? runError) : base(message, runId)
        {
            AgentId = agentId;
            Status = status;
            RunError = runError;
        }
        /// <summary>The agent.</summary>
        public long? AgentId { get; }
        /// <summary>The run's status.</summary>
        public string? Status { get; }
        /// <summary>The run's error message.</summary>
        public string? RunError { get; }
    }
}
