using System.Net;
using Cxpa.Engine.Http;
using Cxpa.Engine.Time;
using Cxpa.Engine.Tests.Support;
using Microsoft.Extensions.Time.Testing;
using Xunit;
using static Cxpa.Engine.Tests.Support.MutHttpDrive;

namespace Cxpa.Engine.Tests.Http;

/// <summary>
/// Boundaries of the HTTP core and of a wait budget that the broader suites leave open: which answers are read within the
/// answer budget (2xx only), how far past the cap a body is ever read when it comes in chunks, the caller's cancellation
/// while a body is read, and a deadline's whole seconds and linked source. Fake clock, scripted transport.
/// </summary>
public sealed class MutHttpBoundaryTests
{
    private static readonly CxpaEndpoint Endpoint = new(new Uri("https://cxpa.test/"), CxpaAuthKind.IngestApiKey, Secret.FromString("cxpa_test_key"));

    private static (FakeTimeProvider Time, MockTransport Handler, CxpaCallOptions Options) Rig(long cap)
    {
        var time = new FakeTimeProvider(Start);
        var handler = new MockTransport(time);
        var options = new CxpaCallOptions { Handler = handler, TimeProvider = time, RequestTimeout = TimeSpan.FromHours(1), ReadTimeout = TimeSpan.FromHours(1), MaximumRetryCount = 0 };
        options.MaximumResponseBytes = cap;
        return (time, handler, options);
    }

    private static TestRequest Get() => new() { Method = HttpMethod.Get, Path = "api/things/7", Retry = RetryMode.Idempotent };

    /// <summary>A body that hands out at most <c>chunk</c> bytes a read, forever, counting them.</summary>
    private sealed class ChunkedBody : ReadOnlyBody
    {
        private readonly int _chunk;
        public ChunkedBody(int chunk) => _chunk = chunk;
        public long BytesHandedOut { get; private set; }
        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken ct)
        {
            var n = Math.Min(count, _chunk);
            buffer.AsSpan(offset, n).Fill((byte)' ');
            BytesHandedOut += n;
            return Task.FromResult(n);
        }
    }

    [Fact]
    public async Task A_body_in_chunks_is_never_read_past_one_byte_over_the_cap()
    {
        // 7 bytes, then a read asked for the 4 left up to cap + 1: 11 bytes in all, never a whole second chunk.
        var (time, handler, options) = Rig(10);
        var body = new ChunkedBody(7);
        handler.Body(HttpStatusCode.OK, body);
        var ex = await Assert.ThrowsAsync<CxpaApiException>(() => Drive(time, CxpaTransport.For(options.Handler!).SendAsync(Endpoint, options, Get(), default)));
        Assert.Equal("response_too_large", ex.Code);
        Assert.Equal(11, body.BytesHandedOut);
    }

    [Fact]
    public async Task Every_2xx_answer_is_read_within_the_budget()
    {
        var (time, handler, options) = Rig(10);
        handler.Body(HttpStatusCode.Created, new ChunkedBody(64));
        var ex = await Assert.ThrowsAsync<CxpaApiException>(() => Drive(time, CxpaTransport.For(options.Handler!).SendAsync(Endpoint, options, Get(), default)));
        Assert.Equal(201, ex.Status);
        Assert.Equal("response_too_large", ex.Code);
    }

    [Theory]
    [InlineData(HttpStatusCode.MultipleChoices)]
    [InlineData(HttpStatusCode.Continue)]
    public async Task An_answer_outside_2xx_is_not_held_to_the_answer_budget(HttpStatusCode status)
    {
        // A declared length over the cap fails a 2xx answer before reading; an error answer is read (64 KiB at most) as an error.
        var (time, handler, options) = Rig(10);
        handler.Body(status, new MutHttpBody("text", """{"error":"elsewhere"}"""), contentLength: 1000);
        var ex = await Assert.ThrowsAsync<CxpaApiException>(() => Drive(time, CxpaTransport.For(options.Handler!).SendAsync(Endpoint, options, Get(), default)));
        Assert.Equal((int)status, ex.Status);
        Assert.NotEqual("response_too_large", ex.Code);
    }

    /// <summary>A body that hands out one byte, then cancels the caller's source and waits to be cancelled.</summary>
    private sealed class CancellingBody : ReadOnlyBody
    {
        private readonly CancellationTokenSource _caller;
        private int _reads;
        public CancellingBody(CancellationTokenSource caller) => _caller = caller;
        public override async Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken ct)
        {
            if (_reads++ == 0) { buffer[offset] = (byte)'{'; return 1; }
            _caller.Cancel();
            await Task.Delay(Timeout.Infinite, ct);
            return 0;
        }
    }

    [Fact]
    public async Task The_callers_cancellation_while_an_answer_is_read_is_a_cancellation_not_a_timeout()
    {
        var (time, handler, options) = Rig(1000);
        using var caller = new CancellationTokenSource();
        handler.Body(HttpStatusCode.OK, new CancellingBody(caller));
        var ex = await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Drive(time, CxpaTransport.For(options.Handler!).SendAsync(Endpoint, options, Get(), caller.Token)));
        Assert.IsNotType<CxpaTimeoutException>(ex);
    }

    [Theory]
    [InlineData(90.2, 91)]
    [InlineData(90, 90)]
    [InlineData(-5, 0)]
    public void A_deadline_at_an_instant_counts_its_budget_in_whole_seconds_rounded_up(double secondsAhead, int seconds)
    {
        var time = new FakeTimeProvider(Start);
        Assert.Equal(seconds, WaitDeadline.At(Start.AddSeconds(secondsAhead), time).Seconds);
    }

    [Fact]
    public void The_source_of_a_deadline_already_passed_cancels_a_millisecond_later_on_its_clock()
    {
        var time = new FakeTimeProvider(Start);
        var deadline = WaitDeadline.At(Start, time);
        using var cts = deadline.Link(CancellationToken.None);
        Assert.False(cts.IsCancellationRequested);
        time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.True(cts.IsCancellationRequested);
    }
}
