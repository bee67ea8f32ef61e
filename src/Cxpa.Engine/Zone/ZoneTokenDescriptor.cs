using System;
using System.Collections.Generic;

namespace Cxpa.Engine.Zone
{
    /// <summary>What to put in a minted zone token.</summary>
    public sealed class ZoneTokenDescriptor
    {
        public string Audience { get; set; } = "";
        public string? UserId { get; set; }
        public long AgentId { get; set; }
        public string? OrgSlug { get; set; }
        public string? AgentSlug { get; set; }
        public TimeSpan Lifetime { get; set; } = TimeSpan.FromMinutes(5);
        /// <summary>Issue time; defaults to now.</summary>
        public DateTimeOffset? IssuedAt { get; set; }
        /// <summary>Extra claims, plain BCL values.</summary>
        public IDictionary<string, object?>? AdditionalClaims { get; set; }
    }
}
