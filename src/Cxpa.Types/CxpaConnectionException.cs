using System;

namespace Cxpa
{
    /// <summary>The connection could not be made or broke (after any retries).</summary>
    public class CxpaConnectionException : CxpaException
    {
        /// <summary>Creates the error.</summary>
        public CxpaConnectionException(string message, long? runId = null, Exception? inner = null, OperationEffect effect = OperationEffect.Read)
            : base(message, runId, inner) => Effect = effect;

        /// <summary>What the call that failed does (a run start, an event, a read, a keyed write).</summary>
        public OperationEffect Effect { get; }
    }
}
