using System.Net;
using System.Net.Sockets;
using Cxpa.Engine.Http;
using Cxpa.Engine.Operations;
using Cxpa.Engine.Tests.Support;
using Microsoft.Extensions.Time.Testing;
using Xunit;
using static Cxpa.Engine.Tests.Support.MutHttpDrive;

namespace Cxpa.Engine.Tests.Http;

/// <summary>
/// Answers a hostile or broken server gives, through the transport seam on a fake clock: bodies that never end or are too
/// large (read within one size and time budget), requests not safe to repeat that fail after they may have reached the
/// server (OutcomeUnknown, never resent), and 2xx bodies of the wrong shape (invalid_response).
/// </summary>
public sealed class HostileAnswerTests
{
    private static readonly Uri Base = new("https://cxpa.test/");
    private const string RunRow = """{"id":7,"agent_id":42,"status":"running"}""";

    /// <summary>A body that hands out <c>[</c> bytes forever (counting them), or never hands out anything, or breaks.</summary>
    private sealed class HostileStream : ReadOnlyBody
    {
        private readonly string _mode;
        private readonly TimeProvider? _time;
        public HostileStream(string mode, TimeProvider? time = null) { _mode = mode; _time = time; }
        public long BytesHandedOut { get; private set; }
        public int Reads { get; private set; }
        public DateTimeOffset? CancelledAt { get; private set; }

        public override async Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken ct)
        {
            Reads++;
            switch (_mode)
            {
                case "endless":
                    for (int i = 0; i < count; i++) buffer[offset + i] = (byte)'[';
                    BytesHandedOut += count;
                    return count;
                case "stall":
                    var never = Task.Delay(Timeout.Infinite, ct);
                    using (ct.Register(() => CancelledAt = _time!.GetUtcNow())) await never;
                    return 0;
                case "cut":
                    if (BytesHandedOut == 0) { buffer[offset] = (byte)'{'; BytesHandedOut = 1; return 1; }
                    throw new IOException("connection reset by peer");
                default: throw new InvalidOperationException();
            }
        }
        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken ct)
        {
            var tmp = new byte[buffer.Length];
            return new ValueTask<int>(ReadAsync(tmp, 0, tmp.Length, ct).ContinueWith(t => { tmp.AsSpan(0, t.Result).CopyTo(buffer.Span); return t.Result; }, ct, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default));
        }
    }

    private static (CxpaClient Client, MockTransport Handler, FakeTimeProvider Time) Create(Action<CxpaCallOptions>? configure = null, CxpaAuthKind kind = CxpaAuthKind.IngestApiKey)
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 30, 12, 0, 0, TimeSpan.Zero));
        var handler = new MockTransport(time);
        var options = new CxpaCallOptions { Handler = handler, TimeProvider = time, RequestTimeout = TimeSpan.FromHours(1), ReadTimeout = TimeSpan.FromHours(1) };
        configure?.Invoke(options);
        return (new CxpaClient(new CxpaEndpoint(Base, kind, Secret.FromString("cxpa_test_key")), options), handler, time);
    }

    // ---- 1. bounded answers

    [Fact]
    public void The_answer_cap_defaults_to_16_MiB_and_refuses_nonsense()
    {
        Assert.Equal(16L * 1024 * 1024, new CxpaCallOptions().MaximumResponseBytes);
        Assert.Throws<ArgumentOutOfRangeException>(() => new CxpaCallOptions { MaximumResponseBytes = 0 });
    }

    [Fact]
    public async Task A_body_that_never_ends_stops_being_read_one_byte_past_the_cap()
    {
        const long cap = 1024 * 1024;
        var body = new HostileStream("endless");
        var (client, h, time) = Create(o => o.MaximumResponseBytes = cap);
        h.Body(HttpStatusCode.OK, body);
        var ex = await Assert.ThrowsAsync<CxpaApiException>(() => Drive(time, client.GetRunAsync(42, 7, CancellationToken.None)));
        Assert.Equal("response_too_large", ex.Code);
        Assert.Equal(200, ex.Status);
        Assert.Contains("1048576-byte limit", ex.Message);
        Assert.InRange(body.BytesHandedOut, cap + 1, cap + 64 * 1024);
        Assert.Single(h.Requests);
    }

    [Fact]
    public async Task A_declared_length_over_the_cap_fails_without_reading_the_body()
    {
        var body = new HostileStream("endless");
        var (client, h, time) = Create();
        h.Body(HttpStatusCode.OK, body, contentLength: 200L * 1024 * 1024);
        var ex = await Assert.ThrowsAsync<CxpaApiException>(() => Drive(time, client.GetRunAsync(42, 7, CancellationToken.None)));
        Assert.Equal("response_too_large", ex.Code);
        Assert.Contains("declares 209715200 bytes", ex.Message);
        Assert.Equal(0, body.Reads);
        Assert.Single(h.Requests);
    }

    [Fact]
    public async Task A_body_that_stalls_ends_with_a_timeout_after_the_read_timeout_on_the_fake_clock()
    {
        var (client, h, time) = Create(o => { o.ReadTimeout = TimeSpan.FromSeconds(3); o.MaximumRetryCount = 0; });
        var body = new HostileStream("stall", time);
        var start = time.GetUtcNow();
        h.Body(HttpStatusCode.OK, body);
        var ex = await Assert.ThrowsAsync<CxpaTimeoutException>(() => Drive(time, client.GetRunAsync(42, 7, CancellationToken.None)));
        Assert.Contains("reading the answer took longer than 3 s", ex.Message);
        Assert.Equal(7, ex.RunId);
        Assert.Equal(TimeSpan.FromSeconds(3), body.CancelledAt - start);
    }

    [Fact]
    public async Task The_read_timeout_bounds_the_whole_body_not_each_read()
    {
        // A body trickling one byte every 2 s never stalls one read for 3 s, but the whole read takes longer than 3 s.
        // Each read moves the fake clock itself, so the time the budget ran out is exact: the read that starts at 4 s
        // finds it spent (10 reads would end the body: a per-read timeout would let the call succeed).
        var (client, h, time) = Create(o => { o.ReadTimeout = TimeSpan.FromSeconds(3); o.MaximumRetryCount = 0; });
        var start = time.GetUtcNow();
        var body = new TrickleStream(time, TimeSpan.FromSeconds(2), 10);
        h.Body(HttpStatusCode.OK, body);
        await Assert.ThrowsAsync<CxpaTimeoutException>(() => client.GetRunAsync(42, 7, CancellationToken.None));
        Assert.Equal(TimeSpan.FromSeconds(4), time.GetUtcNow() - start);
        Assert.Equal(2, body.Reads);
    }

    private sealed class TrickleStream : ReadOnlyBody
    {
        private readonly FakeTimeProvider _time;
        private readonly TimeSpan _gap;
        private readonly int _length;
        public TrickleStream(FakeTimeProvider time, TimeSpan gap, int length) { _time = time; _gap = gap; _length = length; }
        public int Reads { get; private set; }
        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken ct)
        {
            ct.ThrowIfCancellationRequested();
            if (Reads == _length) return Task.FromResult(0);
            Reads++;
            _time.Advance(_gap);
            buffer[offset] = (byte)' ';
            return Task.FromResult(1);
        }
    }

    [Fact]
    public async Task An_answer_under_the_cap_is_read_whole()
    {
        var (client, h, time) = Create(o => o.MaximumResponseBytes = RunRow.Length);
        h.Answer(HttpStatusCode.OK, RunRow);
        Assert.Equal(7, (await Drive(time, client.GetRunAsync(42, 7, CancellationToken.None))).RunId);
    }

    // ---- 2. ambiguous outcomes

    private static HttpRequestException Reset() => new("reset", new IOException("connection reset by peer"));

    [Fact]
    public async Task A_trigger_whose_connection_broke_after_sending_is_OutcomeUnknown_and_sent_once()
    {
        var (client, h, time) = Create();
        h.Throw(Reset()).Answer(HttpStatusCode.OK, """{"runId":9}""");
        var ex = await Assert.ThrowsAsync<CxpaOutcomeUnknownException>(() => Drive(time, client.TriggerRunAsync(42, null, CancellationToken.None)));
        Assert.Single(h.Requests);
        Assert.Contains("may have started the run", ex.Message);
        Assert.Contains("not sent again", ex.Message);
        Assert.Equal("POST", ex.Method);
        Assert.DoesNotContain("cxpa_test_key", ex.ToString());
    }

    [Fact]
    public async Task A_trigger_with_no_answer_in_time_is_OutcomeUnknown_and_sent_once()
    {
        var (client, h, time) = Create(o => o.RequestTimeout = TimeSpan.FromSeconds(10));
        h.Never().Answer(HttpStatusCode.OK, """{"runId":9}""");
        var ex = await Assert.ThrowsAsync<CxpaOutcomeUnknownException>(() => Drive(time, client.TriggerRunAsync(42, null, CancellationToken.None)));
        Assert.IsType<CxpaTimeoutException>(ex.InnerException);
        Assert.Single(h.Requests);
    }

    [Fact]
    public async Task A_trigger_whose_answer_broke_off_is_OutcomeUnknown_and_sent_once()
    {
        var (client, h, time) = Create();
        h.Body(HttpStatusCode.OK, new HostileStream("cut")).Answer(HttpStatusCode.OK, """{"runId":9}""");
        await Assert.ThrowsAsync<CxpaOutcomeUnknownException>(() => Drive(time, client.TriggerRunAsync(42, null, CancellationToken.None)));
        Assert.Single(h.Requests);
    }

    [Fact]
    public async Task An_output_event_whose_connection_broke_is_OutcomeUnknown_and_sent_once()
    {
        var (client, h, time) = Create(kind: CxpaAuthKind.AgentApiKey);
        h.Throw(Reset()).Answer(HttpStatusCode.OK, """{"ok":true}""");
        var ex = await Assert.ThrowsAsync<CxpaOutcomeUnknownException>(() => Drive(time, client.SendRunEventAsync(5, new RunOutputEvent("partial"), CancellationToken.None)));
        Assert.Contains("may have recorded the event", ex.Message);
        Assert.Equal(5, ex.RunId);
        Assert.Single(h.Requests);
    }

    [Fact]
    public async Task A_refused_trigger_is_still_a_plain_connection_failure()
    {
        var refused = new HttpRequestException("refused", new SocketException((int)SocketError.ConnectionRefused));
        var (client, h, time) = Create(o => o.MaximumRetryCount = 1);
        h.Throw(refused).Throw(refused);
        var ex = await Assert.ThrowsAsync<CxpaConnectionException>(() => Drive(time, client.TriggerRunAsync(42, null, CancellationToken.None)));
        Assert.Equal(2, h.Requests.Count);
    }

    [Fact]
    public async Task A_read_whose_connection_broke_is_retried()
    {
        var (client, h, time) = Create();
        h.Throw(Reset()).Answer(HttpStatusCode.OK, RunRow);
        Assert.Equal(7, (await Drive(time, client.GetRunAsync(42, 7, CancellationToken.None))).RunId);
        Assert.Equal(2, h.Requests.Count);
    }

    [Fact]
    public async Task A_read_whose_body_broke_off_is_retried()
    {
        var (client, h, time) = Create();
        h.Body(HttpStatusCode.OK, new HostileStream("cut")).Answer(HttpStatusCode.OK, RunRow);
        Assert.Equal(7, (await Drive(time, client.GetRunAsync(42, 7, CancellationToken.None))).RunId);
        Assert.Equal(2, h.Requests.Count);
    }

    [Fact]
    public async Task A_read_that_keeps_breaking_is_a_connection_failure_not_OutcomeUnknown()
    {
        var (client, h, time) = Create(o => o.MaximumRetryCount = 1);
        h.Throw(Reset()).Throw(Reset());
        var ex = await Assert.ThrowsAsync<CxpaConnectionException>(() => Drive(time, client.GetRunAsync(42, 7, CancellationToken.None)));
        Assert.Equal(2, h.Requests.Count);
    }

    // ---- 3. answers checked

    [Theory]
    [InlineData("[1,2,3]", "array")]
    [InlineData("\"run\"", "string")]
    [InlineData("42", "number")]
    public async Task A_read_answered_with_a_value_that_is_not_an_object_is_invalid_response(string body, string kind)
    {
        var (client, h, time) = Create();
        h.Answer(HttpStatusCode.OK, body);
        var ex = await Assert.ThrowsAsync<CxpaApiException>(() => Drive(time, client.GetRunAsync(42, 7, CancellationToken.None)));
        Assert.Equal("invalid_response", ex.Code);
        Assert.Equal(200, ex.Status);
        Assert.Contains("JSON " + kind + " where an object was expected", ex.Message);
        Assert.Single(h.Requests);
    }

    [Fact]
    public async Task A_trigger_answered_with_an_array_is_invalid_response()
    {
        var (client, h, time) = Create();
        h.Answer(HttpStatusCode.OK, "[1,2,3]");
        var ex = await Assert.ThrowsAsync<CxpaApiException>(() => Drive(time, client.TriggerRunAsync(42, null, CancellationToken.None)));
        Assert.Equal("invalid_response", ex.Code);
        Assert.Contains("JSON array where an object was expected", ex.Message);
        Assert.Single(h.Requests);
    }

    [Fact]
    public async Task A_run_other_than_the_one_asked_for_is_invalid_response_naming_both()
    {
        var (client, h, time) = Create();
        h.Answer(HttpStatusCode.OK, """{"id":1234,"agent_id":42,"status":"completed"}""");
        var ex = await Assert.ThrowsAsync<CxpaApiException>(() => Drive(time, client.GetRunAsync(42, 1, CancellationToken.None)));
        Assert.Equal("invalid_response", ex.Code);
        Assert.Contains("run 1234", ex.Message);
        Assert.Contains("not run 1 ", ex.Message);
        Assert.Equal(1, ex.RunId);
    }

    [Fact]
    public async Task A_run_row_without_an_id_is_invalid_response()
    {
        var (client, h, time) = Create();
        h.Answer(HttpStatusCode.OK, """{"agent_id":42,"status":"completed"}""");
        var ex = await Assert.ThrowsAsync<CxpaApiException>(() => Drive(time, client.GetRunAsync(42, 7, CancellationToken.None)));
        Assert.Equal("invalid_response", ex.Code);
        Assert.Contains("no id", ex.Message);
    }
}
