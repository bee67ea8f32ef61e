using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Cxpa.Emulator;

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
}
