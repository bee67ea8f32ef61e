namespace Cxpa.Engine.Http
{
    /// <summary>Which secret authenticates the calls, and so which endpoints are used.</summary>
    public enum CxpaAuthKind
    {
        /// <summary>An agent's ingest API key: /api/agents/{agentId}/runs/...</summary>
        IngestApiKey,
        /// <summary>A per-request zone JWT: /api/zones/agents/{agentId}/...</summary>
        ZoneToken,
        /// <summary>A runtime's agent API key (+ credentials token): /api/runs/{runId}/callback, /api/credentials/...</summary>
        AgentApiKey,
    }
}
