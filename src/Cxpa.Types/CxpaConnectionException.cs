using System;

namespace Cxpa
{
    /// <summary>The connection could not be made or broke (after any retries).</summary>
    public class CxpaConnectionException : CxpaException
    {
        /// <summary>Creates the error.</summary>
        public CxpaConnectionException(string message, long? runId = null, Exception? inner = null) : base(message, runId, inner) { }
    }
}
