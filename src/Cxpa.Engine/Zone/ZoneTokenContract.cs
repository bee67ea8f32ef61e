using System;
using System.Collections.Generic;

namespace Cxpa.Engine.Zone
{
    /// <summary>Why a zone token was rejected.</summary>
    public enum ZoneTokenFailureReason
    {
        /// <summary>The token is valid.</summary>
        None = 0,
        /// <summary>Empty or whitespace-only token.</summary>
        Empty,
        /// <summary>Longer than the size cap.</summary>
        TooLarge,
        /// <summary>Not a three-segment JWS of base64url JSON.</summary>
        Malformed,
        /// <summary>The header's alg is missing or not exactly HS256 (incl. none, HS384, RS256), or the header names or embeds its own key (jku, x5u, jwk, x5c).</summary>
        AlgorithmNotAllowed,
        /// <summary>The signature does not verify with the secret.</summary>
        BadSignature,
        /// <summary>exp is in the past beyond the clock tolerance.</summary>
        Expired,
        /// <summary>nbf is in the future beyond the clock tolerance (iat is not compared with the clock, as in createZoneMiddleware).</summary>
        NotYetValid,
        /// <summary>aud is missing, or neither exactly (ordinal) the expected audience nor an array of strings holding it (as jose).</summary>
        AudienceMismatch,
        /// <summary>A required claim (exp) is missing.</summary>
        MissingClaim,
        /// <summary>A claim has the wrong type (a string exp/nbf/iat, a non-numeric or fractional agentId, a non-string userId...).</summary>
        InvalidClaim,
        /// <summary>The header carries a crit parameter.</summary>
        CriticalHeader,
    }

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

    /// <summary>The outcome of a zone token check.</summary>
    public sealed class ZoneTokenValidationResult
    {
        public bool IsValid { get; set; }
        public ZoneTokenFailureReason Reason { get; set; }
        /// <summary>A human sentence; never contains the token or the secret.</summary>
        public string Message { get; set; } = "";
        /// <summary>The claims when the token could be decoded (also for some invalid tokens, e.g. expired).</summary>
        public ZoneTokenClaims? Claims { get; set; }
    }

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
