using System;

namespace Cxpa
{
    /// <summary>
    /// The base of every error Cxpa raises: <c>catch [Cxpa.CxpaException]</c> catches them all. In PowerShell the exception
    /// is the ErrorRecord's Exception (<c>$_.Exception</c>); the ErrorId, category and message are unchanged by the type.
    /// The message is written to terminals, so its control characters are made visible (<see cref="TerminalText"/>); the
    /// properties that carry what the platform sent (ServerMessage, Details, a run's Error) keep it as received.
    /// </summary>
    public class CxpaException : Exception
    {
        /// <summary>Creates the error.</summary>
        public CxpaException(string message, long? runId = null, Exception? inner = null) : base(TerminalText.Clean(message), inner) => RunId = runId;

        /// <summary>The run the error concerns, when one is known.</summary>
        public long? RunId { get; }
    }
}
