using System;
using System.Collections.Generic;

namespace Cxpa
{
    /// <summary>A platform URL with one secret: what Connect-Cxpa makes and -Connection takes. Never shows the secret.</summary>
    public sealed class CxpaConnection
    {
        private readonly Func<bool> _hasCredentialsToken;

        /// <summary>Made by the cmdlets only: <paramref name="handle"/> is the engine's endpoint, which holds the secret.</summary>
        internal CxpaConnection(object handle, Uri baseUrl, string authKind, Func<bool> hasCredentialsToken, string source)
        {
            Handle = handle;
            BaseUrl = baseUrl;
            AuthKind = authKind;
            _hasCredentialsToken = hasCredentialsToken;
            Source = source;
        }

        /// <summary>The engine's endpoint (URL and secret), opaque here so that this assembly references nothing but the BCL.</summary>
        internal object Handle { get; }

        /// <summary>The platform's base URL.</summary>
        public Uri BaseUrl { get; }
        /// <summary>IngestApiKey, ZoneToken or AgentApiKey.</summary>
        public string AuthKind { get; }
        /// <summary>The agent: the zone token's agentId claim, or given.</summary>
        public long? AgentId { get; internal set; }
        /// <summary>The run a runtime connection reports on.</summary>
        public long? RunId { get; internal set; }
        /// <summary>The signed-in user of a zone token.</summary>
        public string? UserId { get; internal set; }
        /// <summary>When the zone token expires.</summary>
        public DateTimeOffset? ExpiresAt { get; internal set; }
        /// <summary>Whether a runtime connection carries a credentials token.</summary>
        public bool HasCredentialsToken => _hasCredentialsToken();
        /// <summary>Connect-Cxpa, Parameters or Environment.</summary>
        public string Source { get; }
        /// <summary>Agents used through this connection, most recent first (for completion).</summary>
        public List<long> RecentAgentIds { get; } = new List<long>();

        internal void NoteAgent(long agentId)
        {
            lock (RecentAgentIds)
            {
                RecentAgentIds.Remove(agentId);
                RecentAgentIds.Insert(0, agentId);
                if (RecentAgentIds.Count > 20) RecentAgentIds.RemoveAt(20);
            }
        }

        /// <inheritdoc />
        public override string ToString() => $"{AuthKind} @ {BaseUrl}";
    }
}
