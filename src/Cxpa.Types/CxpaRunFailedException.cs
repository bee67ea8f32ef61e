namespace Cxpa
{
    /// <summary>The run ended failed (ErrorId RunFailed).</summary>
    public sealed class CxpaRunFailedException : CxpaRunException
    {
        /// <summary>Creates the error.</summary>
        public CxpaRunFailedException(string message, long runId, long? agentId, string? status, string? runError)
            : base(message, runId, agentId, status, runError) { }
    }
}
