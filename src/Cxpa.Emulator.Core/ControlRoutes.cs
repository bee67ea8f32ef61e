using System.Text.Json.Nodes;

namespace Cxpa.Emulator;

/// <summary>The control surface under /_emulator/ (no auth; the server listens on loopback only).</summary>
internal sealed class ControlRoutes
{
    private readonly EmulatorContext _ctx;

    public ControlRoutes(EmulatorContext ctx) { _ctx = ctx; }

    public void Map(Router r)
    {
        r.Map("GET", "/_emulator/health", (_, _) => Reply.Json(200, new JsonObject { ["ok"] = true }));
        r.Map("GET", "/_emulator/demo", (_, _) => Reply.Json(200, DemoInfo(_ctx.Config, _ctx.BaseUrl, _ctx.Clock)));
        r.Map("GET", "/_emulator/config", (_, _) => Reply.Json(200, JsonNode.Parse(_ctx.Config.ToJson())!));

        r.Map("GET", "/_emulator/requests", (_, _) =>
        {
            var entries = _ctx.Log.Entries;
            return Reply.Json(200, new JsonObject
            {
                ["count"] = entries.Count,
                ["requests"] = new JsonArray(entries.Select(e => (JsonNode?)e.ToJson()).ToArray()),
            });
        });
        r.Map("DELETE", "/_emulator/requests", (_, _) => { _ctx.Log.Clear(); return Reply.Empty(204); });

        r.Map("GET", "/_emulator/faults", (_, _) => Reply.Json(200, new JsonObject
        {
            ["faults"] = new JsonArray(_ctx.Faults.Rules.Select(f => (JsonNode?)f.ToJson()).ToArray()),
        }));
        r.Map("POST", "/_emulator/faults", (x, _) => AddFaults(x));
        r.Map("DELETE", "/_emulator/faults", (_, _) => { _ctx.Faults.Clear(); return Reply.Empty(204); });

        r.Map("GET", "/_emulator/runs", (x, _) =>
        {
            IEnumerable<EmulatorRun> runs = _ctx.State.AllRuns;
            if (long.TryParse(x.QueryValue("agentId"), out var agentId)) runs = _ctx.State.RunsForAgent(agentId);
            return Reply.Json(200, new JsonObject { ["runs"] = new JsonArray(runs.Select(run => (JsonNode?)ControlRow(run)).ToArray()) });
        });
        r.Map("GET", "/_emulator/runs/{runId:long}", (_, v) =>
            _ctx.State.TryGetRun(v.Long("runId"), out var run) ? Reply.Json(200, ControlRow(run)) : Reply.Error(ApiException.NotFound($"Run {v.Long("runId")} not found.")));
        r.Map("GET", "/_emulator/runs/{runId:long}/trigger-payload", (_, v) =>
            _ctx.State.TryGetRun(v.Long("runId"), out var run) && run.TriggerPayload is { } p
                ? Reply.Json(200, p.DeepClone())
                : Reply.Error(ApiException.NotFound($"No trigger payload for run {v.Long("runId")} (unknown run, or not platform-triggered).")));
        r.Map("POST", "/_emulator/runs/{runId:long}/status", (x, v) => ForceStatus(x, v.Long("runId")));
        r.Map("POST", "/_emulator/zone-token", (x, _) => ZoneToken(x));
    }

    private async Task<Reply?> AddFaults(EmulatorExchange x)
    {
        var node = await RequestBody.ReadNodeAsync(x).ConfigureAwait(false);
        var items = node switch
        {
            JsonArray a => a.ToList(),
            JsonObject o when o["faults"] is JsonArray fa => fa.ToList(),
            JsonObject o => new List<JsonNode?> { o },
            _ => throw ApiException.Validation("body", "must be a fault object, an array of them, or {\"spec\": \"...\"}"),
        };
        var rules = new List<FaultRule>();
        for (int i = 0; i < items.Count; i++)
        {
            if (items[i] is not JsonObject o) throw ApiException.Validation($"[{i}]", "must be an object");
            try { rules.Add(FaultInjector.FromJson(o)); }
            catch (FormatException e) { throw ApiException.Validation(items.Count == 1 ? "fault" : $"[{i}]", e.Message); }
        }
        foreach (var rule in rules) _ctx.Faults.Add(rule);
        return Reply.Json(201, new JsonObject { ["added"] = new JsonArray(rules.Select(f => (JsonNode?)f.ToJson()).ToArray()) });
    }

    private async Task<Reply?> ForceStatus(EmulatorExchange x, long runId)
    {
        var body = await RequestBody.ReadAsync(x).ConfigureAwait(false);
        var errors = new JsonObject();
        var status = RequestBody.OptString(body, "status", errors);
        var error = RequestBody.OptString(body, "error", errors);
        if (!RunStatus.IsKnown(status) && errors["status"] is null) errors["status"] = "must be queued, running, waiting, completed, failed or cancelled";
        RequestBody.ThrowIfAny(errors);
        if (!_ctx.State.ForceStatus(runId, status!, error)) throw ApiException.NotFound($"Run {runId} not found.");
        _ctx.State.TryGetRun(runId, out var run);
        return Reply.Json(200, run!.ToRow());
    }

    private async Task<Reply?> ZoneToken(EmulatorExchange x)
    {
        var body = await RequestBody.ReadAsync(x).ConfigureAwait(false);
        var errors = new JsonObject();
        var agentId = RequestBody.OptInteger(body, "agentId", errors, 0, "must be an agent id") ?? 42;
        var userId = body.ContainsKey("userId") ? RequestBody.OptString(body, "userId", errors) : EmulatorConfig.DemoUserId;
        var lifetime = RequestBody.OptInteger(body, "lifetimeSeconds", errors, 1, "must be a positive integer") ?? 300;
        RequestBody.ThrowIfAny(errors);
        var agent = _ctx.Config.FindAgent(agentId) ?? throw ApiException.NotFound($"Agent {agentId} not found.");
        try
        {
            var token = Tokens.MintZoneToken(agent, _ctx.Clock.GetUtcNow(), userId, TimeSpan.FromSeconds(lifetime));
            return Reply.Json(200, new JsonObject { ["agentId"] = agentId, ["token"] = token, ["expiresInSeconds"] = lifetime });
        }
        catch (InvalidOperationException e) { throw new ApiException(409, "conflict", e.Message); }
    }

    private static JsonObject ControlRow(EmulatorRun run)
    {
        var row = run.ToRow();
        row["_emulator"] = new JsonObject
        {
            ["source"] = run.Source,
            ["simulated"] = run.IsSimulated,
            ["hasTriggerPayload"] = run.TriggerPayload is not null,
        };
        return row;
    }

    /// <summary>Base url, the keys of every agent, and a fresh zone token for agent 42 (or the first agent with a zone).</summary>
    internal static JsonObject DemoInfo(EmulatorConfig config, Uri? baseUrl, TimeProvider clock)
    {
        var agents = new JsonArray();
        foreach (var a in config.Agents)
        {
            agents.Add(new JsonObject
            {
                ["id"] = a.Id, ["name"] = a.Name, ["orgSlug"] = a.OrgSlug, ["agentSlug"] = a.AgentSlug,
                ["managedBy"] = a.ManagedBy, ["status"] = a.Status, ["allowExternalTriggers"] = a.AllowExternalTriggers,
                ["outputKind"] = a.OutputKind, ["simulateRuntime"] = a.SimulateRuntime,
                ["ingestApiKey"] = a.IngestApiKey, ["agentApiKey"] = a.AgentApiKey,
                ["zoneAudience"] = a.ZoneAudience, ["zoneSecret"] = a.ZoneSecret,
                ["credentials"] = new JsonArray((a.Credentials?.Keys ?? Enumerable.Empty<string>()).Select(k => (JsonNode?)k).ToArray()),
                ["connections"] = new JsonArray((a.Connections?.Keys ?? Enumerable.Empty<string>()).Select(k => (JsonNode?)k).ToArray()),
            });
        }
        var zoneAgent = config.FindAgent(42) is { ZoneSecret: not null } a42 ? a42 : config.Agents.FirstOrDefault(a => a.ZoneSecret is not null);
        JsonObject? zone = null;
        if (zoneAgent is not null)
        {
            zone = new JsonObject
            {
                ["agentId"] = zoneAgent.Id, ["userId"] = EmulatorConfig.DemoUserId,
                ["token"] = Tokens.MintZoneToken(zoneAgent, clock.GetUtcNow(), EmulatorConfig.DemoUserId, TimeSpan.FromHours(1)),
                ["expiresInSeconds"] = 3600, ["audience"] = zoneAgent.ZoneAudience,
            };
        }
        return new JsonObject
        {
            ["baseUrl"] = baseUrl?.ToString(),
            ["demoIngestKey"] = config.DemoIngestKey,
            ["agents"] = agents,
            ["zoneToken"] = zone,
            ["members"] = new JsonArray(EmulatorConfig.DemoUserId, EmulatorConfig.DemoUserId2),
        };
    }
}
