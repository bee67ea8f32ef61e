using System.Text.Json.Nodes;

namespace Cxpa.Emulator;

/// <summary>The control surface under /_emulator/ (no auth; the server listens on loopback only).</summary>
internal sealed partial class EmulatorApi
{
    private void MapControl(WebApplication app)
    {
        app.MapGet("/_emulator/health", () => Json(200, new JsonObject { ["ok"] = true }));
        app.MapGet("/_emulator/demo", () => Json(200, DemoInfo(_config, BaseUrl, _clock)));
        app.MapGet("/_emulator/config", () => Json(200, JsonNode.Parse(_config.ToJson())!));

        app.MapGet("/_emulator/requests", () =>
        {
            var entries = _log.Entries;
            return Json(200, new JsonObject
            {
                ["count"] = entries.Count,
                ["requests"] = new JsonArray(entries.Select(e => (JsonNode?)e.ToJson()).ToArray()),
            });
        });
        app.MapDelete("/_emulator/requests", () => { _log.Clear(); return Results.NoContent(); });

        app.MapGet("/_emulator/faults", () => Json(200, new JsonObject
        {
            ["faults"] = new JsonArray(_faults.Rules.Select(r => (JsonNode?)r.ToJson()).ToArray()),
        }));
        app.MapPost("/_emulator/faults", async (HttpContext ctx) =>
        {
            JsonNode? node;
            try { node = await JsonNode.ParseAsync(ctx.Request.Body, cancellationToken: ctx.RequestAborted); }
            catch (System.Text.Json.JsonException) { throw ApiException.Validation("body", "must be a fault object, an array of them, or {\"spec\": \"...\"}"); }
            var items = node switch
            {
                JsonArray a => a.ToList(),
                JsonObject o when o["faults"] is JsonArray fa => fa.ToList(),
                JsonObject o => new List<JsonNode?> { o },
                _ => throw ApiException.Validation("body", "must be a fault object or an array of them"),
            };
            var rules = new List<FaultRule>();
            for (int i = 0; i < items.Count; i++)
            {
                if (items[i] is not JsonObject o) throw ApiException.Validation($"[{i}]", "must be an object");
                try { rules.Add(FaultInjector.FromJson(o)); }
                catch (FormatException e) { throw ApiException.Validation(items.Count == 1 ? "fault" : $"[{i}]", e.Message); }
            }
            foreach (var r in rules) _faults.Add(r);
            return Json(201, new JsonObject { ["added"] = new JsonArray(rules.Select(r => (JsonNode?)r.ToJson()).ToArray()) });
        });
        app.MapDelete("/_emulator/faults", () => { _faults.Clear(); return Results.NoContent(); });

        app.MapGet("/_emulator/runs", (HttpContext ctx) =>
        {
            IEnumerable<EmulatorRun> runs = _state.AllRuns;
            if (long.TryParse(ctx.Request.Query["agentId"].ToString(), out var agentId)) runs = _state.RunsForAgent(agentId);
            return Json(200, new JsonObject { ["runs"] = new JsonArray(runs.Select(r => (JsonNode?)ControlRow(r)).ToArray()) });
        });
        app.MapGet("/_emulator/runs/{runId:long}", (long runId) =>
            _state.TryGetRun(runId, out var run) ? Json(200, ControlRow(run)) : Error(ApiException.NotFound($"Run {runId} not found.")));
        app.MapGet("/_emulator/runs/{runId:long}/trigger-payload", (long runId) =>
            _state.TryGetRun(runId, out var run) && run.TriggerPayload is { } p
                ? Json(200, p.DeepClone())
                : Error(ApiException.NotFound($"No trigger payload for run {runId} (unknown run, or not platform-triggered).")));
        app.MapPost("/_emulator/runs/{runId:long}/status", async (HttpContext ctx, long runId) =>
        {
            var body = await ReadBody(ctx);
            var errors = new JsonObject();
            var status = OptString(body, "status", errors);
            var error = OptString(body, "error", errors);
            if (!RunStatus.IsKnown(status) && errors["status"] is null) errors["status"] = "must be queued, running, waiting, completed, failed or cancelled";
            ThrowIfAny(errors);
            if (!_state.ForceStatus(runId, status!, error)) throw ApiException.NotFound($"Run {runId} not found.");
            _state.TryGetRun(runId, out var run);
            return Json(200, run!.ToRow());
        });
        app.MapPost("/_emulator/zone-token", async (HttpContext ctx) =>
        {
            var body = await ReadBody(ctx);
            var errors = new JsonObject();
            var agentId = OptInteger(body, "agentId", errors, 0, "must be an agent id") ?? 42;
            var userId = body.ContainsKey("userId") ? OptString(body, "userId", errors) : EmulatorConfig.DemoUserId;
            var lifetime = OptInteger(body, "lifetimeSeconds", errors, 1, "must be a positive integer") ?? 300;
            ThrowIfAny(errors);
            var agent = _config.FindAgent(agentId) ?? throw ApiException.NotFound($"Agent {agentId} not found.");
            try
            {
                var token = Tokens.MintZoneToken(agent, _clock.GetUtcNow(), userId, TimeSpan.FromSeconds(lifetime));
                return Json(200, new JsonObject { ["agentId"] = agentId, ["token"] = token, ["expiresInSeconds"] = lifetime });
            }
            catch (InvalidOperationException e) { throw new ApiException(409, "conflict", e.Message); }
            catch (NotImplementedException) { throw new ApiException(501, "internal", "ZoneTokens is not implemented yet."); }
        });
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
            string? token = null; string? note = null;
            try { token = Tokens.MintZoneToken(zoneAgent, clock.GetUtcNow(), EmulatorConfig.DemoUserId, TimeSpan.FromHours(1)); }
            catch (NotImplementedException) { note = "ZoneTokens is not implemented yet in Cxpa.Engine."; }
            zone = new JsonObject
            {
                ["agentId"] = zoneAgent.Id, ["userId"] = EmulatorConfig.DemoUserId, ["token"] = token,
                ["expiresInSeconds"] = 3600, ["audience"] = zoneAgent.ZoneAudience,
            };
            if (note is not null) zone["note"] = note;
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
