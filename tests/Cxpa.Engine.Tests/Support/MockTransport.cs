using System.Net;
using System.Text;

namespace Cxpa.Engine.Tests.Support;

/// <summary>
/// The engine tests' one HTTP fake, in the manner of Azure.Core's MockTransport: each request is recorded (method, URI,
/// headers, body, and the time on the given clock at which it arrived) and takes the next scripted answer, or, once the
/// queue is empty, the answer of <c>Always</c> or <c>Otherwise</c>; with neither, the request fails the test.
/// </summary>
public sealed class MockTransport : HttpMessageHandler
{
    private readonly Queue<Func<HttpRequestMessage, CancellationToken, Task<HttpResponseMessage>>> _answers = new();
    private readonly TimeProvider _time;
    private Func<HttpRequestMessage, CancellationToken, Task<HttpResponseMessage>>? _otherwise;

    /// <param name="time">The clock whose time each request records (the system's when none is given).</param>
    public MockTransport(TimeProvider? time = null) => _time = time ?? TimeProvider.System;

    public sealed record Seen(HttpMethod Method, Uri Uri, DateTimeOffset At, HttpRequestMessage Message, byte[]? Body, string? ContentType)
    {
        /// <summary>"POST /api/runs/1/callback": the method and the path.</summary>
        public string Line => Method + " " + Uri.AbsolutePath;

        /// <summary>The body as UTF-8 text (null when there was none).</summary>
        public string? Text => Body == null ? null : Encoding.UTF8.GetString(Body);
    }
    public List<Seen> Requests { get; } = new();
    /// <summary>The fake time at which a request that never got an answer was cancelled.</summary>
    public DateTimeOffset? CancelledAt { get; private set; }

    /// <summary>Queues the answer <paramref name="times"/> times: the status, a text body of the media type, then <paramref name="shape"/>.</summary>
    public MockTransport Answer(HttpStatusCode status, string? body = null, Action<HttpResponseMessage>? shape = null, string mediaType = "application/json", int times = 1)
    {
        for (var i = 0; i < times; i++)
            _answers.Enqueue((_, _) =>
            {
                var r = new HttpResponseMessage(status);
                if (body != null) r.Content = new StringContent(body, Encoding.UTF8, mediaType);
                shape?.Invoke(r);
                return Task.FromResult(r);
            });
        return this;
    }

    public MockTransport Body(HttpStatusCode status, Stream body, long? contentLength = null)
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

    public MockTransport Throw(Exception ex) { _answers.Enqueue((_, _) => Task.FromException<HttpResponseMessage>(ex)); return this; }

    /// <summary>Queues <paramref name="times"/> failures, each with a new exception.</summary>
    public MockTransport Throw(Func<Exception> make, int times = 1)
    {
        for (var i = 0; i < times; i++) _answers.Enqueue((_, _) => Task.FromException<HttpResponseMessage>(make()));
        return this;
    }

    public MockTransport Run(Func<HttpRequestMessage, CancellationToken, Task<HttpResponseMessage>> answer) { _answers.Enqueue(answer); return this; }

    /// <summary>Answers every request the queue does not: the same status and JSON body each time.</summary>
    public MockTransport Always(HttpStatusCode status, string? body = null)
    {
        _otherwise = (_, _) =>
        {
            var r = new HttpResponseMessage(status);
            if (body != null) r.Content = new StringContent(body, Encoding.UTF8, "application/json");
            return Task.FromResult(r);
        };
        return this;
    }

    /// <summary>Answers every request the queue does not, by a function of the request.</summary>
    public MockTransport Otherwise(Func<HttpRequestMessage, CancellationToken, Task<HttpResponseMessage>> answer) { _otherwise = answer; return this; }

    /// <summary>Answers every request the queue does not, by a function of the request.</summary>
    public MockTransport Otherwise(Func<HttpRequestMessage, HttpResponseMessage> answer) => Otherwise((r, _) => Task.FromResult(answer(r)));

    public MockTransport Never()
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
        Func<HttpRequestMessage, CancellationToken, Task<HttpResponseMessage>>? answer;
        lock (_answers) answer = _answers.Count > 0 ? _answers.Dequeue() : _otherwise;
        if (answer == null) throw new InvalidOperationException($"no scripted answer for {request.Method} {request.RequestUri}");
        return await answer(request, ct);
    }
}
