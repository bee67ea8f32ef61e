using System;

namespace Cxpa
{
    /// <summary>A deadline or a per-request/per-read timeout elapsed.</summary>
    public sealed class CxpaTimeoutException : CxpaException
    {
        /// <summary>Creates the error.</summary>
        public CxpaTimeoutException(string message, long? runId = null, Exception? inner = null) : base(message, runId, inner) { }
    }
}
