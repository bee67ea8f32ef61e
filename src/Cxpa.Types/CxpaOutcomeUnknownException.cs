using System;

namespace Cxpa
{
    /// <summary>
    /// A request that is not safe to repeat (a run start, an intermediate output event) failed after it may have reached the
    /// platform (the connection broke or no answer came in time): it may have taken effect, and it was not sent again
    /// (ErrorId OutcomeUnknown).
    /// </summary>
    public sealed class CxpaOutcomeUnknownException : CxpaConnectionException
    {
        /// <summary>Creates the error.</summary>
        public CxpaOutcomeUnknownException(string message, string method, string path, long? runId = null, Exception? inner = null,
            OperationEffect effect = OperationEffect.StartsRun)
            : base(message, runId, inner, effect)
        {
            Method = method;
            Path = path;
        }
        /// <summary>HTTP method.</summary>
        public string Method { get; }
        /// <summary>Request path (never carries a secret).</summary>
        public string Path { get; }
    }
}
