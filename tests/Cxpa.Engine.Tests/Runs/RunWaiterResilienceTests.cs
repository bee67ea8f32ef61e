using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using Cxpa.Engine.Http;
using Cxpa.Engine.Time;
using Cxpa.Engine.Runs;
using Cxpa.Engine.Tests.Support;
using Microsoft.Extensions.Time.Testing;
using Xunit;
using static Cxpa.Engine.Tests.Support.MutHttpDrive;

namespace Cxpa.Engine.Tests.Runs;

/// <summary>
/// A wait (RunWaiter) rides out transient failures of its polls until its own deadline: driven through the transport seam
/// (CxpaCallOptions.Handler) on a fake clock (CxpaCallOptions.TimeProvider), with no socket and no sleep.
/// </summary>
public sealed class RunWaiterResilienceTests
{
    private static readonly Uri Base = new("https://cxpa.test/");
    private static readonly DateTimeOffset Start = new(2026, 11, 30, 12, 0, 0, TimeSpan.Zero);
    private const string Running = """{"id":7,"agent_id":42,"status":"running"}""";
    private const string Completed = """{"id":7,"agent_id":42,"status":"completed","output":{"ok":true}}""";

    private static Action<HttpResponseMessage> RetryAfter(TimeSpan wait) => r => r.Headers.RetryAfter = new RetryConditionHeaderValue(wait);

    private sealed class ListLog : ICxpaLog
    {
        public List<string> Lines { get; } = new();
        public bool IsVerboseEnabled => true;
        public bool IsDebugEnabled => false;
        public void Verbose(string message) { lock (Lines) Lines.Add(message); }
        public void Debug(string message) { }
    }

    private static (RunWaiter Waiter, MockTransport Handler, FakeTimeProvider Time, ListLog Log) Create(Action<CxpaCallOptions>? configure = null)
    {
        var time = new FakeTimeProvider(Start);
        var handler = new MockTransport(time);
        var log = new ListLog();
        // No per-request retries unless a test asks: each scripted failure is one failed poll of the wait.
        var options = new CxpaCallOptions
        {
            Handler = handler, TimeProvider = time, Log = log, MaximumRetryCount = 0,
            RequestTimeout = TimeSpan.FromHours(1), ReadTimeout = TimeSpan.FromHours(1),
        };
        configure?.Invoke(options);
        var client = new CxpaClient(new CxpaEndpoint(Base, CxpaAuthKind.IngestApiKey, Secret.FromString("cxpa_test_key")), options);
        return (new RunWaiter(client, new[] { new Run { RunId = 7, AgentId = 42, Status = "running" } }), handler, time, log);
    }

    /// <summary>Runs the call to its end, moving the fake clock 10 ms at a time while it is not complete.</summary>
    [Fact]
    public async Task A_wait_rides_out_ten_503s_and_completes()
    {
        var (waiter, h, time, log) = Create();
        h.Answer(HttpStatusCode.ServiceUnavailable, """{"error":"busy"}""", times: 10).Answer(HttpStatusCode.OK, Completed);
        var done = await Drive(time, waiter.NextAsync(CancellationToken.None));
        Assert.Equal("completed", Assert.Single(done).Status);
        Assert.Empty(waiter.TakeFailures());
        Assert.True(waiter.IsDone);
        Assert.Equal(11, h.Requests.Count);
        Assert.Equal(10, waiter.TransientFailures);
        // One Verbose line per failed poll, naming the run and the status, never the key.
        Assert.Equal(10, log.Lines.Count(l => l.StartsWith("Run 7: the poll failed (503", StringComparison.Ordinal)));
        Assert.DoesNotContain(log.Lines, l => l.Contains("cxpa_test_key"));
        // The polls back off on the wait's schedule (250 ms, x1.5 ...), not in a tight loop.
        var gaps = h.Requests.Zip(h.Requests.Skip(1), (a, b) => (b.At - a.At).TotalMilliseconds).ToList();
        Assert.True(gaps[0] >= 249 && gaps[1] >= 374, string.Join(", ", gaps));
    }

    [Fact]
    public async Task A_wait_rides_out_503s_that_outlast_the_per_request_retries()
    {
        // The client's own 3 retries run inside each poll; 10 503s exhaust them twice before the third poll succeeds.
        var (waiter, h, time, _) = Create(o => { o.MaximumRetryCount = 3; o.RetryInterval = TimeSpan.FromMilliseconds(1); });
        h.Answer(HttpStatusCode.ServiceUnavailable, times: 10).Answer(HttpStatusCode.OK, Completed);
        var done = await Drive(time, waiter.NextAsync(CancellationToken.None));
        Assert.Equal("completed", Assert.Single(done).Status);
        Assert.Equal(11, h.Requests.Count);
        Assert.Equal(2, waiter.TransientFailures);
    }

    [Theory]
    [InlineData(HttpStatusCode.TooManyRequests)]
    [InlineData(HttpStatusCode.InternalServerError)]
    [InlineData(HttpStatusCode.BadGateway)]
    [InlineData(HttpStatusCode.GatewayTimeout)]
    [InlineData(HttpStatusCode.RequestTimeout)]
    public async Task A_wait_rides_out_every_transient_status(HttpStatusCode status)
    {
        var (waiter, h, time, _) = Create();
        h.Answer(status, times: 3).Answer(HttpStatusCode.OK, Running).Answer(status).Answer(HttpStatusCode.OK, Completed);
        var done = await Drive(time, waiter.NextAsync(CancellationToken.None));
        Assert.Equal("completed", Assert.Single(done).Status);
        Assert.Equal(4, waiter.TransientFailures);
    }

    [Fact]
    public async Task A_wait_rides_out_connection_failures_and_completes()
    {
        var (waiter, h, time, log) = Create();
        h.Throw(() => new HttpRequestException("refused", new SocketException((int)SocketError.ConnectionRefused)), times: 5)
         .Answer(HttpStatusCode.OK, Completed);
        var done = await Drive(time, waiter.NextAsync(CancellationToken.None));
        Assert.Equal("completed", Assert.Single(done).Status);
        Assert.Equal(6, h.Requests.Count);
        Assert.Equal(5, log.Lines.Count(l => l.Contains("connection failure", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task A_wait_rides_out_a_poll_that_times_out()
    {
        var (waiter, h, time, _) = Create(o => o.RequestTimeout = TimeSpan.FromSeconds(10));
        h.Never().Answer(HttpStatusCode.OK, Completed);
        var done = await Drive(time, waiter.NextAsync(CancellationToken.None));
        Assert.Equal("completed", Assert.Single(done).Status);
        Assert.Equal(1, waiter.TransientFailures);
        Assert.True(h.Requests[1].At - h.Requests[0].At >= TimeSpan.FromSeconds(10));
    }

    [Theory]
    [InlineData(HttpStatusCode.NotFound)]
    [InlineData(HttpStatusCode.Unauthorized)]
    [InlineData(HttpStatusCode.Forbidden)]
    [InlineData(HttpStatusCode.UnprocessableEntity)]
    public async Task A_non_transient_answer_ends_the_wait_of_its_run_at_once(HttpStatusCode status)
    {
        var (waiter, h, time, _) = Create();
        h.Answer(HttpStatusCode.ServiceUnavailable, times: 2).Answer(status, """{"error":"no"}""");
        var done = await Drive(time, waiter.NextAsync(CancellationToken.None));
        Assert.Empty(done);
        var failure = Assert.Single(waiter.TakeFailures());
        Assert.Equal(7, failure.Key.RunId);
        Assert.Equal((int)status, Assert.IsType<CxpaApiException>(failure.Value).Status);
        Assert.Equal(3, h.Requests.Count);
        Assert.Empty(waiter.Pending);
        Assert.True(waiter.IsDone);
    }

    [Fact]
    public async Task Retry_after_sets_the_next_poll()
    {
        var (waiter, h, time, log) = Create();
        h.Answer(HttpStatusCode.ServiceUnavailable, shape: RetryAfter(TimeSpan.FromSeconds(7)))
         .Answer(HttpStatusCode.TooManyRequests, shape: RetryAfter(TimeSpan.FromSeconds(12)))
         .Answer(HttpStatusCode.OK, Completed);
        var done = await Drive(time, waiter.NextAsync(CancellationToken.None));
        Assert.Equal("completed", Assert.Single(done).Status);
        Assert.True(h.Requests[1].At - h.Requests[0].At >= TimeSpan.FromSeconds(7), $"{h.Requests[1].At - h.Requests[0].At}");
        Assert.True(h.Requests[2].At - h.Requests[1].At >= TimeSpan.FromSeconds(12), $"{h.Requests[2].At - h.Requests[1].At}");
        Assert.Contains(log.Lines, l => l.Contains("polling again in 7.0 s", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_retry_after_longer_than_the_maximum_is_capped()
    {
        var (waiter, h, time, _) = Create(o => o.MaximumRetryAfter = TimeSpan.FromSeconds(20));
        h.Answer(HttpStatusCode.ServiceUnavailable, shape: RetryAfter(TimeSpan.FromHours(2))).Answer(HttpStatusCode.OK, Completed);
        await Drive(time, waiter.NextAsync(CancellationToken.None));
        var gap = h.Requests[1].At - h.Requests[0].At;
        Assert.True(gap >= TimeSpan.FromSeconds(20) && gap < TimeSpan.FromMinutes(1), gap.ToString());
    }

    [Fact]
    public async Task The_deadline_ends_a_wait_that_keeps_failing_at_the_deadline()
    {
        var (waiter, h, time, _) = Create();
        waiter.Deadline = WaitDeadline.At(Start.AddSeconds(30), time);
        h.Answer(HttpStatusCode.ServiceUnavailable, times: 1000);
        var ex = await Assert.ThrowsAsync<CxpaTimeoutException>(() => DriveUntil(time, waiter.NextAsync(CancellationToken.None), Start.AddSeconds(31)));
        Assert.Equal(7, ex.RunId);
        Assert.InRange(time.GetUtcNow(), Start.AddSeconds(30), Start.AddSeconds(31));
        Assert.True(h.Requests.Count > 3);
        Assert.All(h.Requests, r => Assert.True(r.At < Start.AddSeconds(30)));
        Assert.Equal(7, Assert.Single(waiter.Pending).RunId);
        Assert.Empty(waiter.TakeFailures());
    }

    [Fact]
    public async Task The_deadline_wins_over_a_longer_retry_after()
    {
        var (waiter, h, time, _) = Create(o => o.Deadline = WaitDeadline.At(Start.AddSeconds(30), o.TimeProvider));
        h.Answer(HttpStatusCode.ServiceUnavailable, shape: RetryAfter(TimeSpan.FromSeconds(60)));
        await Assert.ThrowsAsync<CxpaTimeoutException>(() => DriveUntil(time, waiter.NextAsync(CancellationToken.None), Start.AddSeconds(31)));
        Assert.InRange(time.GetUtcNow(), Start.AddSeconds(30), Start.AddSeconds(31));
        Assert.Single(h.Requests);
        Assert.Single(waiter.Pending);
    }

    [Fact]
    public async Task Cancelling_a_wait_that_keeps_failing_ends_it()
    {
        // The cmdlets end a wait at -WaitTimeoutSeconds by cancelling it; here the cancellation runs on the fake clock.
        var (waiter, h, time, _) = Create();
        h.Answer(HttpStatusCode.BadGateway, times: 1000);
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20), time);
        // When the cancellation fired, on the fake clock: the driver may move the clock on while the exception travels back.
        DateTimeOffset? cancelledAt = null;
        using var _ = cts.Token.Register(() => cancelledAt = time.GetUtcNow());
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Drive(time, waiter.NextAsync(cts.Token)));
        Assert.NotNull(cancelledAt);
        Assert.InRange(cancelledAt!.Value, Start.AddSeconds(20), Start.AddSeconds(21));
        Assert.Single(waiter.Pending);
        Assert.Empty(waiter.TakeFailures());
    }
}
