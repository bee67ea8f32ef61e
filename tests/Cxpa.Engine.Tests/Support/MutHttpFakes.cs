using System.Net;
using System.Text;
using Cxpa.Engine.Http;
using Microsoft.Extensions.Time.Testing;

namespace Cxpa.Engine.Tests.Support;

/// <summary>
/// A scripted transport for the HTTP core: each request takes the next scripted answer and is recorded with its headers,
/// its body and the fake time at which it arrived.
/// </summary>
public sealed class MutHttpHandler : HttpMessageHandler
{
    private readonly Queue<Func<HttpRequestMessage, CancellationToken, Task<HttpResponseMessage>>> _answers = new();
    private readonly TimeProvider _time;
    public MutHttpHandler(TimeProvider time) => _time = time;

    public sealed record Seen(HttpMethod Method, Uri Uri, DateTimeOffset At, HttpRequestMessage Message, byte[]? Body, string? ContentType);
    public List<Seen> Requests { get; } = new();
    /// <summary>The fake time at which a request that never got an answer was cancelled.</summary>
    public DateTimeOffset? CancelledAt { get; private set; }

    public MutHttpHandler Answer(HttpStatusCode status, string? body = null, Action<HttpResponseMessage>? shape = null, string mediaType = "application/json")
    {
        _answers.Enqueue((_, _) =>
        {
            var r = new HttpResponseMessage(status);
            if (body != null) r.Content = new StringContent(body, Encoding.UTF8, mediaType);
            shape?.Invoke(r);
            return Task.FromResult(r);
        });
        return this;
    }

    public MutHttpHandler Body(HttpStatusCode status, Stream body, long? contentLength = null)
    {
        _answers.Enqueue((_, _) =>
        {
            var r = new HttpResponseMessage(status) { Content = new StreamContent(body) };
            r.Content.Headers.TryAddWithoutValidation("Content-Type", "application/json");
            if (contentLength != null) r.Content.Headers.ContentLength = contentLength;
            return Task.FromResult(r);
        });
        return this;
    }

    public MutHttpHandler Throw(Exception ex) { _answers.Enqueue((_, _) => Task.FromException<HttpResponseMessage>(ex)); return this; }

    public MutHttpHandler Run(Func<HttpRequestMessage, CancellationToken, Task<HttpResponseMessage>> answer) { _answers.Enqueue(answer); return this; }

    public MutHttpHandler Never()
    {
        _answers.Enqueue(async (_, ct) =>
        {
            var never = Task.Delay(Timeout.Infinite, ct);
            using (ct.Register(() => CancelledAt = _time.GetUtcNow())) await never;
            throw new InvalidOperationException();
        });
        return this;
    }

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken ct)
    {
        byte[]? body = request.Content == null ? null : await request.Content.ReadAsByteArrayAsync(ct);
        lock (Requests) Requests.Add(new Seen(request.Method, request.RequestUri!, _time.GetUtcNow(), request, body, request.Content?.Headers.ContentType?.ToString()));
        if (_answers.Count == 0) throw new InvalidOperationException($"no scripted answer for {request.Method} {request.RequestUri}");
        return await _answers.Dequeue()(request, ct);
    }
}

/// <summary>An answer body that records whether it was disposed.</summary>
public sealed class MutHttpTrackedContent : StreamContent
{
    public MutHttpTrackedContent(Stream body) : base(body) => Headers.TryAddWithoutValidation("Content-Type", "application/json");
    public bool Disposed { get; private set; }
    protected override void Dispose(bool disposing) { Disposed = true; base.Dispose(disposing); }
}

/// <summary>A log that keeps every line.</summary>
public sealed class MutHttpLog : ICxpaLog
{
    public MutHttpLog(bool verbose = true) => IsVerboseEnabled = verbose;
    public bool IsVerboseEnabled { get; }
    public bool IsDebugEnabled { get; init; }
    public List<string> Lines { get; } = new();
    public void Verbose(string message) { lock (Lines) Lines.Add(message); }
    public void Debug(string message) { lock (Lines) Lines.Add("debug: " + message); }
}

/// <summary>A body that hands out bytes forever, stalls until cancelled, breaks after one byte, or hands out a fixed text.</summary>
public sealed class MutHttpBody : ReadOnlyBody
{
    private readonly string _mode;
    private readonly byte[] _text;
    private int _at;
    public MutHttpBody(string mode, string text = "") { _mode = mode; _text = Encoding.UTF8.GetBytes(text); }
    public long BytesHandedOut { get; private set; }
    public bool Disposed { get; private set; }
    protected override void Dispose(bool disposing) { Disposed = true; base.Dispose(disposing); }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken ct)
    {
        switch (_mode)
        {
            case "endless":
                buffer.Span.Fill((byte)' ');
                BytesHandedOut += buffer.Length;
                return buffer.Length;
            case "stall":
                await Task.Delay(Timeout.Infinite, ct);
                return 0;
            case "cut":
                if (BytesHandedOut == 0) { buffer.Span[0] = (byte)'{'; BytesHandedOut = 1; return 1; }
                throw new IOException("connection reset by peer");
            default:
                int n = Math.Min(buffer.Length, _text.Length - _at);
                _text.AsSpan(_at, n).CopyTo(buffer.Span);
                _at += n;
                BytesHandedOut += n;
                return n;
        }
    }
}

/// <summary>
/// Runs a call on a fake clock to its end, moving the clock 10 ms at a time while the call is not complete. A continuation
/// that has not run yet when the loop moves the clock again makes a measured gap longer, never shorter: tests assert exact
/// lower bounds and loose upper ones (or, where the time must be exact, let the fake body move the clock itself).
/// </summary>
public static class MutHttpDrive
{
    public static readonly DateTimeOffset Start = new(2026, 11, 30, 12, 0, 0, TimeSpan.Zero);

    public static async Task<T> Drive<T>(FakeTimeProvider time, Task<T> call)
    {
        for (int i = 0; i < 2_000_000 && !call.IsCompleted; i++)
        {
            await Task.Yield();
            if (!call.IsCompleted) time.Advance(TimeSpan.FromMilliseconds(10));
        }
        return await call;
    }
}
