using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;

namespace Cxpa.Emulator;

/// <summary>Runs the platform starts (agent and zone routes): creating them, waiting for them on the clock, streaming their file.</summary>
internal sealed class RunService
{
    private readonly EmulatorContext _ctx;

    public RunService(EmulatorContext ctx) { _ctx = ctx; }

    private long WindowMs(EmulatorAgentConfig agent, long? timeoutMs)
    {
        var w = Math.Min(timeoutMs ?? _ctx.Config.DefaultTimeoutMs, _ctx.Config.PlatformCeilingMs);
        if (agent.RunningTimeoutMs is { } rt) w = Math.Min(w, rt);
        return w;
    }

    public EmulatorRun CreatePlatformRun(EmulatorAgentConfig agent, string source, JsonObject input, string? createdBy, DateTimeOffset now)
    {
        return _ctx.State.Create(agent.Id, source, now, input, new JsonObject(), null, createdBy, run =>
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
                    output = RequestBody.CloneConfigNode(agent.Output) ?? new JsonObject
                    {
                        ["summary"] = $"{(agent.Name.Length > 0 ? agent.Name : "Agent " + agent.Id)}: run {run.Id} completed.",
                        ["echo"] = input.DeepClone(),
                    };
                    outputs = agent.Outputs;
                }
                run.Simulate(agent.QueuedMs, agent.DurationMs, agent.Outcome, output, outputs, agent.ErrorMessage ?? "Run failed");
            }
            var token = Tokens.MintCredentialsToken(_ctx.Config, run.Id, agent.Id, now);
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
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(requestAborted, _ctx.Stopping);
        var ct = linked.Token;
        while (true)
        {
            var changed = run.NextChange;
            var now = _ctx.Clock.GetUtcNow();
            var snap = run.SnapshotAt(now);
            if (snap.IsTerminal) return snap;
            if (now >= deadline) return null;
            var until = deadline;
            if (run.PlannedEnd is { } end && end < until) until = end;
            var delay = until - now;
            if (delay < TimeSpan.FromMilliseconds(1)) delay = TimeSpan.FromMilliseconds(1);
            using var delayCts = CancellationTokenSource.CreateLinkedTokenSource(ct);
            var delayTask = Task.Delay(delay, _ctx.Clock, delayCts.Token);
            await Task.WhenAny(changed, delayTask).ConfigureAwait(false);
            delayCts.Cancel();
            ct.ThrowIfCancellationRequested();
        }
    }

    public static (JsonObject Input, long? TimeoutMs) ReadTriggerBody(JsonObject body, string inputField, bool withTimeout)
    {
        var errors = new JsonObject();
        var input = RequestBody.OptObject(body, inputField, errors) ?? new JsonObject();
        long? timeout = withTimeout ? RequestBody.OptInteger(body, "timeoutMs", errors, 1, "must be a positive integer (milliseconds)") : null;
        RequestBody.ThrowIfAny(errors);
        return (input, timeout);
    }

    public async Task<Reply?> CreateAndWait(EmulatorExchange x, EmulatorAgentConfig agent, JsonObject input, long? timeout, string source, string? createdBy)
    {
        var now = _ctx.Clock.GetUtcNow();
        var run = CreatePlatformRun(agent, source, input, createdBy, now);
        var snap = await WaitForTerminal(run, now.AddMilliseconds(WindowMs(agent, timeout)), x.Aborted).ConfigureAwait(false);
        return snap is null
            ? Reply.Json(202, new JsonObject { ["timedOut"] = true, ["runId"] = run.Id })
            : Reply.Json(200, snap.ToRow());
    }

    public async Task<Reply?> CreateAndDownload(EmulatorExchange x, EmulatorAgentConfig agent, JsonObject input, long? timeout, string source, string? createdBy)
    {
        var now = _ctx.Clock.GetUtcNow();
        var run = CreatePlatformRun(agent, source, input, createdBy, now);
        var snap = await WaitForTerminal(run, now.AddMilliseconds(WindowMs(agent, timeout)), x.Aborted).ConfigureAwait(false);
        if (snap is null) return Reply.Json(202, new JsonObject { ["timedOut"] = true, ["runId"] = run.Id });
        if (snap.Status != RunStatus.Completed)
        {
            throw new ApiException(502, "internal", $"Run {run.Id} {snap.Status}" + (snap.Error is null ? "." : $": {snap.Error}"),
                new JsonObject { ["runId"] = run.Id, ["status"] = snap.Status });
        }
        await StreamFile(x, agent.File!, run).ConfigureAwait(false);
        return null;
    }

    private async Task StreamFile(EmulatorExchange x, EmulatorFileConfig file, EmulatorRun run)
    {
        var cut = _ctx.Faults.TryTake(x.Method, x.Path, k => k == FaultKind.CutDownload);
        if (cut is not null && x.Entry is { } entry) entry.Fault = cut.Describe();

        x.StatusCode = 200;
        x.SetContentType(file.ContentType);
        x.SetHeader("Content-Disposition", ContentDisposition(file));
        x.SetHeader("x-run-id", run.Id.ToString(CultureInfo.InvariantCulture));
        if (!file.Chunked) x.SetContentLength(file.SizeBytes);

        var limit = cut is null ? file.SizeBytes : Math.Min(cut.CutAfterBytes, file.SizeBytes);
        var ct = x.Aborted;
        long written = 0;
        try
        {
            if (limit == 0) await x.StartAsync(ct).ConfigureAwait(false);
            var body = x.ResponseBody;
            while (written < limit)
            {
                var n = (int)Math.Min(FilePattern.BlockSize, limit - written);
                await body.WriteAsync(FilePattern.Block.AsMemory(0, n), ct).ConfigureAwait(false);
                written += n;
            }
            if (cut is not null) await body.FlushAsync(ct).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or HttpListenerException or ObjectDisposedException)
        {
            // The client went away mid-download: writes would go nowhere.
            if (x.Entry is { } gone) gone.Aborted = true;
            x.Abort();
            return;
        }
        if (cut is not null)
        {
            // Let the transport hand the bytes over before the cut, so the client sees exactly them.
            await Task.Delay(50, CancellationToken.None).ConfigureAwait(false);
            run.Mutate(m =>
            {
                m.SetStatus(RunStatus.Failed);
                m.SetError($"The runtime's stream was interrupted after {written} bytes.");
                return 0;
            });
            if (x.Entry is { } e) e.Aborted = true;
            x.Abort();
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

    /// <summary>The run, if it belongs to this agent; else 404.</summary>
    public EmulatorRun RunOf(EmulatorAgentConfig agent, long runId)
    {
        if (_ctx.State.TryGetRun(runId, out var run) && run.AgentId == agent.Id) return run;
        throw ApiException.NotFound($"Run {runId} not found for agent {agent.Id}.");
    }
}
