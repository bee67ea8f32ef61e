using System.Text.Json.Nodes;

namespace Cxpa.Emulator;

/// <summary>The agent endpoints (ingest API key): trigger, trigger-and-wait, trigger-and-download, register, ingest, read.</summary>
internal sealed class AgentRoutes
{
    private static readonly string[] IngestStatuses = { RunStatus.Running, RunStatus.Completed, RunStatus.Failed, RunStatus.Cancelled };

    private readonly EmulatorContext _ctx;
    private readonly Auth _auth;
    private readonly RunService _runs;

    public AgentRoutes(EmulatorContext ctx, Auth auth, RunService runs) { _ctx = ctx; _auth = auth; _runs = runs; }

    public void Map(Router r)
    {
        r.Map("POST", "/api/agents/{agentId:long}/runs/trigger", (x, v) => Trigger(x, v.Long("agentId")));
        r.Map("POST", "/api/agents/{agentId:long}/runs/trigger-and-wait", (x, v) => TriggerAndWait(x, v.Long("agentId")));
        r.Map("POST", "/api/agents/{agentId:long}/runs/trigger-and-download", (x, v) => TriggerAndDownload(x, v.Long("agentId")));
        r.Map("POST", "/api/agents/{agentId:long}/runs/register", (x, v) => Register(x, v.Long("agentId")));
        r.Map("POST", "/api/agents/{agentId:long}/runs/ingest", (x, v) => Ingest(x, v.Long("agentId")));
        r.Map("GET", "/api/agents/{agentId:long}/runs/{runId:long}", (x, v) =>
            Reply.Json(200, _runs.RunOf(_auth.Ingest(x, v.Long("agentId")), v.Long("runId")).ToRow()));
    }

    private async Task<Reply?> Trigger(EmulatorExchange x, long agentId)
    {
        var agent = _auth.Ingest(x, agentId);
        Auth.RequireEligible(agent);
        var (input, _) = RunService.ReadTriggerBody(await RequestBody.ReadAsync(x).ConfigureAwait(false), "input", withTimeout: false);
        var run = _runs.CreatePlatformRun(agent, "trigger", input, null, _ctx.Clock.GetUtcNow());
        return Reply.Json(_ctx.Config.TriggerStatusCode, new JsonObject { ["runId"] = run.Id, ["status"] = RunStatus.Queued });
    }

    private async Task<Reply?> TriggerAndWait(EmulatorExchange x, long agentId)
    {
        var agent = _auth.Ingest(x, agentId);
        Auth.RequireEligible(agent);
        var (input, timeout) = RunService.ReadTriggerBody(await RequestBody.ReadAsync(x).ConfigureAwait(false), "input", withTimeout: true);
        return await _runs.CreateAndWait(x, agent, input, timeout, "trigger-and-wait", null).ConfigureAwait(false);
    }

    private async Task<Reply?> TriggerAndDownload(EmulatorExchange x, long agentId)
    {
        var agent = _auth.Ingest(x, agentId);
        Auth.RequireEligible(agent);
        Auth.RequireFileAgent(agent);
        var (input, timeout) = RunService.ReadTriggerBody(await RequestBody.ReadAsync(x).ConfigureAwait(false), "input", withTimeout: true);
        return await _runs.CreateAndDownload(x, agent, input, timeout, "trigger-and-download", null).ConfigureAwait(false);
    }

    private async Task<Reply?> Register(EmulatorExchange x, long agentId)
    {
        var agent = _auth.Ingest(x, agentId);
        Auth.RequireEligible(agent);
        var body = await RequestBody.ReadAsync(x).ConfigureAwait(false);
        var errors = new JsonObject();
        var ext = RequestBody.ExternalRunId(body, errors);
        var input = RequestBody.OptObject(body, "input", errors);
        var metadata = RequestBody.OptObject(body, "metadata", errors);
        var userId = RequestBody.OptString(body, "userId", errors);
        if (userId is not null && !Guid.TryParse(userId, out _)) errors["userId"] = "must be a uuid";
        RequestBody.ThrowIfAny(errors);

        string? createdBy = null;
        if (userId is not null && Guid.TryParse(userId, out var g) && agent.Members is { } members
            && members.Any(m => Guid.TryParse(m, out var mg) && mg == g))
            createdBy = g.ToString("D");

        var now = _ctx.Clock.GetUtcNow();
        var run = _ctx.State.GetOrCreateByExternalId(agent.Id, ext!, () =>
            _ctx.State.Create(agent.Id, "register", now, input ?? new JsonObject(), metadata ?? new JsonObject(), ext, createdBy, r =>
                r.Mutate(m => { m.SetStatus(RunStatus.Running); return 0; })), out _);
        var token = Tokens.MintCredentialsToken(_ctx.Config, run.Id, agent.Id, now);
        run.CredentialsToken = token;
        return Reply.Json(200, new JsonObject
        {
            ["runId"] = run.Id,
            ["credentialsToken"] = token,
            ["expiresInSeconds"] = _ctx.Config.CredentialsTokenLifetimeSeconds,
        });
    }

    private async Task<Reply?> Ingest(EmulatorExchange x, long agentId)
    {
        var agent = _auth.Ingest(x, agentId);
        if (!agent.IsStandalone)
            throw ApiException.NotEligible($"Agent {agent.Id} is not standalone (managed_by = '{agent.ManagedBy}'); ingest is for standalone agents.");
        var body = await RequestBody.ReadAsync(x).ConfigureAwait(false);
        var errors = new JsonObject();
        var ext = RequestBody.ExternalRunId(body, errors);
        var status = RequestBody.OptString(body, "status", errors);
        if (status is null && errors["status"] is null) errors["status"] = "is required (running, completed, failed or cancelled)";
        else if (status is not null && !IngestStatuses.Contains(status)) errors["status"] = "must be running, completed, failed or cancelled";
        var hasOutput = body.ContainsKey("output");
        var output = body["output"]?.DeepClone();
        var outputs = RequestBody.OptInteger(body, "outputs", errors, 0, "must be a non-negative integer");
        var error = RequestBody.OptString(body, "error", errors);
        var input = RequestBody.OptObject(body, "input", errors);
        var metadata = RequestBody.OptObject(body, "metadata", errors);
        RequestBody.ThrowIfAny(errors);

        var now = _ctx.Clock.GetUtcNow();
        var run = _ctx.State.GetOrCreateByExternalId(agent.Id, ext!, () =>
            _ctx.State.Create(agent.Id, "ingest", now, input ?? new JsonObject(), null, ext, null), out _);
        var conflict = run.Mutate(m =>
        {
            if (m.IsTerminal && m.Status != status) return true;
            if (input is not null) m.SetInput(input);
            if (metadata is not null)
                foreach (var kv in metadata) m.Metadata[kv.Key] = kv.Value?.DeepClone();
            if (hasOutput) m.SetOutput(output);
            if (outputs is not null) m.SetOutputs(outputs);
            if (error is not null) m.SetError(error);
            m.SetStatus(status!);
            return false;
        });
        if (conflict)
            throw ApiException.Conflict($"Run {run.Id} ({ext}) is already {run.Status}; its status cannot change to {status}.");
        return Reply.Json(200, new JsonObject { ["runId"] = run.Id, ["status"] = status });
    }
}
