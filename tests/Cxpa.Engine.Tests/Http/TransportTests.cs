using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using Cxpa.Engine.Http;
using Cxpa.Engine.Tests.Support;
using Cxpa.Engine.Time;
using Microsoft.Extensions.Time.Testing;
using Xunit;
using static Cxpa.Engine.Tests.Support.MutHttpDrive;

namespace Cxpa.Engine.Tests.Http;

/// <summary>
/// The engine through its transport seam (CxpaCallOptions.Handler) on a fake clock (CxpaCallOptions.TimeProvider): the
/// retry classifier, Retry-After, deadlines, timeouts and the wait schedule, with no socket and no sleep. Each scripted
/// answer records the fake time at which the request arrived.
/// </summary>
public sealed class TransportTests
{
    private static readonly Uri Base = new("https://cxpa.test/");

    private static (CxpaClient Client, MockTransport Handler, FakeTimeProvider Time) Create(Action<CxpaCallOptions>? configure = null)
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 30, 12, 0, 0, TimeSpan.Zero));
        var handler = new MockTransport(time);
        var options = new CxpaCallOptions { Handler = handler, TimeProvider = time, RequestTimeout = TimeSpan.FromHours(1), ReadTimeout = TimeSpan.FromHours(1) };
        configure?.Invoke(options);
        return (new CxpaClient(new CxpaEndpoint(Base, CxpaAuthKind.IngestApiKey, Secret.FromString("cxpa_test_key")), options), handler, time);
    }

    private const string RunRow = """{"id":7,"agent_id":42,"status":"running"}""";

    [Fact]
    public async Task A_read_is_retried_on_503_and_succeeds()
    {
        var (client, h, time) = Create();
        h.Answer(HttpStatusCode.ServiceUnavailable).Answer(HttpStatusCode.ServiceUnavailable).Answer(HttpStatusCode.OK, RunRow);
        var run = await Drive(time, client.GetRunAsync(42, 7, CancellationToken.None));
        Assert.Equal(7, run.RunId);
        Assert.Equal(3, h.Requests.Count);
        Assert.All(h.Requests, r => Assert.Equal("/api/agents/42/runs/7", r.Uri.AbsolutePath));
    }

    [Fact]
    public async Task A_read_is_retried_on_500_like_502_and_503()
    {
        var (client, h, time) = Create();
        h.Answer(HttpStatusCode.InternalServerError).Answer(HttpStatusCode.OK, RunRow);
        var run = await Drive(time, client.GetRunAsync(42, 7, CancellationToken.None));
        Assert.Equal(7, run.RunId);
        Assert.Equal(2, h.Requests.Count);
    }

    [Fact]
    public async Task A_run_start_is_not_retried_on_500()
    {
        var (client, h, time) = Create();
        h.Answer(HttpStatusCode.InternalServerError, """{"error":"boom"}""");
        var ex = await Assert.ThrowsAsync<CxpaApiException>(() => Drive(time, client.TriggerRunAsync(42, null, CancellationToken.None)));
        Assert.Equal(500, ex.Status);
        Assert.Single(h.Requests);
    }

    [Theory]
    [InlineData(HttpStatusCode.NotImplemented)]
    [InlineData(HttpStatusCode.NotFound)]
    [InlineData(HttpStatusCode.Unauthorized)]
    public async Task A_read_is_not_retried_on_a_non_transient_status(HttpStatusCode status)
    {
        var (client, h, time) = Create();
        h.Answer(status, """{"error":"no"}""");
        var ex = await Assert.ThrowsAsync<CxpaApiException>(() => Drive(time, client.GetRunAsync(42, 7, CancellationToken.None)));
        Assert.Equal((int)status, ex.Status);
        Assert.Equal(7, ex.RunId);
        Assert.Single(h.Requests);
    }

    [Fact]
    public async Task A_trigger_is_not_resent_after_a_503_that_may_have_started_a_run()
    {
        var (client, h, time) = Create();
        h.Answer(HttpStatusCode.ServiceUnavailable);
        var ex = await Assert.ThrowsAsync<CxpaApiException>(() => Drive(time, client.TriggerRunAsync(42, null, CancellationToken.None)));
        Assert.Equal(503, ex.Status);
        Assert.Single(h.Requests);
    }

    [Fact]
    public async Task A_trigger_is_retried_on_429_which_started_nothing()
    {
        var (client, h, time) = Create();
        h.Answer(HttpStatusCode.TooManyRequests).Answer(HttpStatusCode.Created, """{"runId":9,"status":"queued"}""");
        var run = await Drive(time, client.TriggerRunAsync(42, null, CancellationToken.None));
        Assert.Equal(9, run.RunId);
        Assert.Equal(2, h.Requests.Count);
    }

    [Fact]
    public async Task A_trigger_is_retried_when_the_connection_was_refused_but_not_when_it_broke()
    {
        var refused = new HttpRequestException("refused", new SocketException((int)SocketError.ConnectionRefused));
        var (client, h, time) = Create();
        h.Throw(refused).Answer(HttpStatusCode.Created, """{"runId":9,"status":"queued"}""");
        Assert.Equal(9, (await Drive(time, client.TriggerRunAsync(42, null, CancellationToken.None))).RunId);
        Assert.Equal(2, h.Requests.Count);

        var reset = new HttpRequestException("reset", new IOException("connection reset by peer"));
        var (client2, h2, time2) = Create();
        h2.Throw(reset);
        await Assert.ThrowsAsync<CxpaOutcomeUnknownException>(() => Drive(time2, client2.TriggerRunAsync(42, null, CancellationToken.None)));
        Assert.Single(h2.Requests);
    }

    [Fact]
    public async Task Retry_After_sets_the_delay_before_the_next_attempt()
    {
        var (client, h, time) = Create();
        h.Answer(HttpStatusCode.ServiceUnavailable, null, r => r.Headers.RetryAfter = new RetryConditionHeaderValue(TimeSpan.FromSeconds(7)))
         .Answer(HttpStatusCode.OK, RunRow);
        await Drive(time, client.GetRunAsync(42, 7, CancellationToken.None));
        Assert.Equal(2, h.Requests.Count);
        // At least the 7 s asked for (the first backoff step alone would be about 1 s).
        Assert.InRange(h.Requests[1].At - h.Requests[0].At, TimeSpan.FromSeconds(7), TimeSpan.FromSeconds(30));
    }

    [Fact]
    public async Task A_Retry_After_longer_than_the_maximum_ends_the_retries()
    {
        var (client, h, time) = Create(o => o.MaximumRetryAfter = TimeSpan.FromSeconds(60));
        h.Answer(HttpStatusCode.ServiceUnavailable, null, r => r.Headers.RetryAfter = new RetryConditionHeaderValue(TimeSpan.FromSeconds(120)));
        var ex = await Assert.ThrowsAsync<CxpaApiException>(() => Drive(time, client.GetRunAsync(42, 7, CancellationToken.None)));
        Assert.Equal(TimeSpan.FromSeconds(120), ex.RetryAfter);
        Assert.Single(h.Requests);
    }

    [Fact]
    public async Task A_Retry_After_past_the_deadline_ends_the_retries()
    {
        var (client, h, time) = Create();
        client.Options.Deadline = WaitDeadline.At(time.GetUtcNow().AddSeconds(5), time);
        h.Answer(HttpStatusCode.ServiceUnavailable, null, r => r.Headers.RetryAfter = new RetryConditionHeaderValue(TimeSpan.FromSeconds(10)));
        await Assert.ThrowsAsync<CxpaApiException>(() => Drive(time, client.GetRunAsync(42, 7, CancellationToken.None)));
        Assert.Single(h.Requests);
    }

    [Fact]
    public async Task Retries_stop_at_the_maximum_count()
    {
        var (client, h, time) = Create(o => o.MaximumRetryCount = 2);
        for (int i = 0; i < 3; i++) h.Answer(HttpStatusCode.BadGateway);
        var ex = await Assert.ThrowsAsync<CxpaApiException>(() => Drive(time, client.GetRunAsync(42, 7, CancellationToken.None)));
        Assert.Equal(502, ex.Status);
        Assert.Equal(3, h.Requests.Count);
    }

    [Fact]
    public async Task No_answer_within_the_request_timeout_is_a_timeout_on_the_fake_clock()
    {
        var (client, h, time) = Create(o => { o.RequestTimeout = TimeSpan.FromSeconds(100); o.MaximumRetryCount = 0; });
        h.Never();
        var ex = await Assert.ThrowsAsync<CxpaTimeoutException>(() => Drive(time, client.GetRunAsync(42, 7, CancellationToken.None)));
        Assert.Equal(7, ex.RunId);
        Assert.Contains("100 s", ex.Message);
        Assert.Equal(TimeSpan.FromSeconds(100), h.CancelledAt - h.Requests[0].At);
    }

    [Fact]
    public async Task The_deadline_ends_a_call_that_is_still_waiting()
    {
        var (client, h, time) = Create(o => o.MaximumRetryCount = 0);
        client.Options.Deadline = WaitDeadline.At(time.GetUtcNow().AddSeconds(30), time);
        h.Never();
        var ex = await Assert.ThrowsAsync<CxpaTimeoutException>(() => Drive(time, client.GetRunAsync(42, 7, CancellationToken.None)));
        Assert.Contains("did not finish within the time allowed", ex.Message);
        Assert.Equal(TimeSpan.FromSeconds(30), h.CancelledAt - h.Requests[0].At);
    }

    [Fact]
    public async Task Every_request_carries_the_key_as_a_bearer_token_and_asks_for_JSON()
    {
        var (client, h, time) = Create();
        h.Answer(HttpStatusCode.OK, RunRow);
        await Drive(time, client.GetRunAsync(42, 7, CancellationToken.None));
        var headers = h.Requests[0].Message.Headers;
        Assert.Equal("Bearer", headers.Authorization!.Scheme);
        Assert.Equal("cxpa_test_key", headers.Authorization.Parameter);
        Assert.Contains(headers.Accept, a => a.MediaType == "application/json");
        Assert.StartsWith("Cxpa-PowerShell/", headers.UserAgent.ToString());
    }

    [Fact]
    public async Task A_redirect_is_an_error_and_is_not_followed()
    {
        var (client, h, time) = Create();
        h.Answer(HttpStatusCode.Found, null, r => r.Headers.Location = new Uri("https://elsewhere.test/steal"));
        var ex = await Assert.ThrowsAsync<CxpaApiException>(() => Drive(time, client.GetRunAsync(42, 7, CancellationToken.None)));
        Assert.Equal(302, ex.Status);
        Assert.Contains("https://elsewhere.test", ex.Message);
        Assert.DoesNotContain("/steal", ex.Message);
        Assert.Single(h.Requests);
    }

    [Fact]
    public async Task The_wait_schedule_backs_off_from_250_ms_to_5_s_on_the_fake_clock()
    {
        var (client, h, time) = Create();
        for (int i = 0; i < 12; i++) h.Answer(HttpStatusCode.OK, RunRow);
        h.Answer(HttpStatusCode.OK, """{"id":7,"agent_id":42,"status":"completed"}""");
        var waiter = new Cxpa.Engine.Runs.RunWaiter(client, new[] { new Run { RunId = 7, AgentId = 42, Status = "running" } });
        var done = await Drive(time, waiter.NextAsync(CancellationToken.None));
        Assert.Equal("completed", Assert.Single(done).Status);
        var gaps = h.Requests.Zip(h.Requests.Skip(1), (a, b) => (b.At - a.At).TotalMilliseconds).ToList();
        Assert.Equal(12, gaps.Count);
        // 250 ms, × 1.5 each round, capped at 5 s: 250, 375, 562.5, 843.75, ... 5000.
        var expected = Enumerable.Range(0, 12).Select(i => Math.Min(250 * Math.Pow(1.5, i), 5000)).ToList();
        for (int i = 0; i < 12; i++) Assert.True(gaps[i] >= expected[i] - 1, $"gap {i}: {gaps[i]} ms < {expected[i]} ms ({string.Join(", ", gaps)})");
        // Uncapped, the last gap would be 250 × 1.5^11 ≈ 21.6 s.
        Assert.InRange(gaps[^1], 5000, 8000);
    }
}
