using System;

namespace Cxpa
{
    /// <summary>
    /// The base of every error Cxpa raises: <c>catch [Cxpa.CxpaException]</c> catches them all. In PowerShell the exception
    /// is the ErrorRecord's Exception (<c>$_.Exception</c>); the ErrorId, category and message are unchanged by the type.
    /// </summary>
    public class CxpaException : Exception
    {
        /// <summary>Creates the error.</summary>
        public CxpaException(string message, long? runId = null, Exception? inner = null) : base(message, inner) => RunId = runId;

        /// <summary>The run the error concerns, when one is known.</summary>
        public long? RunId { get; }
    }

    /// <summary>The platform answered with a non-2xx status (or an answer that could not be read).</summary>
    public sealed class CxpaApiException : CxpaException
    {
        /// <summary>Creates the error.</summary>
        public CxpaApiException(string message, int status, string? code, string? serverMessage, object? details,
            long? runId, string method, string path, TimeSpan? retryAfter = null, Exception? inner = null)
            : base(message, runId, inner)
        {
            Status = status;
            Code = code;
            ServerMessage = serverMessage;
            Details = details;
            Method = method;
            Path = path;
            RetryAfter = retryAfter;
        }

        /// <summary>The HTTP status code (0 when no answer was read).</summary>
        public int Status { get; }
        /// <summary>The platform's machine code (unauthorized, agent_not_eligible, ...), when sent.</summary>
        public string? Code { get; }
        /// <summary>The platform's human message, when sent.</summary>
        public string? ServerMessage { get; }
        /// <summary>Per-field details (422), as plain values.</summary>
        public object? Details { get; }
        /// <summary>HTTP method.</summary>
        public string Method { get; }
        /// <summary>Request path (never carries a secret).</summary>
        public string Path { get; }
        /// <summary>Retry-After, when sent.</summary>
        public TimeSpan? RetryAfter { get; }
    }

    /// <summary>A deadline or a per-request/per-read timeout elapsed.</summary>
    public sealed class CxpaTimeoutException : CxpaException
    {
        /// <summary>Creates the error.</summary>
        public CxpaTimeoutException(string message, long? runId = null, Exception? inner = null) : base(message, runId, inner) { }
    }

    /// <summary>The connection could not be made or broke (after any retries).</summary>
    public class CxpaConnectionException : CxpaException
    {
        /// <summary>Creates the error.</summary>
        public CxpaConnectionException(string message, long? runId = null, Exception? inner = null) : base(message, runId, inner) { }
    }

    /// <summary>
    /// A request that is not safe to repeat (a run start, an intermediate output event) failed after it may have reached the
    /// platform (the connection broke or no answer came in time): it may have taken effect, and it was not sent again
    /// (ErrorId OutcomeUnknown).
    /// </summary>
    public sealed class CxpaOutcomeUnknownException : CxpaConnectionException
    {
        /// <summary>Creates the error.</summary>
        public CxpaOutcomeUnknownException(string message, string method, string path, long? runId = null, Exception? inner = null)
            : base(message, runId, inner)
        {
            Method = method;
            Path = path;
        }
        /// <summary>HTTP method.</summary>
        public string Method { get; }
        /// <summary>Request path (never carries a secret).</summary>
        public string Path { get; }
    }

    /// <summary>
    /// The call cannot be made as it is: missing URL or key, an unsafe URL, a parameter the cmdlet refuses before sending
    /// (MissingAgentId, TimeoutWithoutWait, FileExists, ...). ErrorId is the ErrorRecord's id.
    /// </summary>
    public sealed class CxpaConfigurationException : CxpaException
    {
        /// <summary>Creates the error.</summary>
        public CxpaConfigurationException(string message, string errorId) : base(message) => ErrorId = errorId;
        /// <summary>Creates the error with the exception that caused it.</summary>
        public CxpaConfigurationException(string message, string errorId, Exception? inner) : base(message, null, inner) => ErrorId = errorId;
        /// <summary>A stable id for the problem.</summary>
        public string ErrorId { get; }
    }

    /// <summary>A download broke off or could not be written.</summary>
    public sealed class CxpaDownloadException : CxpaException
    {
        /// <summary>Creates the error.</summary>
        public CxpaDownloadException(string message, long? runId = null, Exception? inner = null) : base(message, runId, inner) { }
        /// <summary>Creates the error for a complete file that could not be moved into place and is kept at <paramref name="tempFilePath"/>.</summary>
        public CxpaDownloadException(string message, long? runId, string tempFilePath, Exception? inner) : base(message, runId, inner)
        {
            TempFilePath = tempFilePath;
        }
        /// <summary>
        /// Where the complete file is kept when every byte arrived but the final move into place failed (a temporary
        /// ".cxpa-&lt;hex&gt;.partial" file in the target folder; move or rename it yourself); null for every other failure.
        /// </summary>
        public string? TempFilePath { get; }
    }

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

    /// <summary>The run ended failed (ErrorId RunFailed).</summary>
    public sealed class CxpaRunFailedException : CxpaRunException
    {
        /// <summary>Creates the error.</summary>
        public CxpaRunFailedException(string message, long runId, long? agentId, string? status, string? runError)
            : base(message, runId, agentId, status, runError) { }
    }

    /// <summary>The run ended cancelled (ErrorId RunCancelled).</summary>
    public sealed class CxpaRunCancelledException : CxpaRunException
    {
        /// <summary>Creates the error.</summary>
        public CxpaRunCancelledException(string message, long runId, long? agentId, string? status, string? runError)
            : base(message, runId, agentId, status, runError) { }
    }

    /// <summary>The run was still in flight when the wait's budget elapsed (ErrorId RunWaitTimeout); it goes on on the platform.</summary>
    public sealed class CxpaRunWaitTimeoutException : CxpaRunException
    {
        /// <summary>Creates the error.</summary>
        public CxpaRunWaitTimeoutException(string message, long runId, long? agentId, string? status)
            : base(message, runId, agentId, status, null) { }
    }
}
