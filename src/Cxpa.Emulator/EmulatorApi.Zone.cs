using System.Text.Json.Nodes;

namespace Cxpa.Emulator;

/// <summary>The zone endpoints (zone token): runs on a user's behalf and integration credentials.</summary>
internal sealed partial class EmulatorApi
{
    // ---------------------------------------------------------------- zone endpoints

    private async Task<IResult> ZoneCreate(HttpContext ctx, long agentId)
    {
        var (agent, claims) = ZoneAuth(ctx, agentId);
        RequireEligible(agent, requireExternalTriggers: false);
        var (payload, _) = ReadTriggerBody(await ReadBody(ctx), "payload", withTimeout: false);
        var run = CreatePlatformRun(agent, "zone", payload, claims.UserId, _clock.GetUtcNow());
        return Json(_config.TriggerStatusCode, new JsonObject { ["runId"] = run.Id });
    }

    private async Task<IResult> ZoneCreateAndWait(HttpContext ctx, long agentId)
    {
        var (agent, claims) = ZoneAuth(ctx, agentId);
        RequireEligible(agent, requireExternalTriggers: false);
        var (payload, timeout) = ReadTriggerBody(await ReadBody(ctx), "payload", withTimeout: true);
        return await CreateAndWait(ctx, agent, payload, timeout, "zone-trigger-and-wait", claims.UserId);
    }

    private async Task<IResult> ZoneCreateAndDownload(HttpContext ctx, long agentId)
    {
        var (agent, claims) = ZoneAuth(ctx, agentId);
        RequireEligible(agent, requireExternalTriggers: false);
        RequireFileAgent(agent);
        var (payload, timeout) = ReadTriggerBody(await ReadBody(ctx), "payload", withTimeout: true);
        return await CreateAndDownload(ctx, agent, payload, timeout, "zone-trigger-and-download", claims.UserId);
    }

    private Task<IResult> ZoneGetRun(HttpContext ctx, long agentId, long runId)
    {
        var (agent, _) = ZoneAuth(ctx, agentId);
        return Task.FromResult(Json(200, RunOf(agent, runId).ToRow()));
    }

    private Task<IResult> ZoneCredential(HttpContext ctx, long agentId, string key)
    {
        var (agent, _) = ZoneAuth(ctx, agentId);
        if (agent.Credentials is { } creds && creds.TryGetValue(key, out var cred))
            return Task.FromResult(Json(200, CloneConfigNode(cred)!));
        throw ApiException.NotFound($"No credential '{key}' for agent {agent.Id}.");
    }
}
