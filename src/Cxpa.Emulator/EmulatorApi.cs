using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Cxpa.Engine.Zone;

namespace Cxpa.Emulator;

/// <summary>An error answered as {"error", "code", "details"}.</summary>
internal sealed class ApiException : Exception
{
    public ApiException(int status, string code, string message, JsonObject? details = null) : base(message)
    { Status = status; Code = code; Details = details; }
    public int Status { get; }
    public string Code { get; }
    public JsonObject? Details { get; }

    public static ApiException Unauthorized(string m) => new(401, "unauthorized", m);
    public static ApiException NotEligible(string m) => new(403, "agent_not_eligible", m);
    public static ApiException Forbidden(string m) => new(403, "forbidden", m);
    public static ApiException NotFound(string m) => new(404, "not_found", m);
    public static ApiException Conflict(string m) => new(409, "conflict", m);
    public static ApiException Validation(JsonObject details) =>
        new(422, "validation_failed", "Validation failed: " + string.Join(", ", details.Select(kv => kv.Key)), details);
    public static ApiException Validation(string field, string message) => Validation(new JsonObject { [field] = message });
}

/// <summary>The routes and their handlers.</summary>
internal sealed partial class EmulatorApi
{
    private const string EntryKey = "cxpa.emulator.entry";
    private const string JsonContentType = "application/json; charset=utf-8";

    private readonly EmulatorConfig _config;
    private readonly EmulatorState _state;
    private readonly RequestLog _log;
    private readonly FaultInjector _faults;
    private readonly TimeProvider _clock;
    private CancellationToken _stopping;

    public EmulatorApi(EmulatorConfig config, EmulatorState state, RequestLog log, FaultInjector faults, TimeProvider clock)
    {
        _config = config; _state = state; _log = log; _faults = faults; _clock = clock;
    }

    public Uri? BaseUrl { get; set; }

    public void Map(WebApplication app)
    {
        _stopping = app.Lifetime.ApplicationStopping;
        app.Use(Pipeline);

        // Agent endpoints (ingest API key).
        app.MapPost("/api/agents/{agentId:long}/runs/trigger", (HttpContext c, long agentId) => Trigger(c, agentId));
        app.MapPost("/api/agents/{agentId:long}/runs/trigger-and-wait", (HttpContext c, long agentId) => TriggerAndWait(c, agentId));
        app.MapPost("/api/agents/{agentId:long}/runs/trigger-and-download", (HttpContext c, long agentId) => TriggerAndDownload(c, agentId));
        app.MapPost("/api/agents/{agentId:long}/runs/register", (HttpContext c, long agentId) => Register(c, agentId));
        app.MapPost("/api/agents/{agentId:long}/runs/ingest", (HttpContext c, long agentId) => Ingest(c, agentId));
        app.MapGet("/api/agents/{agentId:long}/runs/{runId:long}", (HttpContext c, long agentId, long runId) => GetAgentRun(c, agentId, runId));

        // Zone endpoints (zone token).
        app.MapPost("/api/zones/agents/{agentId:long}/runs", (HttpContext c, long agentId) => ZoneCreate(c, agentId));
        app.MapPost("/api/zones/agents/{agentId:long}/runs/trigger-and-wait", (HttpContext c, long agentId) => ZoneCreateAndWait(c, agentId));
        app.MapPost("/api/zones/agents/{agentId:long}/runs/trigger-and-download", (HttpContext c, long agentId) => ZoneCreateAndDownload(c, agentId));
        app.MapGet("/api/zones/agents/{agentId:long}/runs/{runId:long}", (HttpContext c, long agentId, long runId) => ZoneGetRun(c, agentId, runId));
        app.MapGet("/api/zones/agents/{agentId:long}/credentials/{key}", (HttpContext c, long agentId, string key) => ZoneCredential(c, agentId, key));

        // Runtime endpoints (agent API key).
        app.MapPost("/api/runs/{runId:long}/callback", (HttpContext c, long runId) => Callback(c, runId));
        app.MapGet("/api/credentials/{connectionId}/resolve", (HttpContext c, string connectionId) => Resolve(c, connectionId));

        MapControl(app);

        app.MapFallback((HttpContext c) => Error(new ApiException(404, "not_found", $"No route for {c.Request.Method} {c.Request.Path}.")));
    }

    // ---------------------------------------------------------------- pipeline: log, faults, errors

    private async Task Pipeline(HttpContext ctx, Func<Task> next)
    {
        var path = ctx.Request.Path.Value ?? "/";
        if (path.StartsWith("/_emulator", StringComparison.OrdinalIgnoreCase))
        {
            if (ctx.Connection.RemoteIpAddress is { } ip && !IPAddress.IsLoopback(ip))
            {
                await Write(ctx, Error(ApiException.Forbidden("The control surface is loopback only.")));
                return;
            }
            await Dispatch(ctx, next);
            return;
        }

        var req = ctx.Request;
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var h in req.Headers)
            headers[h.Key] = h.Key.Equals("Authorization", StringComparison.OrdinalIgnoreCase) || h.Key.Equals("x-credentials-token", StringComparison.OrdinalIgnoreCase)
                ? "<redacted>" : h.Value.ToString();
        var entry = _log.Add(req.Method, path, req.QueryString.HasValue ? req.QueryString.Value : null, _clock.GetUtcNow(),
            req.Headers.ContainsKey("Authorization"), req.Headers.CacheControl.Count > 0 ? req.Headers.CacheControl.ToString() : null, headers);
        ctx.Items[EntryKey] = entry;
        ctx.Response.OnStarting(() => { if (!entry.Aborted) entry.Status = ctx.Response.StatusCode; return Task.CompletedTask; });
        try
        {
            var fault = _faults.TryTake(req.Method, path, k => k != FaultKind.CutDownload);
            if (fault is null) { await Dispatch(ctx, next); return; }
            entry.Fault = fault.Describe();
            switch (fault.Kind)
            {
                case FaultKind.Status:
                {
                    var status = fault.StatusCode ?? 503;
                    ctx.Response.StatusCode = status;
                    if (fault.RetryAfter is not null) ctx.Response.Headers.RetryAfter = fault.RetryAfter;
                    if (AllowsBody(status))
                    {
                        ctx.Response.ContentType = JsonContentType;
                        await ctx.Response.WriteAsync(fault.Body ?? new JsonObject
                        {
                            ["error"] = $"Injected fault: HTTP {status}.",
                            ["code"] = fault.ErrorCode ?? CodeForStatus(status),
                        }.ToJsonString(), ctx.RequestAborted);
                    }
                    break;
                }
                case FaultKind.Html:
                {
                    var status = fault.StatusCode ?? 502;
                    ctx.Response.StatusCode = status;
                    if (AllowsBody(status))
                    {
                        ctx.Response.ContentType = "text/html; charset=utf-8";
                        var reason = ReasonPhrase(status);
                        await ctx.Response.WriteAsync(fault.Body ??
                            $"<html>\r\n<head><title>{status} {reason}</title></head>\r\n<body>\r\n<center><h1>{status} {reason}</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n",
                            ctx.RequestAborted);
                    }
                    break;
                }
                case FaultKind.MalformedJson:
                {
                    var status = fault.StatusCode ?? 200;
                    ctx.Response.StatusCode = status;
                    if (AllowsBody(status))
                    {
                        ctx.Response.ContentType = JsonContentType;
                        await ctx.Response.WriteAsync(fault.Body ?? "{\"runId\": 10", ctx.RequestAborted);
                    }
                    break;
                }
                case FaultKind.Delay:
                    try { await Task.Delay(fault.DelayMs, ctx.RequestAborted); }
                    catch (OperationCanceledException) { return; }
                    await Dispatch(ctx, next);
                    break;
                case FaultKind.Reset:
                    entry.Aborted = true;
                    ctx.Abort();
                    break;
                case FaultKind.ResetAfterHandling:
                {
                    // Let the handler run, but send nothing: its output goes nowhere, then the connection is cut.
                    ctx.Response.Body = Stream.Null;
                    try { await Dispatch(ctx, next); }
                    finally
                    {
                        entry.Status = ctx.Response.StatusCode;
                        entry.Aborted = true;
                        ctx.Abort();
                    }
                    break;
                }
            }
        }
        finally
        {
            if (entry.Status == 0 && !entry.Aborted && ctx.Response.HasStarted) entry.Status = ctx.Response.StatusCode;
            if (ctx.RequestAborted.IsCancellationRequested) entry.Aborted = true;
        }
    }

    private async Task Dispatch(HttpContext ctx, Func<Task> next)
    {
        try { await next(); }
        catch (ApiException e) when (!ctx.Response.HasStarted)
        {
            ctx.Response.Headers.Clear();
            await Write(ctx, Error(e));
        }
        catch (OperationCanceledException) when (ctx.RequestAborted.IsCancellationRequested || _stopping.IsCancellationRequested)
        {
            // The client went away (or the server stops): nothing to answer.
            if (Entry(ctx) is { } e) e.Aborted = true;
            if (!ctx.RequestAborted.IsCancellationRequested) ctx.Abort();
        }
        catch (IOException) when (ctx.Response.HasStarted)
        {
            // The connection broke while the response was being written (the client went away mid-download).
            if (Entry(ctx) is { } e) e.Aborted = true;
            ctx.Abort();
        }
    }

    private static Task Write(HttpContext ctx, IResult result) => result.ExecuteAsync(ctx);

    private static bool AllowsBody(int status) => status >= 200 && status != 204 && status != 304;

    internal static string CodeForStatus(int status) => status switch
    {
        400 => "bad_request",
        401 => "unauthorized",
        403 => "forbidden",
        404 => "not_found",
        409 => "conflict",
        422 => "validation_failed",
        429 => "rate_limited",
        502 or 503 or 504 => "unavailable",
        >= 500 => "internal",
        _ => "error",
    };

    private static string ReasonPhrase(int status) =>
        Microsoft.AspNetCore.WebUtilities.ReasonPhrases.GetReasonPhrase(status) is { Length: > 0 } r ? r : "Error";

    // ---------------------------------------------------------------- results

    private static readonly JsonSerializerOptions WireJson = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    internal static IResult Json(int status, JsonNode body) =>
        Results.Text(body.ToJsonString(WireJson), JsonContentType, Encoding.UTF8, status);

    internal static IResult Error(ApiException e)
    {
        var body = new JsonObject { ["error"] = e.Message, ["code"] = e.Code };
        if (e.Details is not null) body["details"] = e.Details.DeepClone();
        return Json(e.Status, body);
    }

    private RequestLogEntry? Entry(HttpContext ctx) => ctx.Items.TryGetValue(EntryKey, out var e) ? e as RequestLogEntry : null;

    // ---------------------------------------------------------------- auth

    private static string? Bearer(HttpContext ctx)
    {
        var h = ctx.Request.Headers.Authorization.ToString();
        if (h.Length > 7 && h.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            var v = h[7..].Trim();
            return v.Length == 0 ? null : v;
        }
        return null;
    }

    private static bool SecretEquals(string presented, string? expected) =>
        expected is not null &&
        CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(presented), Encoding.UTF8.GetBytes(expected));

    private EmulatorAgentConfig IngestAuth(HttpContext ctx, long agentId)
    {
        var key = Bearer(ctx) ?? throw ApiException.Unauthorized("Missing ingest API key (Authorization: Bearer <key>).");
        var agent = _config.FindAgent(agentId) ?? throw ApiException.NotFound($"Agent {agentId} not found.");
        if (!SecretEquals(key, agent.IngestApiKey) && !SecretEquals(key, _config.DemoIngestKey))
            throw ApiException.Unauthorized($"The ingest API key is not valid for agent {agentId}.");
        return agent;
    }

    private (EmulatorAgentConfig Agent, ZoneTokenClaims Claims) ZoneAuth(HttpContext ctx, long agentId)
    {
        var token = Bearer(ctx) ?? throw ApiException.Unauthorized("Missing zone token (Authorization: Bearer <token>).");
        var agent = _config.FindAgent(agentId) ?? throw ApiException.NotFound($"Agent {agentId} not found.");
        if (agent.ZoneSecret is null || agent.ZoneAudience is null)
            throw ApiException.Unauthorized($"Agent {agentId} has no zone configured.");
        ZoneTokenValidationResult result;
        try
        {
            result = ZoneTokens.Validate(token, Encoding.UTF8.GetBytes(agent.ZoneSecret), agent.ZoneAudience, TimeSpan.FromSeconds(5), _clock.GetUtcNow());
        }
        catch (NotImplementedException)
        {
            throw new ApiException(501, "internal", "Zone token validation is not available: Cxpa.Engine ZoneTokens is not implemented yet.");
        }
        if (!result.IsValid || result.Claims is null)
            throw ApiException.Unauthorized($"Invalid zone token ({result.Reason}): {result.Message}");
        if (result.Claims.AgentId != agentId)
            throw ApiException.Forbidden($"The zone token is for agent {result.Claims.AgentId?.ToString(CultureInfo.InvariantCulture) ?? "(none)"}, not agent {agentId}.");
        return (agent, result.Claims);
    }

    private static void RequireEligible(EmulatorAgentConfig agent, bool requireExternalTriggers = true)
    {
        if (!agent.IsPlatform) throw ApiException.NotEligible($"Agent {agent.Id} is not platform-managed (managed_by = '{agent.ManagedBy}').");
        if (!agent.IsActive) throw ApiException.NotEligible($"Agent {agent.Id} is not active (status = '{agent.Status}').");
        if (requireExternalTriggers && !agent.AllowExternalTriggers) throw ApiException.NotEligible($"Agent {agent.Id} does not allow external triggers.");
    }

    private static void RequireFileAgent(EmulatorAgentConfig agent)
    {
        if (!agent.IsFileDownload)
            throw ApiException.Conflict($"Agent {agent.Id} has output_kind = '{agent.OutputKind}'; trigger-and-download needs 'file_download'.");
    }

    private static readonly object ConfigNodeGate = new();

    /// <summary>Copies a JSON node of the config; parsed nodes materialize lazily and are not safe to read from two threads at once.</summary>
    private static JsonNode? CloneConfigNode(JsonNode? node)
    {
        if (node is null) return null;
        lock (ConfigNodeGate) return node.DeepClone();
    }

    // ---------------------------------------------------------------- body parsing

    private static async Task<JsonObject> ReadBody(HttpContext ctx)
    {
        try
        {
            var node = await JsonNode.ParseAsync(ctx.Request.Body, cancellationToken: ctx.RequestAborted);
            if (node is JsonObject o)
            {
                _ = o.Count; // materialize (duplicate keys surface here)
                return o;
            }
        }
        catch (JsonException) { }
        catch (ArgumentException) { }
        catch (InvalidOperationException) { }
        throw ApiException.Validation("body", "must be a JSON object");
    }

    private static JsonObject? OptObject(JsonObject body, string name, JsonObject errors)
    {
        var n = body[name];
        if (n is null) return null;
        if (n is JsonObject o) return (JsonObject)o.DeepClone();
        errors[name] = "must be a JSON object";
        return null;
    }

    private static string? OptString(JsonObject body, string name, JsonObject errors)
    {
        var n = body[name];
        if (n is null) return null;
        if (n is JsonValue v && v.GetValueKind() == JsonValueKind.String) return v.GetValue<string>();
        errors[name] = "must be a string";
        return null;
    }

    private static bool? OptBool(JsonObject body, string name, JsonObject errors)
    {
        var n = body[name];
        if (n is null) return null;
        if (n is JsonValue v && v.GetValueKind() is JsonValueKind.True or JsonValueKind.False) return v.GetValue<bool>();
        errors[name] = "must be a boolean";
        return null;
    }

    private static long? OptInteger(JsonObject body, string name, JsonObject errors, long min, string message)
    {
        var n = body[name];
        if (n is null) return null;
        if (n is JsonValue v && v.GetValueKind() == JsonValueKind.Number)
        {
            long value;
            if (v.TryGetValue<long>(out value) || (v.TryGetValue<double>(out var d) && d == Math.Floor(d) && Math.Abs(d) < 9e15 && (value = (long)d) == d))
            {
                if (value >= min) return value;
            }
        }
        errors[name] = message;
        return null;
    }

    private static string? ExternalRunId(JsonObject body, JsonObject errors, bool required = true)
    {
        var n = body["externalRunId"];
        if (n is null)
        {
            if (required) errors["externalRunId"] = "is required (a string of 1 to 255 characters)";
            return null;
        }
        if (n is JsonValue v && v.GetValueKind() == JsonValueKind.String)
        {
            var s = v.GetValue<string>();
            if (s.Length is >= 1 and <= 255) return s;
        }
        errors["externalRunId"] = "must be a string of 1 to 255 characters";
        return null;
    }

    private static void ThrowIfAny(JsonObject errors)
    {
        if (errors.Count > 0) throw ApiException.Validation(errors);
    }

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

    // ---------------------------------------------------------------- runtime endpoints

    private static readonly string[] CallbackTypes = { "started", "output", "waiting" };

    private async Task<IResult> Callback(HttpContext ctx, long runId)
    {
        var key = Bearer(ctx) ?? throw ApiException.Unauthorized("Missing agent API key (Authorization: Bearer <key>).");
        if (!_state.TryGetRun(runId, out var run)) throw ApiException.NotFound($"Run {runId} not found.");
        var agent = _config.FindAgent(run.AgentId);
        if (agent is null || !SecretEquals(key, agent.AgentApiKey))
            throw ApiException.Unauthorized($"The agent API key is not valid for run {runId}.");

        var body = await ReadBody(ctx);
        var errors = new JsonObject();
        var type = OptString(body, "type", errors);
        if (type is null && errors["type"] is null) errors["type"] = "is required (started, output or waiting)";
        else if (type is not null && !CallbackTypes.Contains(type)) errors["type"] = "must be started, output or waiting";
        var hasOutput = body.ContainsKey("output");
        var output = body["output"]?.DeepClone();
        var outputs = OptInteger(body, "outputs", errors, 0, "must be a non-negative integer");
        var complete = OptBool(body, "complete", errors) ?? false;
        var failed = OptBool(body, "failed", errors) ?? false;
        if (complete && failed) errors["complete"] = "cannot be true together with failed";
        string? message = null; JsonObject? errorObject = null;
        if (failed)
        {
            errorObject = OptObject(body, "error", errors);
            if (errorObject is not null)
            {
                message = OptString(errorObject, "message", errors);
                if (errors["message"] is not null) { errors.Remove("message"); errors["error.message"] = "must be a string"; }
            }
        }
        string? tokenId = null, description = null;
        if (type == "waiting")
        {
            tokenId = OptString(body, "tokenId", errors);
            if (string.IsNullOrEmpty(tokenId) && errors["tokenId"] is null) errors["tokenId"] = "is required";
            description = OptString(body, "description", errors);
        }
        ThrowIfAny(errors);

        var (conflict, status) = run.Mutate(m =>
        {
            if (m.IsTerminal) return (true, m.Status);
            switch (type)
            {
                case "started":
                    m.SetStatus(RunStatus.Running);
                    break;
                case "waiting":
                    if (hasOutput) m.SetOutput(output);
                    if (outputs is not null) m.SetOutputs(outputs);
                    m.Metadata["waiting"] = new JsonObject { ["tokenId"] = tokenId, ["description"] = description };
                    m.SetStatus(RunStatus.Waiting);
                    break;
                default: // output
                    if (hasOutput) m.SetOutput(output);
                    if (outputs is not null) m.SetOutputs(outputs);
                    if (failed)
                    {
                        m.SetError(message ?? "Run failed");
                        if (errorObject is not null) m.Metadata["error"] = errorObject;
                        m.SetStatus(RunStatus.Failed);
                    }
                    else
                    {
                        m.Metadata.Remove("waiting");
                        m.SetStatus(complete ? RunStatus.Completed : RunStatus.Running);
                    }
                    break;
            }
            return (false, m.Status);
        });
        if (conflict) throw ApiException.Conflict($"Run {runId} is already {status}.");
        return Json(200, new JsonObject { ["ok"] = true, ["status"] = status });
    }

    private Task<IResult> Resolve(HttpContext ctx, string connectionId)
    {
        var key = Bearer(ctx) ?? throw ApiException.Unauthorized("Missing agent API key (Authorization: Bearer <key>).");
        var agent = _config.Agents.FirstOrDefault(a => SecretEquals(key, a.AgentApiKey))
                    ?? throw ApiException.Unauthorized("The agent API key is not valid.");
        var token = ctx.Request.Headers["x-credentials-token"].ToString();
        if (string.IsNullOrWhiteSpace(token)) throw ApiException.Unauthorized("Missing x-credentials-token header.");
        IReadOnlyDictionary<string, object?>? claims;
        try
        {
            claims = ZoneTokens.ValidateHs256(token, Encoding.UTF8.GetBytes(_config.PlatformCredentialsSecret), _clock.GetUtcNow());
        }
        catch (NotImplementedException)
        {
            throw new ApiException(501, "internal", "Credentials token validation is not available: Cxpa.Engine ZoneTokens is not implemented yet.");
        }
        if (claims is null) throw ApiException.Unauthorized("The credentials token is invalid or expired.");
        var runId = Tokens.ClaimAsLong(claims, "runId");
        var tokenAgent = Tokens.ClaimAsLong(claims, "agentId");
        if (runId is null || tokenAgent != agent.Id || !_state.TryGetRun(runId.Value, out var run) || run.AgentId != agent.Id)
            throw ApiException.Unauthorized("The credentials token is not for a run of this agent.");
        if (agent.Connections is { } conns && conns.TryGetValue(connectionId, out var cred))
            return Task.FromResult(Json(200, CloneConfigNode(cred)!));
        throw ApiException.NotFound($"No connection '{connectionId}' for agent {agent.Id}.");
    }
}
