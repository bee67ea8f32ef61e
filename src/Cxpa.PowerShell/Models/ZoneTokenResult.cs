using System;
using System.Collections;
using System.Collections.Specialized;
using Cxpa.Engine.Zone;

namespace Cxpa
{
    /// <summary>The outcome of Test-CxpaZoneToken -PassThru: validity, the reason, the claims and the token.</summary>
    public sealed class ZoneTokenResult
    {
        internal ZoneTokenResult(ZoneTokenValidationResult r, object? token = null)
        {
            Token = token;
            IsValid = r.IsValid;
            Reason = r.Reason.ToString();
            Message = r.Message;
            var c = r.Claims;
            if (c != null)
            {
                UserId = c.UserId;
                AgentId = c.AgentId;
                OrgSlug = c.OrgSlug;
                AgentSlug = c.AgentSlug;
                Audience = c.Audience;
                IssuedAt = c.IssuedAt;
                ExpiresAt = c.ExpiresAt;
                NotBefore = c.NotBefore;
                var raw = new OrderedDictionary(StringComparer.Ordinal);
                foreach (var kv in c.Raw) raw[kv.Key] = kv.Value;
                Claims = raw;
            }
        }

        /// <summary>True when the token verified.</summary>
        public bool IsValid { get; }
        /// <summary>None, or why it was rejected: Empty, TooLarge, Malformed, AlgorithmNotAllowed, BadSignature, Expired, NotYetValid, AudienceMismatch, MissingClaim, InvalidClaim, CriticalHeader.</summary>
        public string Reason { get; }
        /// <summary>A sentence about the outcome (never the token).</summary>
        public string Message { get; }
        /// <summary>The signed-in user.</summary>
        public string? UserId { get; }
        /// <summary>The agent the token is for.</summary>
        public long? AgentId { get; }
        /// <summary>The organization's slug.</summary>
        public string? OrgSlug { get; }
        /// <summary>The agent's slug.</summary>
        public string? AgentSlug { get; }
        /// <summary>The aud claim.</summary>
        public string? Audience { get; }
        /// <summary>iat.</summary>
        public DateTimeOffset? IssuedAt { get; }
        /// <summary>exp.</summary>
        public DateTimeOffset? ExpiresAt { get; }
        /// <summary>nbf.</summary>
        public DateTimeOffset? NotBefore { get; }
        /// <summary>Every claim of the payload.</summary>
        public IDictionary? Claims { get; }
        /// <summary>
        /// The token that verified (as getSession() gives it, to call the platform for the user): a SecureString, or a
        /// string with -AsPlainText. Null for a rejected token. Not shown by the default views.
        /// </summary>
        public object? Token { get; }

        /// <inheritdoc />
        public override string ToString() => IsValid ? $"Valid (user {UserId}, agent {AgentId})" : $"Invalid: {Reason}";
    }
}
