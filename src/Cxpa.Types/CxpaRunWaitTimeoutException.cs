namespace Cxpa
{
    /// <summary>The run was still in flight when the wait's budget elapsed (ErrorId RunWaitTimeout); it goes on on the platform.</summary>
    public sealed class CxpaRunWaitTimeoutException : CxpaRunException
    {
        /// <summary>Creates the error.</summary>
        public CxpaRunWaitTimeoutException(string message, long runId, long? agentId, string? status)
            : base(message, runId, agentId, status, null) { }
    }
}
