using System;
using System.Collections.Specialized;
using Cxpa.Engine.Models;
using Cxpa.Engine.Zone;

namespace Cxpa.PowerShell.Internal
{
    /// <summary>The output types of Cxpa.Types (which knows nothing of the engine) made from the engine's results.</summary>
    internal static class OutputObjects
    {
        /// <summary>A registered run; its credentials token a SecureString unless <paramref name="plain"/>.</summary>
        internal static RunRegistration Registration(RegisteredRun r, bool plain)
        {
            object? token = null;
            if (r.CredentialsToken != null) token = plain ? (object)r.CredentialsToken.Reveal() : r.CredentialsToken.ToSecureString();
            return new RunRegistration(r.RunId, r.AgentId, r.ExternalRunId, token, r.ExpiresInSeconds, r.ExpiresAt);
        }

        /// <summary>A resolved credential of its type (OAuth, API key, basic, else generic), read by <paramref name="name"/>.</summary>
        internal static CxpaCredential Credential(CredentialData d, string name, bool plain) => CxpaCredential.From(d.Type, d.Fields, name, plain);

        /// <summary>The outcome of a zone-token check with its claims; <paramref name="token"/> is kept only for a valid token.</summary>
        internal static ZoneTokenResult ZoneToken(ZoneTokenValidationResult r, object? token = null)
        {
            var result = new ZoneTokenResult(r.IsValid, r.Reason.ToString(), r.Message, token);
            var c = r.Claims;
            if (c != null)
            {
                result.UserId = c.UserId;
                result.AgentId = c.AgentId;
                result.OrgSlug = c.OrgSlug;
                result.AgentSlug = c.AgentSlug;
                result.Audience = c.Audience;
                result.IssuedAt = c.IssuedAt;
                result.ExpiresAt = c.ExpiresAt;
                result.NotBefore = c.NotBefore;
                var raw = new OrderedDictionary(StringComparer.Ordinal);
                foreach (var kv in c.Raw) raw[kv.Key] = kv.Value;
                result.Claims = raw;
            }
            return result;
        }
    }
}
