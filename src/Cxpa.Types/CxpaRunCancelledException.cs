namespace Cxpa
{
    /// <summary>The run ended cancelled (ErrorId RunCancelled).</summary>
    public sealed class CxpaRunCancelledException : CxpaRunException
    {
        /// <summary>Creates the error.</summary>
        public CxpaRunCancelledException(string message, long runId, long? agentId, string? status, string? runError)
            : base(message, runId, agentId, status, runError) { }
    }
}
