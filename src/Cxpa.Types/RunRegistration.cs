using System;

namespace Cxpa
{
    /// <summary>A registered run: its id and the credentials token the runtime uses to resolve credentials.</summary>
    public sealed class RunRegistration
    {
        internal RunRegistration(long runId, long agentId, string externalRunId, object? credentialsToken, int? expiresInSeconds, DateTimeOffset? expiresAt)
        {
            RunId = runId;
            AgentId = agentId;
            ExternalRunId = externalRunId;
            CredentialsToken = credentialsToken;
            ExpiresInSeconds = expiresInSeconds;
            ExpiresAt = expiresAt;
        }

        /// <summary>Platform-side run id.</summary>
        public long RunId { get; }
        /// <summary>The agent.</summary>
        public long AgentId { get; }
        /// <summary>Your runtime-side id.</summary>
        public string ExternalRunId { get; }
        /// <summary>The credentials token: a SecureString, or a string with -AsPlainText.</summary>
        public object? CredentialsToken { get; }
        /// <summary>TTL of the token in seconds.</summary>
        public int? ExpiresInSeconds { get; }
        /// <summary>When the token expires.</summary>
        public DateTimeOffset? ExpiresAt { get; }

        /// <inheritdoc />
        public override string ToString() => $"Run {RunId} ({ExternalRunId})";
    }
}
