using System;
using System.Collections.Generic;

namespace Cxpa.Engine.Zone
{
    /// <summary>The claims of a zone token, typed, plus every raw claim.</summary>
    public sealed class ZoneTokenClaims
    {
        public string? UserId { get; set; }
        public long? AgentId { get; set; }
        public string? OrgSlug { get; set; }
        public string? AgentSlug { get; set; }
        /// <summary>The aud claim when it is a string; for an array aud that holds the expected audience, that audience.</summary>
        public string? Audience { get; set; }
        public DateTimeOffset? IssuedAt { get; set; }
        public DateTimeOffset? ExpiresAt { get; set; }
        public DateTimeOffset? NotBefore { get; set; }
        /// <summary>Every claim of the payload as plain BCL values (string, long, double, bool, null, List, Dictionary).</summary>
        public IReadOnlyDictionary<string, object?> Raw { get; set; } = new Dictionary<string, object?>();
    }
}
