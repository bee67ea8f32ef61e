using System.Text.Json.Nodes;

namespace Cxpa.Emulator;

/// <summary>The zone endpoints (zone token): runs on a user's behalf and integration credentials.</summary>
internal sealed class ZoneRoutes
{
    private readonly EmulatorContext _ctx;
    private readonly Auth _auth;
    private readonly RunService _runs;

    public ZoneRoutes(EmulatorContext ctx, Auth auth, RunService runs) { _ctx = ctx; _auth = auth; _runs = runs; }

    public void Map(Router r)
    {
        r.Map("POST", "/api/zones/agents/{agentId:long}/runs", (x, v) => Create(x, v.Long("agentId")));
        r.Map("POST", "/api/zones/agents/{agentId:long}/runs/trigger-and-wait", (x, v) => CreateAndWait(x, v.Long("agentId")));
        r.Map("POST", "/api/zones/agents/{agentId:long}/runs/trigger-and-download", (x, v) => CreateAndDownload(x, v.Long("agentId")));
        r.Map("GET", "/api/zones/agents/{agentId:long}/runs/{runId:long}", (x, v) =>
            Reply.Json(200, _runs.RunOf(_auth.Zone(x, v.Long("agentId")).Agent, v.Long("runId")).ToRow()));
        r.Map("GET", "/api/zones/agents/{agentId:long}/credentials/{key}", (x, v) => Credential(x, v.Long("agentId"), v.String("key")));
    }

    private async Task<Reply?> Create(EmulatorExchange x, long agentId)
    {
        var (agent, userId) = _auth.Zone(x, agentId);
        Auth.RequireEligible(agent, requireExternalTriggers: false);
        var (payload, _) = RunService.ReadTriggerBody(await RequestBody.ReadAsync(x).ConfigureAwait(false), "payload", withTimeout: false);
        var run = _runs.CreatePlatformRun(agent, "zone", payload, userId, _ctx.Clock.GetUtcNow());
        return Reply.Json(_ctx.Config.TriggerStatusCode, new JsonObject { ["runId"] = run.Id });
    }

    private async Task<Reply?> CreateAndWait(EmulatorExchange x, long agentId)
    {
        var (agent, userId) = _auth.Zone(x, agentId);
        Auth.RequireEligible(agent, requireExternalTriggers: false);
        var (payload, timeout) = RunService.ReadTriggerBody(await RequestBody.ReadAsync(x).ConfigureAwait(false), "payload", withTimeout: true);
        return await _runs.CreateAndWait(x, agent, payload, timeout, "zone-trigger-and-wait", userId).ConfigureAwait(false);
    }

    private async Task<Reply?> CreateAndDownload(EmulatorExchange x, long agentId)
    {
        var (agent, userId) = _auth.Zone(x, agentId);
        Auth.RequireEligible(agent, requireExternalTriggers: false);
        Auth.RequireFileAgent(agent);
        var (payload, timeout) = RunService.ReadTriggerBody(await RequestBody.ReadAsync(x).ConfigureAwait(false), "payload", withTimeout: true);
        return await _runs.CreateAndDownload(x, agent, payload, timeout, "zone-trigger-and-download", userId).ConfigureAwait(false);
    }

    private Reply Credential(EmulatorExchange x, long agentId, string key)
    {
        var (agent, _) = _auth.Zone(x, agentId);
        if (agent.Credentials is { } creds && creds.TryGetValue(key, out var cred))
            return Reply.Json(200, RequestBody.CloneConfigNode(cred)!);
        throw ApiException.NotFound($"No credential '{key}' for agent {agent.Id}.");
    }
}
