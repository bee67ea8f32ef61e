using System;

namespace Cxpa.Engine.Models
{
    /// <summary>The answer of register: the run id and a short-lived credentials token.</summary>
    public sealed class RegisteredRun
    {
        /// <summary>Platform-side run id.</summary>
        public long RunId { get; set; }
        /// <summary>The agent.</summary>
        public long AgentId { get; set; }
        /// <summary>The caller-side id.</summary>
        public string ExternalRunId { get; set; } = "";
        /// <summary>The credentials token (a secret).</summary>
        public Cxpa.Engine.Secret? CredentialsToken { get; set; }
        /// <summary>TTL of the token in seconds.</summary>
        public int? ExpiresInSeconds { get; set; }
        /// <summary>When the token expires (computed from the answer time).</summary>
        public DateTimeOffset? ExpiresAt { get; set; }
    }
}
