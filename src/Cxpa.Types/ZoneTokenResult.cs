using System;
using System.Collections;

namespace Cxpa
{
    /// <summary>The outcome of Test-CxpaZoneToken -PassThru: validity, the reason, the claims and the token.</summary>
    public sealed class ZoneTokenResult
    {
        internal ZoneTokenResult(bool isValid, string reason, string message, object? token)
        {
            IsValid = isValid;
            Reason = reason;
            Message = message;
            Token = token;
        }

        /// <summary>True when the token verified.</summary>
        public bool IsValid { get; }
        /// <summary>None, or why it was rejected: Empty, TooLarge, Malformed, AlgorithmNotAllowed, BadSignature, Expired, NotYetValid, AudienceMismatch, MissingClaim, InvalidClaim, CriticalHeader.</summary>
        public string Reason { get; }
        /// <summary>A sentence about the outcome (never the token).</summary>
        public string Message { get; }
        /// <summary>The signed-in user.</summary>
        public string? UserId { get; internal set; }
        /// <summary>The agent the token is for.</summary>
        public long? AgentId { get; internal set; }
        /// <summary>The organization's slug.</summary>
        public string? OrgSlug { get; internal set; }
        /// <summary>The agent's slug.</summary>
        public string? AgentSlug { get; internal set; }
        /// <summary>The aud claim.</summary>
        public string? Audience { get; internal set; }
        /// <summary>iat.</summary>
        public DateTimeOffset? IssuedAt { get; internal set; }
        /// <summary>exp.</summary>
        public DateTimeOffset? ExpiresAt { get; internal set; }
        /// <summary>nbf.</summary>
        public DateTimeOffset? NotBefore { get; internal set; }
        /// <summary>Every claim of the payload.</summary>
        public IDictionary? Claims { get; internal set; }
        /// <summary>
        /// The token that verified (as getSession() gives it, to call the platform for the user): a SecureString, or a
        /// string with -AsPlainText. Null for a rejected token. Not shown by the default views.
        /// </summary>
        public object? Token { get; }

        /// <inheritdoc />
        public override string ToString() => TerminalText.CleanLine(IsValid ? $"Valid (user {UserId}, agent {AgentId})" : $"Invalid: {Reason}")!;
    }
}
