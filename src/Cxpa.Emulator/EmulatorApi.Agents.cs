using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;

namespace Cxpa.Emulator;

/// <summary>Runs and the agent endpoints (ingest API key): trigger, trigger-and-wait, trigger-and-download, register, ingest, read.</summary>
internal sealed partial class EmulatorApi
{
    // ---------------------------------------------------------------- runs

    private long WindowMs(EmulatorAgentConfig agent, long? timeoutMs)
    {
        var w = Math.Min(timeoutMs ?? _config.DefaultTimeoutMs, _config.PlatformCeilingMs);
        if (agent.RunningTimeoutMs is { } rt) w = Math.Min(w, rt);
        return w;
    }

    private EmulatorRun CreatePlatformRun(EmulatorAgentConfig agent, string source, JsonObject input, string? createdBy, DateTimeOffset now)
    {
        return _state.Create(agent.Id, source, now, input, new JsonObject(), null, createdBy, run =>
        {
            if (agent.SimulateRuntime)
            {
                JsonNode? output; long? outputs;
                if (agent.IsFileDownload)
                {
                    var f = agent.File!;
                    output = new JsonObject { ["filename"] = f.Name, ["contentType"] = f.ContentType, ["bytes"] = f.SizeBytes };
                    outputs = 1;
                }
                else
                {
                    output = CloneConfigNode(agent.Output) ?? new JsonObject
                    {
                        ["summary"] = $"{(agent.Name.Length > 0 ? agent.Name : "Agent " + agent.Id)}: run {run.Id} completed.",
                        ["echo"] = input.DeepClone(),
                    };
                    outputs = agent.Outputs;
                }
                run.Simulate(agent.QueuedMs, agent.DurationMs, agent.Outcome, output, outputs, agent.ErrorMessage ?? "Run failed");
            }
            var token = Tokens.MintCredentialsToken(_config, run.Id, agent.Id, now);
            run.CredentialsToken = token;
            run.TriggerPayload = new JsonObject
            {
                ["runId"] = run.Id,
                ["agentApiKey"] = agent.AgentApiKey,
                ["credentialsToken"] = token,
                ["input"] = input.DeepClone(),
            };
        });
    }

    /// <summary>Waits until the run is terminal (its snapshot) or the deadline passes (null). Awaits on the emulator clock.</summary>
    private async Task<EmulatorRunSnapshot?> WaitForTerminal(EmulatorRun run, DateTimeOffset deadline, CancellationToken requestAborted)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(requestAborted, _stopping);
        var ct = linked.Token;
        while (true)
        {
            var changed = run.NextChange;
            var now = _clock.GetUtcNow();
            var snap = run.SnapshotAt(now);
            if (snap.IsTerminal) return snap;
            if (now >= deadline) return null;
            var until = deadline;
            if (run.PlannedEnd is { } end && end < until) until = end;
            var delay = until - now;
            if (delay < TimeSpan.FromMilliseconds(1)) delay = TimeSpan.FromMilliseconds(1);
            using var delayCts = CancellationTokenSource.CreateLinkedTokenSource(ct);
            var delayTask = Task.Delay(delay, _clock, delayCts.Token);
            await Task.WhenAny(changed, delayTask).ConfigureAwait(false);
            delayCts.Cancel();
            ct.ThrowIfCancellationRequested();
        }
    }

    private (JsonObject Input, long? TimeoutMs) ReadTriggerBody(JsonObject body, string inputField, bool withTimeout)
    {
        var errors = new JsonObject();
        var input = OptObject(body, inputField, errors) ?? new JsonObject();
        long? timeout = withTimeout ? OptInteger(body, "timeoutMs", errors, 1, "must be a positive integer (milliseconds)") : null;
        ThrowIfAny(errors);
        return (input, timeout);
    }

    // ---------------------------------------------------------------- agent endpoints

    private async Task<IResult> Trigger(HttpContext ctx, long agentId)
    {
        var agent = IngestAuth(ctx, agentId);
        RequireEligible(agent);
        var (input, _) = ReadTriggerBody(await ReadBody(ctx), "input", withTimeout: false);
        var run = CreatePlatformRun(agent, "trigger", input, null, _clock.GetUtcNow());
        return Json(_config.TriggerStatusCode, new JsonObject { ["runId"] = run.Id, ["status"] = RunStatus.Queued });
    }

    private async Task<IResult> TriggerAndWait(HttpContext ctx, long agentId)
    {
        var agent = IngestAuth(ctx, agentId);
        RequireEligible(agent);
        var (input, timeout) = ReadTriggerBody(await ReadBody(ctx), "input", withTimeout: true);
        return await CreateAndWait(ctx, agent, input, timeout, "trigger-and-wait", null);
    }

    private async Task<IResult> TriggerAndDownload(HttpContext ctx, long agentId)
    {
        var agent = IngestAuth(ctx, agentId);
        RequireEligible(agent);
        RequireFileAgent(agent);
        var (input, timeout) = ReadTriggerBody(await ReadBody(ctx), "input", withTimeout: true);
        return await CreateAndDownload(ctx, agent, input, timeout, "trigger-and-download", null);
    }

    private async Task<IResult> CreateAndWait(HttpContext ctx, EmulatorAgentConfig agent, JsonObject input, long? timeout, string source, string? createdBy)
    {
        var now = _clock.GetUtcNow();
        var run = CreatePlatformRun(agent, source, input, createdBy, now);
        var snap = await WaitForTerminal(run, now.AddMilliseconds(WindowMs(agent, timeout)), ctx.RequestAborted);
        return snap is null
            ? Json(202, new JsonObject { ["timedOut"] = true, ["runId"] = run.Id })
            : Json(200, snap.ToRow());
    }

    private async Task<IResult> CreateAndDownload(HttpContext ctx, EmulatorAgentConfig agent, JsonObject input, long? timeout, string source, string? createdBy)
    {
        var now = _clock.GetUtcNow();
        var run = CreatePlatformRun(agent, source, input, createdBy, now);
        var snap = await WaitForTerminal(run, now.AddMilliseconds(WindowMs(agent, timeout)), ctx.RequestAborted);
        if (snap is null) return Json(202, new JsonObject { ["timedOut"] = true, ["runId"] = run.Id });
        if (snap.Status != RunStatus.Completed)
        {
            throw new ApiException(502, "internal", $"Run {run.Id} {snap.Status}" + (snap.Error is null ? "." : $": {snap.Error}"),
                new JsonObject { ["runId"] = run.Id, ["status"] = snap.Status });
        }
        await StreamFile(ctx, agent.File!, run);
        return Results.Empty;
    }

    private async Task StreamFile(HttpContext ctx, EmulatorFileConfig file, EmulatorRun run)
    {
        var cut = _faults.TryTake(ctx.Request.Method, ctx.Request.Path.Value ?? "/", k => k == FaultKind.CutDownload);
        if (cut is not null && Entry(ctx) is { } entry) entry.Fault = cut.Describe();

        var resp = ctx.Response;
        resp.StatusCode = 200;
        resp.ContentType = file.ContentType;
        resp.Headers.ContentDisposition = ContentDisposition(file);
        resp.Headers["x-run-id"] = run.Id.ToString(CultureInfo.InvariantCulture);
        if (!file.Chunked) resp.ContentLength = file.SizeBytes;

        var limit = cut is null ? file.SizeBytes : Math.Min(cut.CutAfterBytes, file.SizeBytes);
        var ct = ctx.RequestAborted;
        var writer = resp.BodyWriter;
        long written = 0;
        if (limit == 0) await resp.StartAsync(ct);
        while (written < limit)
        {
            var n = (int)Math.Min(FilePattern.BlockSize, limit - written);
            var flush = await writer.WriteAsync(FilePattern.Block.AsMemory(0, n), ct);
            written += n;
            if (flush.IsCompleted || flush.IsCanceled)
            {
                // The transport is gone (the client reset the connection): writes would go nowhere.
                if (Entry(ctx) is { } gone) gone.Aborted = true;
                ctx.Abort();
                return;
            }
        }
        if (cut is not null)
        {
            await writer.FlushAsync(ct);
            // Let the transport hand the bytes over before the cut, so the client sees exactly them.
            await Task.Delay(50, CancellationToken.None);
            run.Mutate(m =>
            {
                m.SetStatus(RunStatus.Failed);
                m.SetError($"The runtime's stream was interrupted after {written} bytes.");
                return 0;
            });
            if (Entry(ctx) is { } e) e.Aborted = true;
            ctx.Abort();
        }
    }

    internal static string ContentDisposition(EmulatorFileConfig file)
    {
        var sb = new StringBuilder("attachment; filename=\"");
        foreach (var ch in file.Name)
        {
            if (ch == '"' || ch == '\\') sb.Append('\\').Append(ch);
            else if (ch < 0x20 || ch > 0x7e) sb.Append('_');
            else sb.Append(ch);
        }
        sb.Append('"');
        if (!string.IsNullOrEmpty(file.NameStar))
        {
            var star = file.NameStar;
            sb.Append("; filename*=");
            if (star.StartsWith("UTF-8''", StringComparison.OrdinalIgnoreCase)) sb.Append(star);
            else sb.Append("UTF-8''").Append(Uri.EscapeDataString(star));
        }
        return sb.ToString();
    }

    private async Task<IResult> Register(HttpContext ctx, long agentId)
    {
        var agent = IngestAuth(ctx, agentId);
        RequireEligible(agent);
        var body = await ReadBody(ctx);
        var errors = new JsonObject();
        var ext = ExternalRunId(body, errors);
        var input = OptObject(body, "input", errors);
        var metadata = OptObject(body, "metadata", errors);
        var userId = OptString(body, "userId", errors);
        if (userId is not null && !Guid.TryParse(userId, out _)) errors["userId"] = "must be a uuid";
        ThrowIfAny(errors);

        string? createdBy = null;
        if (userId is not null && Guid.TryParse(userId, out var g) && agent.Members is { } members
            && members.Any(m => Guid.TryParse(m, out var mg) && mg == g))
            createdBy = g.ToString("D");

        var now = _clock.GetUtcNow();
        var run = _state.GetOrCreateByExternalId(agent.Id, ext!, () =>
            _state.Create(agent.Id, "register", now, input ?? new JsonObject(), metadata ?? new JsonObject(), ext, createdBy, r =>
                r.Mutate(m => { m.SetStatus(RunStatus.Running); return 0; })), out _);
        var token = Tokens.MintCredentialsToken(_config, run.Id, agent.Id, now);
        run.CredentialsToken = token;
        return Json(200, new JsonObject
        {
            ["runId"] = run.Id,
            ["credentialsToken"] = token,
            ["expiresInSeconds"] = _config.CredentialsTokenLifetimeSeconds,
        });
    }

    private static readonly string[] IngestStatuses = { RunStatus.Running, RunStatus.Completed, RunStatus.Failed, RunStatus.Cancelled };

    private async Task<IResult> Ingest(HttpContext ctx, long agentId)
    {
        var agent = IngestAuth(ctx, agentId);
        if (!agent.IsStandalone)
            throw ApiException.NotEligible($"Agent {agent.Id} is not standalone (managed_by = '{agent.ManagedBy}'); ingest is for standalone agents.");
        var body = await ReadBody(ctx);
        var errors = new JsonObject();
        var ext = ExternalRunId(body, errors);
        var status = OptString(body, "status", errors);
        if (status is null && errors["status"] is null) errors["status"] = "is required (running, completed, failed or cancelled)";
        else if (status is not null && !IngestStatuses.Contains(status)) errors["status"] = "must be running, completed, failed or cancelled";
        var hasOutput = body.ContainsKey("output");
        var output = body["output"]?.DeepClone();
        var outputs = OptInteger(body, "outputs", errors, 0, "must be a non-negative integer");
        var error = OptString(body, "error", errors);
        var input = OptObject(body, "input", errors);
        var metadata = OptObject(body, "metadata", errors);
        ThrowIfAny(errors);

        var now = _clock.GetUtcNow();
        var run = _state.GetOrCreateByExternalId(agent.Id, ext!, () =>
            _state.Create(agent.Id, "ingest", now, input ?? new JsonObject(), null, ext, null), out var created);
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
        return Json(200, new JsonObject { ["runId"] = run.Id, ["status"] = status });
    }

    private Task<IResult> GetAgentRun(HttpContext ctx, long agentId, long runId)
    {
        var agent = IngestAuth(ctx, agentId);
        return Task.FromResult(Json(200, RunOf(agent, runId).ToRow()));
    }

    private EmulatorRun RunOf(EmulatorAgentConfig agent, long runId)
    {
        if (_state.TryGetRun(runId, out var run) && run.AgentId == agent.Id) return run;
        throw ApiException.NotFound($"Run {runId} not found for agent {agent.Id}.");
    }
}
