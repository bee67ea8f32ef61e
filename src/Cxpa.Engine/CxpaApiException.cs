using System;

namespace Cxpa.Engine
{
    /// <summary>The platform answered with a non-2xx status (or an answer that could not be read).</summary>
    public sealed class CxpaApiException : Exception
    {
        /// <summary>Creates the error.</summary>
        public CxpaApiException(string message, int status, string? code, string? serverMessage, object? details,
            long? runId, string method, string path, TimeSpan? retryAfter = null, Exception? inner = null)
            : base(message, inner)
        {
            Status = status;
            Code = code;
            ServerMessage = serverMessage;
            Details = details;
            RunId = runId;
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
        /// <summary>The run this call concerned, when known.</summary>
        public long? RunId { get; }
        /// <summary>HTTP method.</summary>
        public string Method { get; }
        /// <summary>Request path (never carries a secret).</summary>
        public string Path { get; }
        /// <summary>Retry-After, when sent.</summary>
        public TimeSpan? RetryAfter { get; }
    }

    /// <summary>A deadline or a per-request/per-read timeout elapsed.</summary>
    public sealed class CxpaTimeoutException : TimeoutException
    {
        /// <summary>Creates the error.</summary>
        public CxpaTimeoutException(string message, long? runId = null, Exception? inner = null) : base(message, inner) => RunId = runId;
        /// <summary>The run concerned, when known.</summary>
        public long? RunId { get; }
    }

    /// <summary>The connection could not be made or broke (after any retries).</summary>
    public sealed class CxpaConnectionException : Exception
    {
        /// <summary>Creates the error.</summary>
        public CxpaConnectionException(string message, long? runId = null, Exception? inner = null) : base(message, inner) => RunId = runId;
        /// <summary>The run concerned, when known.</summary>
        public long? RunId { get; }
    }

    /// <summary>The call cannot be made as configured (missing URL or key, an unsafe URL).</summary>
    public sealed class CxpaConfigurationException : Exception
    {
        /// <summary>Creates the error.</summary>
        public CxpaConfigurationException(string message, string errorId) : base(message) => ErrorId = errorId;
        /// <summary>A stable id for the problem.</summary>
        public string ErrorId { get; }
    }

    /// <summary>A download broke off or could not be written.</summary>
    public sealed class CxpaDownloadException : Exception
    {
        /// <summary>Creates the error.</summary>
        public CxpaDownloadException(string message, long? runId = null, Exception? inner = null) : base(message, inner) => RunId = runId;
        /// <summary>The run concerned, when known.</summary>
        public long? RunId { get; }
    }

    /// <summary>A run ended failed or cancelled, or did not end in time.</summary>
    public sealed class CxpaRunException : Exception
    {
        /// <summary>Creates the error.</summary>
        public CxpaRunException(string message, long runId, long? agentId, string? status, string? runError) : base(message)
        {
            RunId = runId;
            AgentId = agentId;
            Status = status;
            RunError = runError;
        }
        /// <summary>The run.</summary>
        public long RunId { get; }
        /// <summary>The agent.</summary>
        public long? AgentId { get; }
        /// <summary>The run's status.</summary>
        public string? Status { get; }
        /// <summary>The run's error message.</summary>
        public string? RunError { get; }
    }
}
