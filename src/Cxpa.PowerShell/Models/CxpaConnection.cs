using System;
using Cxpa.Engine;
using Cxpa.Engine.Http;

namespace Cxpa
{
    /// <summary>A platform URL with one secret: what Connect-Cxpa makes and -Connection takes. Never shows the secret.</summary>
    public sealed class CxpaConnection
    {
        internal CxpaConnection(CxpaEndpoint endpoint, string source)
        {
            Endpoint = endpoint;
            Source = source;
        }

        internal CxpaEndpoint Endpoint { get; }

        /// <summary>The platform's base URL.</summary>
        public Uri BaseUrl => Endpoint.BaseUrl;
        /// <summary>IngestApiKey, ZoneToken or AgentApiKey.</summary>
        public string AuthKind => Endpoint.AuthKind.ToString();
        /// <summary>The agent: the zone token's agentId claim, or given.</summary>
        public long? AgentId { get; internal set; }
        /// <summary>The run a runtime connection reports on.</summary>
        public long? RunId { get; internal set; }
        /// <summary>The signed-in user of a zone token.</summary>
        public string? UserId { get; internal set; }
        /// <summary>When the zone token expires.</summary>
        public DateTimeOffset? ExpiresAt { get; internal set; }
        /// <summary>Whether a runtime connection carries a credentials token.</summary>
        public bool HasCredentialsToken => Endpoint.CredentialsToken != null;
        /// <summary>Connect-Cxpa, Parameters or Environment.</summary>
        public string Source { get; }
        /// <summary>Agents used through this connection, most recent first (for completion).</summary>
        public System.Collections.Generic.List<long> RecentAgentIds { get; } = new System.Collections.Generic.List<long>();

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
