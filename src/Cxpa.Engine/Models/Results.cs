using System;
using System.Collections.Generic;

namespace Cxpa
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

    /// <summary>A credential as the platform returns it: its type and raw fields.</summary>
    public sealed class CredentialData
    {
        /// <summary>oauth, api_key, basic, or another type.</summary>
        public string Type { get; set; } = "";
        /// <summary>Every field of the answer, plain values.</summary>
        public IDictionary<string, object?> Fields { get; set; } = new Dictionary<string, object?>();
    }

    /// <summary>What trigger-and-download saved.</summary>
    public sealed class DownloadedFile
    {
        /// <summary>The run id from x-run-id, when sent.</summary>
        public long? RunId { get; set; }
        /// <summary>The final path.</summary>
        public string Path { get; set; } = "";
        /// <summary>The content type sent.</summary>
        public string? ContentType { get; set; }
        /// <summary>Bytes written.</summary>
        public long Length { get; set; }
        /// <summary>The file name the server suggested, if any.</summary>
        public string? SuggestedFileName { get; set; }
    }
}
