using System;
using System.Security;
using Cxpa.Engine.Models;

namespace Cxpa
{
    /// <summary>A registered run: its id and the credentials token the runtime uses to resolve credentials.</summary>
    public sealed class RunRegistration
    {
        internal RunRegistration(RegisteredRun r, bool plain)
        {
            RunId = r.RunId;
            AgentId = r.AgentId;
            ExternalRunId = r.ExternalRunId;
            ExpiresInSeconds = r.ExpiresInSeconds;
            ExpiresAt = r.ExpiresAt;
            if (r.CredentialsToken != null)
                CredentialsToken = plain ? (object)r.CredentialsToken.Reveal() : r.CredentialsToken.ToSecureString();
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
