using System;

namespace Cxpa
{
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
}
