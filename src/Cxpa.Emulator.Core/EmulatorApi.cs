using System.Net;
using System.Text.Json.Nodes;

namespace Cxpa.Emulator;

/// <summary>
/// The emulator's front door, independent of any server: every request goes through <see cref="HandleAsync"/>, which logs
/// it (secrets masked), applies an injected fault, routes it to its family (agent, zone, runtime, control) and turns an
/// <see cref="ApiException"/> into the platform's error shape.
/// </summary>
internal sealed class EmulatorApi
{
    private readonly EmulatorContext _ctx;
    private readonly Router _router = new();

    public EmulatorApi(EmulatorContext ctx)
    {
        _ctx = ctx;
        var auth = new Auth(ctx);
        var runs = new RunService(ctx);
        new AgentRoutes(ctx, auth, runs).Map(_router);
        new ZoneRoutes(ctx, auth, runs).Map(_router);
        new RuntimeRoutes(ctx, auth).Map(_router);
        new ControlRoutes(ctx).Map(_router);
    }

    /// <summary>Headers whose values the log never keeps.</summary>
    private static readonly string[] SecretHeaders = { "Authorization", "x-credentials-token", "Cookie", "Proxy-Authorization" };

    public async Task HandleAsync(EmulatorExchange x)
    {
        if (x.Path.StartsWith("/_emulator", StringComparison.OrdinalIgnoreCase))
        {
            if (!x.FromLoopback)
            {
                await Reply.Error(ApiException.Forbidden("The control surface is loopback only.")).WriteAsync(x).ConfigureAwait(false);
                return;
            }
            await Dispatch(x).ConfigureAwait(false);
            return;
        }

        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var h in x.RequestHeaders)
            headers[h.Key] = SecretHeaders.Contains(h.Key, StringComparer.OrdinalIgnoreCase) ? "<redacted>" : h.Value;
        var entry = _ctx.Log.Add(x.Method, x.Path, x.Query, _ctx.Clock.GetUtcNow(),
            x.Header("Authorization") is not null, x.Header("Cache-Control"), headers);
        x.Entry = entry;
        if (!await x.BufferBodyAsync(RequestBody.MaxBytes).ConfigureAwait(false))
        {
            await Reply.Error(new ApiException(413, "payload_too_large", $"The body is larger than {RequestBody.MaxBytes} bytes.")).WriteAsync(x).ConfigureAwait(false);
            entry.Status = 413;
            return;
        }
        entry.Body = x.BufferedBody is { Length: > 0 } b ? System.Text.Encoding.UTF8.GetString(b, 0, Math.Min(b.Length, RequestLogEntry.MaxBodyChars)) : null;
        x.OnStarting = () => { if (!entry.Aborted) entry.Status = x.StatusCode; };
        try
        {
            var fault = _ctx.Faults.TryTake(x.Method, x.Path, k => k != FaultKind.CutDownload);
            if (fault is null) { await Dispatch(x).ConfigureAwait(false); return; }
            entry.Fault = fault.Describe();
            switch (fault.Kind)
            {
                case FaultKind.Status:
                {
                    var status = fault.StatusCode ?? 503;
                    if (fault.RetryAfter is not null) x.SetHeader("Retry-After", fault.RetryAfter);
                    var reply = !AllowsBody(status) ? Reply.Empty(status)
                        : fault.Body is not null ? Reply.Text(status, Reply.JsonContentType, fault.Body)
                        : Reply.Json(status, new JsonObject
                        {
                            ["error"] = $"Injected fault: HTTP {status}.",
                            ["code"] = fault.ErrorCode ?? Reply.CodeForStatus(status),
                        });
                    await reply.WriteAsync(x).ConfigureAwait(false);
                    break;
                }
                case FaultKind.Html:
                {
                    var status = fault.StatusCode ?? 502;
                    var reason = Reply.ReasonPhrase(status);
                    await (AllowsBody(status)
                        ? Reply.Text(status, "text/html; charset=utf-8", fault.Body ??
                            $"<html>\r\n<head><title>{status} {reason}</title></head>\r\n<body>\r\n<center><h1>{status} {reason}</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n")
                        : Reply.Empty(status)).WriteAsync(x).ConfigureAwait(false);
                    break;
                }
                case FaultKind.MalformedJson:
                {
                    var status = fault.StatusCode ?? 200;
                    await (AllowsBody(status) ? Reply.Text(status, Reply.JsonContentType, fault.Body ?? "{\"runId\": 10") : Reply.Empty(status))
                        .WriteAsync(x).ConfigureAwait(false);
                    break;
                }
                case FaultKind.Delay:
                    // On the emulator's clock; a host that cannot tell that the client left handles the request afterwards.
                    try { await Task.Delay(TimeSpan.FromMilliseconds(fault.DelayMs), _ctx.Clock, x.Aborted).ConfigureAwait(false); }
                    catch (OperationCanceledException) { entry.Aborted = true; x.Abort(); return; }
                    await Dispatch(x).ConfigureAwait(false);
                    break;
                case FaultKind.Reset:
                    entry.Aborted = true;
                    x.Abort();
                    break;
                case FaultKind.ResetAfterHandling:
                    // Let the handler run, but send nothing: its output goes nowhere, then the connection is cut.
                    x.Muted = true;
                    try { await Dispatch(x).ConfigureAwait(false); }
                    finally
                    {
                        entry.Status = x.StatusCode;
                        entry.Aborted = true;
                        x.Abort();
                    }
                    break;
            }
        }
        finally
        {
            if (entry.Status == 0 && !entry.Aborted && x.HasStarted) entry.Status = x.StatusCode;
        }
    }

    private async Task Dispatch(EmulatorExchange x)
    {
        try
        {
            var (handler, values, status) = _router.Find(x.Method, x.RawPath);
            var reply = handler is null
                ? Reply.Error(new ApiException(status, Reply.CodeForStatus(status), status == 405
                    ? $"{x.Method} is not allowed on {x.Path}."
                    : $"No route for {x.Method} {x.Path}."))
                : await handler(x, values).ConfigureAwait(false);
            if (reply is not null) await reply.WriteAsync(x).ConfigureAwait(false);
        }
        catch (ApiException e) when (!x.HasStarted)
        {
            x.ClearHeaders();
            await Reply.Error(e).WriteAsync(x).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (x.Aborted.IsCancellationRequested || _ctx.Stopping.IsCancellationRequested)
        {
            // The client went away (or the server stops): nothing to answer.
            if (x.Entry is { } e) e.Aborted = true;
            x.Abort();
        }
        catch (Exception e) when (e is IOException or HttpListenerException or ObjectDisposedException)
        {
            // The connection broke while the response was being written.
            if (x.Entry is { } entry) entry.Aborted = true;
            x.Abort();
        }
    }

    private static bool AllowsBody(int status) => status >= 200 && status != 204 && status != 304;
}
