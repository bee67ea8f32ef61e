using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Text;
using Cxpa.Engine.Http;
using Cxpa.Engine.Time;
using Cxpa.Engine.Tests.Support;
using Microsoft.Extensions.Time.Testing;
using Xunit;
using static Cxpa.Engine.Tests.Support.MutHttpDrive;

namespace Cxpa.Engine.Tests.Http;

/// <summary>
/// The HTTP core (CxpaTransport and its policies) driven directly through the transport seam on a fake clock: which statuses and failures are
/// retried for each retry mode, Retry-After and the backoff schedule, timeouts, the answer budget, the errors built from
/// an answer or a failure, the headers sent and the log lines written. No socket, no sleep.
/// </summary>
public sealed class MutHttpCoreTests
{
    private const string Path = "api/things/7";

    private sealed class Rig
    {
        public readonly FakeTimeProvider Time = new(Start);
        public readonly MockTransport Handler;
        public readonly MutHttpLog Log = new();
        public readonly CxpaCallOptions Options;
        public CxpaEndpoint Endpoint = new(new Uri("https://cxpa.test/"), CxpaAuthKind.IngestApiKey, Secret.FromString("cxpa_test_key"));

        public Rig(Action<CxpaCallOptions>? configure = null)
        {
            Handler = new MockTransport(Time);
            Options = new CxpaCallOptions { Handler = Handler, TimeProvider = Time, Log = Log, RequestTimeout = TimeSpan.FromHours(1), ReadTimeout = TimeSpan.FromHours(1) };
            configure?.Invoke(Options);
        }

        public Task<HttpResponseMessage> Send(TestRequest req, CancellationToken ct = default)
            => Drive(Time, CxpaTransport.For(Options.Handler!).SendAsync(Endpoint, Options, req, ct));

        public async Task<T> Fails<T>(TestRequest req, CancellationToken ct = default) where T : Exception
            => await Assert.ThrowsAsync<T>(() => Send(req, ct));

        public TimeSpan Gap(int i) => Handler.Requests[i + 1].At - Handler.Requests[i].At;
    }

    private static TestRequest Get(RetryMode retry = RetryMode.Idempotent, long? runId = 7)
        => new() { Method = HttpMethod.Get, Path = Path, Retry = retry, RunId = runId };

    private static TestRequest Post(string path, RetryMode retry = RetryMode.UntilReached, long? runId = null)
        => new() { Method = HttpMethod.Post, Path = path, Retry = retry, RunId = runId, HasBody = true, Body = new Dictionary<string, object?> { ["a"] = 1 } };

    private static HttpRequestException Reset() => new("reset", new IOException("connection reset by peer"));
    private static HttpRequestException Refused(SocketError error = SocketError.ConnectionRefused) => new("refused", new SocketException((int)error));
    private static Action<HttpResponseMessage> RetryAfter(int seconds) => r => r.Headers.RetryAfter = new RetryConditionHeaderValue(TimeSpan.FromSeconds(seconds));

    // ---- which answers are retried

    [Theory]
    [InlineData(RetryMode.Idempotent, 408, true)]
    [InlineData(RetryMode.Idempotent, 429, true)]
    [InlineData(RetryMode.Idempotent, 502, true)]
    [InlineData(RetryMode.Idempotent, 503, true)]
    [InlineData(RetryMode.Idempotent, 504, true)]
    [InlineData(RetryMode.Idempotent, 500, true)]
    [InlineData(RetryMode.UntilReached, 500, false)]
    [InlineData(RetryMode.Idempotent, 501, false)]
    [InlineData(RetryMode.Idempotent, 505, false)]
    [InlineData(RetryMode.Idempotent, 400, false)]
    [InlineData(RetryMode.Idempotent, 409, false)]
    [InlineData(RetryMode.UntilReached, 429, true)]
    [InlineData(RetryMode.UntilReached, 408, false)]
    [InlineData(RetryMode.UntilReached, 502, false)]
    [InlineData(RetryMode.UntilReached, 503, false)]
    [InlineData(RetryMode.UntilReached, 504, false)]
    [InlineData(RetryMode.Never, 429, false)]
    [InlineData(RetryMode.Never, 503, false)]
    public async Task A_status_is_retried_only_where_the_retry_mode_allows(RetryMode mode, int status, bool retried)
    {
        var rig = new Rig();
        rig.Handler.Answer((HttpStatusCode)status, """{"error":"busy"}""").Answer(HttpStatusCode.OK, "{}");
        var req = Get(mode);
        if (retried)
        {
            using var resp = await rig.Send(req);
            Assert.Equal(HttpStatusCode.OK, resp.StatusCode);
            Assert.Equal(2, rig.Handler.Requests.Count);
        }
        else
        {
            var ex = await rig.Fails<CxpaApiException>(req);
            Assert.Equal(status, ex.Status);
            Assert.Single(rig.Handler.Requests);
        }
    }

    [Theory]
    [InlineData(RetryMode.Idempotent, "reset", true)]
    [InlineData(RetryMode.Idempotent, "refused", true)]
    [InlineData(RetryMode.Idempotent, "hostnotfound", true)]
    [InlineData(RetryMode.UntilReached, "refused", true)]
    [InlineData(RetryMode.UntilReached, "hostnotfound", true)]
    [InlineData(RetryMode.UntilReached, "otherSocket", false)]
    [InlineData(RetryMode.Never, "refused", false)]
    [InlineData(RetryMode.Never, "reset", false)]
    public async Task A_connection_failure_is_retried_only_where_the_retry_mode_allows(RetryMode mode, string failure, bool retried)
    {
        var rig = new Rig();
        rig.Handler.Throw(failure switch
        {
            "reset" => Reset(),
            "refused" => Refused(),
            "hostnotfound" => Refused(SocketError.HostNotFound),
            _ => Refused(SocketError.ConnectionReset),
        }).Answer(HttpStatusCode.OK, "{}");
        if (retried)
        {
            using var resp = await rig.Send(Get(mode));
            Assert.Equal(2, rig.Handler.Requests.Count);
        }
        else
        {
            var ex = await Assert.ThrowsAnyAsync<CxpaConnectionException>(() => rig.Send(Get(mode)));
            // A reset may have reached the server: for a request not safe to repeat that is OutcomeUnknown.
            Assert.Equal(mode == RetryMode.UntilReached, ex is CxpaOutcomeUnknownException);
            Assert.Single(rig.Handler.Requests);
        }
    }

    [Fact]
    public async Task A_read_with_no_answer_in_time_is_retried()
    {
        var rig = new Rig(o => o.RequestTimeout = TimeSpan.FromSeconds(10));
        rig.Handler.Never().Answer(HttpStatusCode.OK, "{}");
        using var resp = await rig.Send(Get());
        Assert.Equal(2, rig.Handler.Requests.Count);
        Assert.True(rig.Gap(0) >= TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task A_request_never_retried_with_no_answer_in_time_is_a_timeout_sent_once()
    {
        var rig = new Rig(o => o.RequestTimeout = TimeSpan.FromSeconds(10));
        rig.Handler.Never().Answer(HttpStatusCode.OK, "{}");
        var ex = await rig.Fails<CxpaTimeoutException>(Get(RetryMode.Never));
        Assert.Equal("GET api/things/7 got no answer within 10 s.", ex.Message);
        Assert.Single(rig.Handler.Requests);
    }

    [Theory]
    [InlineData(RetryMode.Idempotent)]
    [InlineData(RetryMode.UntilReached)]
    public async Task A_failure_that_is_not_a_connection_failure_is_passed_on_unchanged_and_not_retried(RetryMode mode)
    {
        var rig = new Rig();
        var boom = new InvalidOperationException("boom");
        rig.Handler.Throw(boom).Answer(HttpStatusCode.OK, "{}");
        var ex = await rig.Fails<InvalidOperationException>(Get(mode));
        Assert.Same(boom, ex);
        Assert.Single(rig.Handler.Requests);
    }

    [Fact]
    public async Task A_cancellation_not_asked_for_by_the_caller_is_not_retried()
    {
        var rig = new Rig();
        rig.Handler.Throw(new OperationCanceledException("elsewhere")).Answer(HttpStatusCode.OK, "{}");
        await Assert.ThrowsAsync<OperationCanceledException>(() => rig.Send(Get()));
        Assert.Single(rig.Handler.Requests);
    }

    [Theory]
    [InlineData(RetryMode.Idempotent)]
    [InlineData(RetryMode.UntilReached)]
    public async Task The_callers_cancellation_ends_the_call_as_a_cancellation_sent_once(RetryMode mode)
    {
        var rig = new Rig(o => o.RequestTimeout = TimeSpan.FromSeconds(10));
        using var cts = new CancellationTokenSource();
        rig.Handler.Run(async (_, ct) => { cts.Cancel(); await Task.Delay(Timeout.Infinite, ct); return new HttpResponseMessage(HttpStatusCode.OK); })
            .Answer(HttpStatusCode.OK, "{}");
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => rig.Send(Get(mode), cts.Token));
        Assert.Single(rig.Handler.Requests);
    }

    [Fact]
    public async Task No_retries_at_all_when_the_maximum_count_is_zero()
    {
        var rig = new Rig(o => o.MaximumRetryCount = 0);
        rig.Handler.Answer(HttpStatusCode.ServiceUnavailable).Answer(HttpStatusCode.OK, "{}");
        Assert.Equal(503, (await rig.Fails<CxpaApiException>(Get())).Status);
        Assert.Single(rig.Handler.Requests);
    }

    [Fact]
    public async Task Retries_on_the_system_clock_share_a_pipeline_and_still_retry()
    {
        var rig = new Rig(o => { o.TimeProvider = TimeProvider.System; o.RetryInterval = TimeSpan.Zero; o.MaximumRetryCount = 2; });
        for (int round = 0; round < 2; round++)
        {
            rig.Handler.Answer(HttpStatusCode.ServiceUnavailable).Answer(HttpStatusCode.OK, "{}");
            using var resp = await CxpaTransport.For(rig.Options.Handler!).SendAsync(rig.Endpoint, rig.Options, Get(), CancellationToken.None);
            Assert.Equal(HttpStatusCode.OK, resp.StatusCode);
        }
        Assert.Equal(4, rig.Handler.Requests.Count);
    }

    // ---- Retry-After and the backoff

    [Fact]
    public async Task A_Retry_After_of_seconds_is_the_delay_before_the_next_attempt()
    {
        var rig = new Rig(o => o.RetryInterval = TimeSpan.FromHours(1));
        rig.Handler.Answer(HttpStatusCode.TooManyRequests, null, RetryAfter(5)).Answer(HttpStatusCode.OK, "{}");
        using var resp = await rig.Send(Get());
        Assert.InRange(rig.Gap(0), TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task A_Retry_After_of_zero_retries_at_once_whatever_the_interval()
    {
        var rig = new Rig(o => o.RetryInterval = TimeSpan.FromHours(1));
        rig.Handler.Answer(HttpStatusCode.ServiceUnavailable, null, RetryAfter(0)).Answer(HttpStatusCode.OK, "{}");
        using var resp = await rig.Send(Get());
        Assert.True(rig.Gap(0) < TimeSpan.FromSeconds(1), rig.Gap(0).ToString());
    }

    [Fact]
    public async Task A_Retry_After_date_is_the_time_to_wait_until()
    {
        var rig = new Rig(o => o.RetryInterval = TimeSpan.FromHours(1));
        rig.Handler.Answer(HttpStatusCode.ServiceUnavailable, null, r => r.Headers.RetryAfter = new RetryConditionHeaderValue(Start.AddSeconds(20)))
            .Answer(HttpStatusCode.OK, "{}");
        using var resp = await rig.Send(Get());
        Assert.InRange(rig.Gap(0), TimeSpan.FromSeconds(20), TimeSpan.FromSeconds(30));
    }

    [Fact]
    public async Task A_Retry_After_date_in_the_past_retries_at_once()
    {
        var rig = new Rig(o => o.RetryInterval = TimeSpan.FromHours(1));
        rig.Handler.Answer(HttpStatusCode.ServiceUnavailable, null, r => r.Headers.RetryAfter = new RetryConditionHeaderValue(Start.AddSeconds(-30)))
            .Answer(HttpStatusCode.OK, "{}");
        using var resp = await rig.Send(Get());
        Assert.True(rig.Gap(0) < TimeSpan.FromSeconds(1), rig.Gap(0).ToString());
    }

    [Fact]
    public async Task A_Retry_After_equal_to_the_maximum_is_still_honoured()
    {
        var rig = new Rig(o => o.MaximumRetryAfter = TimeSpan.FromSeconds(30));
        rig.Handler.Answer(HttpStatusCode.ServiceUnavailable, null, RetryAfter(30)).Answer(HttpStatusCode.OK, "{}");
        using var resp = await rig.Send(Get());
        Assert.Equal(2, rig.Handler.Requests.Count);
        Assert.True(rig.Gap(0) >= TimeSpan.FromSeconds(30));
    }

    [Fact]
    public async Task A_Retry_After_one_second_over_the_maximum_ends_the_retries()
    {
        var rig = new Rig(o => o.MaximumRetryAfter = TimeSpan.FromSeconds(30));
        rig.Handler.Answer(HttpStatusCode.ServiceUnavailable, null, RetryAfter(31)).Answer(HttpStatusCode.OK, "{}");
        var ex = await rig.Fails<CxpaApiException>(Get());
        Assert.Equal(TimeSpan.FromSeconds(31), ex.RetryAfter);
        Assert.Single(rig.Handler.Requests);
    }

    [Fact]
    public async Task A_Retry_After_ending_exactly_at_the_deadline_is_honoured()
    {
        var rig = new Rig(o => o.Deadline = WaitDeadline.At(Start.AddSeconds(10), o.TimeProvider));
        rig.Handler.Answer(HttpStatusCode.ServiceUnavailable, null, RetryAfter(10)).Answer(HttpStatusCode.OK, "{}");
        using var resp = await rig.Send(Get());
        Assert.Equal(2, rig.Handler.Requests.Count);
    }

    [Fact]
    public async Task A_Retry_After_ending_after_the_deadline_ends_the_retries()
    {
        var rig = new Rig(o => o.Deadline = WaitDeadline.At(Start.AddSeconds(10), o.TimeProvider));
        rig.Handler.Answer(HttpStatusCode.ServiceUnavailable, null, RetryAfter(11)).Answer(HttpStatusCode.OK, "{}");
        var ex = await rig.Fails<CxpaApiException>(Get());
        Assert.Equal(503, ex.Status);
        Assert.Single(rig.Handler.Requests);
    }

    [Fact]
    public async Task A_deadline_alone_does_not_stop_a_retry_without_Retry_After()
    {
        var rig = new Rig(o => { o.Deadline = WaitDeadline.At(Start.AddHours(1), o.TimeProvider); o.RetryInterval = TimeSpan.FromMilliseconds(100); });
        rig.Handler.Answer(HttpStatusCode.ServiceUnavailable).Answer(HttpStatusCode.OK, "{}");
        using var resp = await rig.Send(Get());
        Assert.Equal(2, rig.Handler.Requests.Count);
    }

    [Fact]
    public async Task A_Retry_After_that_is_not_a_delay_or_a_date_falls_back_to_the_backoff()
    {
        var rig = new Rig(o => o.RetryInterval = TimeSpan.FromHours(1));
        rig.Handler.Answer(HttpStatusCode.ServiceUnavailable, null, r => r.Headers.TryAddWithoutValidation("Retry-After", "soon")).Answer(HttpStatusCode.OK, "{}");
        using var resp = await rig.Send(Get());
        Assert.InRange(rig.Gap(0), TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(120));
    }

    [Fact]
    public async Task The_backoff_starts_at_the_interval_and_is_capped_at_60_s()
    {
        // An interval of an hour: each jittered, exponential delay is well over a second, and none is over the 60 s cap.
        var rig = new Rig(o => o.RetryInterval = TimeSpan.FromHours(1));
        rig.Handler.Answer(HttpStatusCode.ServiceUnavailable).Answer(HttpStatusCode.BadGateway).Answer(HttpStatusCode.GatewayTimeout).Answer(HttpStatusCode.OK, "{}");
        using var resp = await rig.Send(Get());
        Assert.Equal(4, rig.Handler.Requests.Count);
        for (int i = 0; i < 3; i++) Assert.InRange(rig.Gap(i), TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(120));
    }

    [Fact]
    public async Task A_zero_interval_retries_almost_at_once()
    {
        var rig = new Rig(o => o.RetryInterval = TimeSpan.Zero);
        rig.Handler.Answer(HttpStatusCode.ServiceUnavailable).Answer(HttpStatusCode.OK, "{}");
        using var resp = await rig.Send(Get());
        Assert.True(rig.Gap(0) < TimeSpan.FromSeconds(1));
    }

    // ---- the errors built from an answer

    private static async Task<CxpaApiException> ErrorOf(HttpStatusCode status, string? body, TestRequest? req = null, Action<HttpResponseMessage>? shape = null, string mediaType = "application/json")
    {
        var rig = new Rig(o => o.MaximumRetryCount = 0);
        rig.Handler.Answer(status, body, shape, mediaType);
        return await rig.Fails<CxpaApiException>(req ?? Get());
    }

    [Fact]
    public async Task An_error_keeps_the_status_code_message_method_path_and_run()
    {
        var ex = await ErrorOf(HttpStatusCode.NotFound, """{"error":"No such run.","code":"not_found"}""");
        Assert.Equal("GET api/things/7 failed: 404 Not Found (not_found): No such run. Run id: 7.", ex.Message);
        Assert.Equal(404, ex.Status);
        Assert.Equal("not_found", ex.Code);
        Assert.Equal("No such run.", ex.ServerMessage);
        Assert.Equal("GET", ex.Method);
        Assert.Equal(Path, ex.Path);
        Assert.Equal(7, ex.RunId);
        Assert.Null(ex.Details);
        Assert.Null(ex.RetryAfter);
    }

    [Fact]
    public async Task An_error_reads_message_when_there_is_no_error_field()
    {
        var ex = await ErrorOf(HttpStatusCode.BadRequest, """{"message":"Bad input"}""", Get(runId: null));
        Assert.Equal("GET api/things/7 failed: 400 Bad Request: Bad input.", ex.Message);
        Assert.Equal("Bad input", ex.ServerMessage);
        Assert.Null(ex.Code);
        Assert.Null(ex.RunId);
    }

    [Fact]
    public async Task An_error_field_wins_over_a_message_field()
    {
        var ex = await ErrorOf(HttpStatusCode.Conflict, """{"error":{"message":"first"},"message":"second"}""");
        Assert.Equal("first", ex.ServerMessage);
    }

    [Fact]
    public async Task An_error_object_without_a_message_ends_with_a_full_stop()
    {
        var ex = await ErrorOf(HttpStatusCode.InternalServerError, """{"ok":false}""", Get(runId: null));
        Assert.Equal("GET api/things/7 failed: 500 Internal Server Error.", ex.Message);
    }

    [Fact]
    public async Task An_error_names_its_details()
    {
        var ex = await ErrorOf(HttpStatusCode.UnprocessableEntity, """{"error":"invalid","details":{"name":"required","size":[1,2]}}""", Get(runId: null));
        Assert.Equal("GET api/things/7 failed: 422 Unprocessable Entity: invalid. Details: name: required; size: [1,2];", ex.Message);
        var details = Assert.IsAssignableFrom<IDictionary<string, object?>>(ex.Details);
        Assert.Equal("required", details["name"]);
    }

    [Theory]
    [InlineData("""{"error":"invalid","details":{}}""", true)]
    [InlineData("""{"error":"invalid","details":null}""", false)]
    [InlineData("""{"error":"invalid","details":["a"]}""", true)]
    public async Task Empty_null_or_listed_details_add_no_details_text(string body, bool kept)
    {
        var ex = await ErrorOf(HttpStatusCode.UnprocessableEntity, body, Get(runId: null));
        Assert.Equal("GET api/things/7 failed: 422 Unprocessable Entity: invalid.", ex.Message);
        Assert.Equal(kept, ex.Details != null);
    }

    [Fact]
    public async Task The_run_id_comes_from_the_body_when_the_request_has_none()
    {
        var ex = await ErrorOf(HttpStatusCode.Conflict, """{"error":"busy","runId":12}""", Get(runId: null));
        Assert.Equal(12, ex.RunId);
        Assert.EndsWith("busy. Run id: 12.", ex.Message);
    }

    [Fact]
    public async Task The_requests_run_id_wins_over_the_body()
    {
        var ex = await ErrorOf(HttpStatusCode.Conflict, """{"error":"busy","runId":12}""");
        Assert.Equal(7, ex.RunId);
        Assert.EndsWith("busy. Run id: 7.", ex.Message);
    }

    [Fact]
    public async Task An_answer_that_is_not_JSON_says_its_content_type()
    {
        var ex = await ErrorOf(HttpStatusCode.BadGateway, "<html>oops</html>", Get(RetryMode.Never, null), mediaType: "text/html");
        Assert.Equal("GET api/things/7 failed: 502 Bad Gateway: the answer was not JSON (text/html).", ex.Message);
        Assert.Null(ex.ServerMessage);
    }

    [Fact]
    public async Task An_answer_that_is_not_JSON_and_has_no_content_type_says_so()
    {
        var ex = await ErrorOf(HttpStatusCode.InternalServerError, null, Get(runId: null), r => r.Content = new ByteArrayContent(Encoding.UTF8.GetBytes("oops")));
        Assert.Equal("GET api/things/7 failed: 500 Internal Server Error: the answer was not JSON (no content type).", ex.Message);
    }

    [Fact]
    public async Task A_JSON_value_that_is_not_an_object_is_not_read_as_an_error()
    {
        var ex = await ErrorOf(HttpStatusCode.InternalServerError, """["error"]""", Get(runId: null));
        Assert.Equal("GET api/things/7 failed: 500 Internal Server Error: the answer was not JSON (application/json).", ex.Message);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("  \n ")]
    public async Task An_answer_with_no_body_says_so(string? body)
    {
        var ex = await ErrorOf(HttpStatusCode.BadRequest, body, Get(runId: null));
        Assert.Equal("GET api/things/7 failed: 400 Bad Request: the answer had no body.", ex.Message);
    }

    [Fact]
    public async Task An_error_body_is_read_up_to_64_KiB_only()
    {
        var big = "{\"error\":\"" + new string('x', 70 * 1024) + "\"}";
        var ex = await ErrorOf(HttpStatusCode.BadRequest, big, Get(runId: null));
        Assert.EndsWith("the answer was not JSON (application/json).", ex.Message);
        Assert.Null(ex.ServerMessage);
    }

    [Fact]
    public async Task An_error_body_just_under_64_KiB_is_read_whole()
    {
        var body = "{\"error\":\"" + new string('x', 60 * 1024) + "\"}";
        var ex = await ErrorOf(HttpStatusCode.BadRequest, body, Get(runId: null));
        Assert.Equal(60 * 1024, ex.ServerMessage!.Length);
    }

    [Fact]
    public async Task An_error_body_that_breaks_off_leaves_an_error_without_a_body()
    {
        var rig = new Rig(o => o.MaximumRetryCount = 0);
        rig.Handler.Body(HttpStatusCode.InternalServerError, new MutHttpBody("cut"));
        var ex = await rig.Fails<CxpaApiException>(Get(runId: null));
        Assert.Equal("GET api/things/7 failed: 500 Internal Server Error: the answer had no body.", ex.Message);
    }

    [Fact]
    public async Task An_error_body_that_stalls_is_given_up_after_the_read_timeout()
    {
        // The body moves the fake clock itself, a second at a time, until the read is cancelled: the time it gave up is exact.
        var rig = new Rig(o => { o.MaximumRetryCount = 0; o.ReadTimeout = TimeSpan.FromSeconds(3); });
        rig.Handler.Body(HttpStatusCode.InternalServerError, new ClockStall(rig.Time));
        var ex = await Assert.ThrowsAsync<CxpaApiException>(() => CxpaTransport.For(rig.Options.Handler!).SendAsync(rig.Endpoint, rig.Options, Get(runId: null), default));
        Assert.Equal(500, ex.Status);
        Assert.EndsWith("the answer had no body.", ex.Message);
        Assert.Equal(TimeSpan.FromSeconds(3), rig.Time.GetUtcNow() - Start);
    }

    /// <summary>A body that hands out nothing while the fake clock moves a second a read attempt, until it is cancelled (or 10 min pass).</summary>
    private sealed class ClockStall(FakeTimeProvider time) : ReadOnlyBody
    {
        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken ct)
        {
            for (int i = 0; i < 600 && !ct.IsCancellationRequested; i++) time.Advance(TimeSpan.FromSeconds(1));
            ct.ThrowIfCancellationRequested();
            return Task.FromResult(0);
        }
    }

    [Fact]
    public async Task The_callers_cancellation_while_an_error_body_is_read_is_a_cancellation()
    {
        var rig = new Rig(o => o.MaximumRetryCount = 0);
        using var cts = new CancellationTokenSource();
        rig.Handler.Run((_, _) =>
        {
            var r = new HttpResponseMessage(HttpStatusCode.InternalServerError) { Content = new StreamContent(new MutHttpBody("stall")) };
            cts.Cancel();
            return Task.FromResult(r);
        });
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => rig.Send(Get(), cts.Token));
    }

    [Theory]
    [InlineData(HttpStatusCode.MultipleChoices)]
    [InlineData(HttpStatusCode.MovedPermanently)]
    [InlineData((HttpStatusCode)399)]
    public async Task A_redirect_without_a_location_says_elsewhere(HttpStatusCode status)
    {
        var ex = await ErrorOf(status, null, Get(runId: null));
        Assert.EndsWith(": the platform answered with a redirect to elsewhere, which is not followed with credentials.", ex.Message);
        Assert.Equal((int)status, ex.Status);
    }

    [Fact]
    public async Task A_redirect_with_a_server_message_says_the_message()
    {
        var ex = await ErrorOf(HttpStatusCode.TemporaryRedirect, """{"error":"moved"}""", Get(runId: null), r => r.Headers.Location = new Uri("https://other.test/x"));
        Assert.Equal("GET api/things/7 failed: 307 Temporary Redirect: moved.", ex.Message);
    }

    [Theory]
    [InlineData(199)]
    [InlineData(300)]
    public async Task A_status_outside_2xx_is_an_error(int status)
    {
        var rig = new Rig(o => o.MaximumRetryCount = 0);
        rig.Handler.Answer((HttpStatusCode)status, "{}");
        Assert.Equal(status, (await rig.Fails<CxpaApiException>(Get())).Status);
    }

    [Theory]
    [InlineData(200)]
    [InlineData(299)]
    public async Task A_2xx_status_is_an_answer(int status)
    {
        var rig = new Rig();
        rig.Handler.Answer((HttpStatusCode)status, "{}");
        using var resp = await rig.Send(Get());
        Assert.Equal(status, (int)resp.StatusCode);
    }

    [Fact]
    public async Task An_error_tells_its_Retry_After_rounded_up()
    {
        var rig = new Rig(o => o.MaximumRetryCount = 0);
        rig.Time.Advance(TimeSpan.FromMilliseconds(500));
        rig.Handler.Answer(HttpStatusCode.ServiceUnavailable, null, r => r.Headers.RetryAfter = new RetryConditionHeaderValue(Start.AddSeconds(10)));
        var ex = await rig.Fails<CxpaApiException>(Get(runId: null));
        Assert.Equal(TimeSpan.FromSeconds(9.5), ex.RetryAfter);
        Assert.Equal("GET api/things/7 failed: 503 Service Unavailable: the answer had no body. Retry after 10 s.", ex.Message);
    }

    [Fact]
    public async Task A_Retry_After_in_the_past_or_negative_is_zero()
    {
        var past = await ErrorOf(HttpStatusCode.TooManyRequests, null, Get(RetryMode.Never), r => r.Headers.RetryAfter = new RetryConditionHeaderValue(Start.AddSeconds(-30)));
        Assert.Equal(TimeSpan.Zero, past.RetryAfter);
        Assert.EndsWith(" Run id: 7. Retry after 0 s.", past.Message);
        var negative = await ErrorOf(HttpStatusCode.TooManyRequests, null, Get(RetryMode.Never), r => r.Headers.RetryAfter = new RetryConditionHeaderValue(TimeSpan.FromSeconds(-5)));
        Assert.Equal(TimeSpan.Zero, negative.RetryAfter);
    }

    // ---- failures of the connection

    [Fact]
    public async Task A_connection_failure_names_the_host_and_port_and_the_cause()
    {
        var rig = new Rig(o => o.MaximumRetryCount = 0);
        rig.Endpoint = new CxpaEndpoint(new Uri("https://cxpa.test:8443/"), CxpaAuthKind.IngestApiKey, Secret.FromString("cxpa_test_key"));
        rig.Handler.Throw(Reset());
        var ex = await rig.Fails<CxpaConnectionException>(Get());
        Assert.Equal("GET api/things/7 could not reach cxpa.test:8443: connection reset by peer", ex.Message);
        Assert.Equal(7, ex.RunId);
        Assert.IsType<HttpRequestException>(ex.InnerException);
    }

    [Fact]
    public async Task A_connection_failure_without_a_cause_tells_its_own_message()
    {
        var rig = new Rig(o => o.MaximumRetryCount = 0);
        rig.Handler.Throw(new HttpRequestException("no route"));
        var ex = await rig.Fails<CxpaConnectionException>(Get());
        Assert.Equal("GET api/things/7 could not reach cxpa.test:443: no route", ex.Message);
    }

    [Fact]
    public async Task A_request_not_safe_to_repeat_whose_connection_broke_is_OutcomeUnknown()
    {
        var rig = new Rig();
        rig.Handler.Throw(Reset());
        var ex = await rig.Fails<CxpaOutcomeUnknownException>(Post("api/agents/42/runs"));
        Assert.Equal("POST api/agents/42/runs: the outcome is unknown (the connection to cxpa.test:443 broke: connection reset by peer). The request may have reached the platform and the platform may have started the run; it was not sent again.", ex.Message);
        Assert.Equal("POST", ex.Method);
        Assert.Equal("api/agents/42/runs", ex.Path);
        Assert.Null(ex.RunId);
        Assert.Single(rig.Handler.Requests);
    }

    [Fact]
    public async Task An_event_not_safe_to_repeat_with_no_answer_in_time_is_OutcomeUnknown_naming_the_run()
    {
        var rig = new Rig(o => o.RequestTimeout = TimeSpan.FromSeconds(10));
        rig.Handler.Never();
        var req = Post("api/runs/5/callback", runId: 5);
        req.Effect = OperationEffect.SendsEvent;
        var ex = await rig.Fails<CxpaOutcomeUnknownException>(req);
        Assert.Equal("POST api/runs/5/callback: the outcome is unknown (POST api/runs/5/callback got no answer within 10 s). The request may have reached the platform and the platform may have recorded the event; it was not sent again. Run id: 5.", ex.Message);
        Assert.Equal(5, ex.RunId);
        Assert.IsType<CxpaTimeoutException>(ex.InnerException);
    }

    [Fact]
    public async Task A_request_never_retried_whose_connection_broke_is_a_plain_connection_failure()
    {
        var rig = new Rig();
        rig.Handler.Throw(Reset());
        var ex = await rig.Fails<CxpaConnectionException>(Post("api/x", RetryMode.Never));
        Assert.IsNotType<CxpaOutcomeUnknownException>(ex);
    }

    [Fact]
    public async Task A_failed_TLS_handshake_never_reached_the_server_and_is_not_retried_for_a_trigger()
    {
        var rig = new Rig();
        rig.Handler.Throw(new HttpRequestException("tls", new AuthenticationException("bad certificate")));
        var ex = await rig.Fails<CxpaConnectionException>(Post("api/agents/42/runs"));
        Assert.IsNotType<CxpaOutcomeUnknownException>(ex);
        Assert.Equal("POST api/agents/42/runs could not reach cxpa.test:443: bad certificate", ex.Message);
        Assert.Single(rig.Handler.Requests);
    }

    [Theory]
    [InlineData("timeout", true)]
    [InlineData("reset", true)]
    [InlineData("io", true)]
    [InlineData("refused", false)]
    [InlineData("hostnotfound", false)]
    [InlineData("tls", false)]
    [InlineData("tlsdeep", false)]
    [InlineData("other", false)]
    public void Whether_a_failure_may_have_reached_the_server(string failure, bool reached)
    {
        Exception ex = failure switch
        {
            "timeout" => new CxpaTimeoutException("late"),
            "reset" => Reset(),
            "io" => new IOException("broken pipe"),
            "refused" => new HttpRequestException("x", new IOException("y", new SocketException((int)SocketError.ConnectionRefused))),
            "hostnotfound" => new IOException("x", new SocketException((int)SocketError.HostNotFound)),
            "tls" => new AuthenticationException("bad"),
            "tlsdeep" => new HttpRequestException("x", new IOException("y", new AuthenticationException("bad"))),
            _ => new InvalidOperationException("x"),
        };
        Assert.Equal(reached, RetryClassifier.MayHaveReached(ex));
    }

    [Fact]
    public void Only_a_refused_connection_or_an_unknown_host_is_a_refusal()
    {
        Assert.True(RetryClassifier.IsConnectionRefused(new SocketException((int)SocketError.ConnectionRefused)));
        Assert.True(RetryClassifier.IsConnectionRefused(new Exception("a", new Exception("b", new SocketException((int)SocketError.HostNotFound)))));
        Assert.False(RetryClassifier.IsConnectionRefused(new SocketException((int)SocketError.ConnectionReset)));
        Assert.False(RetryClassifier.IsConnectionRefused(new IOException("x")));
    }

    [Fact]
    public void OutcomeUnknown_of_an_IO_failure_trims_its_full_stop()
    {
        var req = Post("api/x", runId: 3);
        var ex = RetryClassifier.OutcomeUnknown(req, "the platform", new IOException("pipe broke."));
        Assert.Equal("POST api/x: the outcome is unknown (the connection to the platform broke: pipe broke). The request may have reached the platform and the platform may have started the run; it was not sent again. Run id: 3.", ex.Message);
        Assert.Equal(3, ex.RunId);
        var ex2 = RetryClassifier.OutcomeUnknown(req, "h:1", new HttpRequestException("outer only."));
        Assert.Contains("(the connection to h:1 broke: outer only)", ex2.Message);
    }

    // ---- timeouts

    [Fact]
    public async Task The_header_time_is_the_request_timeout_plus_the_extra_time_of_a_wait_call()
    {
        var rig = new Rig(o => { o.RequestTimeout = TimeSpan.FromSeconds(10); o.MaximumRetryCount = 0; });
        rig.Handler.Never();
        var req = Get();
        req.ExtraHeaderTime = TimeSpan.FromSeconds(5);
        var ex = await rig.Fails<CxpaTimeoutException>(req);
        Assert.Equal("GET api/things/7 got no answer within 15 s.", ex.Message);
        Assert.Equal(7, ex.RunId);
        Assert.Equal(TimeSpan.FromSeconds(15), rig.Handler.CancelledAt - rig.Handler.Requests[0].At);
    }

    // ---- what is sent

    [Fact]
    public async Task A_request_carries_its_headers_and_its_JSON_body()
    {
        var rig = new Rig();
        rig.Endpoint = new CxpaEndpoint(new Uri("https://cxpa.test/root"), CxpaAuthKind.AgentApiKey, Secret.FromString("agent_key")) { CredentialsToken = Secret.FromString("cred_token") };
        rig.Handler.Answer(HttpStatusCode.OK, "{}");
        var req = Post("api/x", RetryMode.Never);
        req.NoStore = true;
        req.SendsCredentialsToken = true;
        using var resp = await rig.Send(req);
        var seen = Assert.Single(rig.Handler.Requests);
        Assert.Equal(new Uri("https://cxpa.test/root/api/x"), seen.Uri);
        Assert.Equal(HttpMethod.Post, seen.Method);
        var h = seen.Message.Headers;
        Assert.Equal("Bearer agent_key", h.Authorization!.ToString());
        Assert.Equal("application/json", Assert.Single(h.Accept).MediaType);
        Assert.Equal("Cxpa-PowerShell/" + typeof(CxpaTransport).Assembly.GetName().Version!.ToString(3), h.UserAgent.ToString());
        Assert.True(h.CacheControl!.NoStore);
        Assert.Equal("cred_token", Assert.Single(h.GetValues("x-credentials-token")));
        Assert.Equal("""{"a":1}""", Encoding.UTF8.GetString(seen.Body!));
        Assert.Equal("application/json; charset=utf-8", seen.ContentType);
    }

    [Fact]
    public async Task A_request_without_a_body_sends_none_and_asks_for_no_cache_rule()
    {
        var rig = new Rig();
        rig.Handler.Answer(HttpStatusCode.OK, "{}");
        using var resp = await rig.Send(Get());
        var seen = Assert.Single(rig.Handler.Requests);
        Assert.Null(seen.Body);
        Assert.Null(seen.Message.Headers.CacheControl);
        Assert.False(seen.Message.Headers.Contains("X-Cxpa-Credentials-Token"));
    }

    // ---- the log

    [Fact]
    public async Task The_log_tells_each_request_answer_and_retry()
    {
        var rig = new Rig();
        rig.Handler.Answer(HttpStatusCode.ServiceUnavailable, null, RetryAfter(7)).Answer(HttpStatusCode.OK, "{}");
        using var resp = await rig.Send(Get());
        Assert.Equal(5, rig.Log.Lines.Count);
        Assert.Equal("GET https://cxpa.test/api/things/7", rig.Log.Lines[0]);
        Assert.Matches(@"^GET api/things/7 answered 503 Service Unavailable in \d+ ms\.$", rig.Log.Lines[1]);
        Assert.Equal("Retrying GET api/things/7 in 7.0 s (retry 1 of 3): 503 Service Unavailable.", rig.Log.Lines[2]);
        Assert.Equal("GET https://cxpa.test/api/things/7", rig.Log.Lines[3]);
        Assert.Matches(@"^GET api/things/7 answered 200 OK in \d+ ms\.$", rig.Log.Lines[4]);
    }

    [Fact]
    public async Task The_log_tells_the_size_of_a_body_sent()
    {
        var rig = new Rig();
        rig.Handler.Answer(HttpStatusCode.OK, "{}");
        using var resp = await rig.Send(Post("api/x", RetryMode.Never));
        Assert.Equal("POST https://cxpa.test/api/x with a 7-byte JSON body", rig.Log.Lines[0]);
    }

    [Fact]
    public async Task The_log_tells_why_a_failed_connection_is_retried()
    {
        var rig = new Rig(o => { o.RequestTimeout = TimeSpan.FromSeconds(10); o.MaximumRetryCount = 5; });
        rig.Handler.Throw(Reset()).Throw(new HttpRequestException("no route")).Never().Answer(HttpStatusCode.OK, "{}");
        using var resp = await rig.Send(Get());
        var retries = rig.Log.Lines.Where(l => l.StartsWith("Retrying", StringComparison.Ordinal)).ToList();
        Assert.Equal(3, retries.Count);
        Assert.Matches(@"^Retrying GET api/things/7 in \d+\.\d s \(retry 1 of 5\): connection failure: connection reset by peer\.$", retries[0]);
        Assert.EndsWith("(retry 2 of 5): connection failure: no route.", retries[1]);
        Assert.EndsWith("(retry 3 of 5): GET api/things/7 got no answer within 10 s..", retries[2]);
    }

    [Fact]
    public async Task A_quiet_log_gets_no_request_lines()
    {
        var rig = new Rig();
        var quiet = new MutHttpLog(verbose: false);
        rig.Options.Log = quiet;
        rig.Handler.Answer(HttpStatusCode.OK, "{}");
        using var resp = await rig.Send(Get());
        Assert.Empty(quiet.Lines);
    }

    // ---- the answer budget

    [Fact]
    public async Task A_body_of_exactly_the_cap_is_read_and_its_content_headers_kept()
    {
        var rig = new Rig(o => o.MaximumResponseBytes = 9);
        rig.Handler.Answer(HttpStatusCode.OK, """{"a":"b"}""", r => r.Content.Headers.ContentLanguage.Add("en"));
        using var resp = await rig.Send(Get());
        Assert.Equal("""{"a":"b"}""", await resp.Content.ReadAsStringAsync());
        Assert.Equal("application/json", resp.Content.Headers.ContentType!.MediaType);
        Assert.Equal("en", Assert.Single(resp.Content.Headers.ContentLanguage));
        Assert.Equal(9, resp.Content.Headers.ContentLength);
    }

    [Fact]
    public async Task A_body_shorter_than_its_declared_length_is_kept_with_its_true_length()
    {
        var rig = new Rig();
        rig.Handler.Body(HttpStatusCode.OK, new MutHttpBody("text", "{}"), contentLength: 50);
        using var resp = await rig.Send(Get());
        Assert.Equal(2, resp.Content.Headers.ContentLength);
        Assert.Equal("{}", await resp.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task A_body_one_byte_over_the_cap_stops_being_read_right_there()
    {
        var rig = new Rig(o => o.MaximumResponseBytes = 10);
        var body = new MutHttpBody("endless");
        rig.Handler.Body(HttpStatusCode.OK, body);
        var ex = await rig.Fails<CxpaApiException>(Get());
        Assert.Equal("GET api/things/7 answered 200 with a body larger than the 10-byte limit for an answer (it is longer than that); it was not read. Run id: 7.", ex.Message);
        Assert.Equal("response_too_large", ex.Code);
        Assert.Equal("GET", ex.Method);
        Assert.Equal(Path, ex.Path);
        Assert.Equal(7, ex.RunId);
        Assert.Equal(11, body.BytesHandedOut);
        Assert.Single(rig.Handler.Requests);
    }

    [Fact]
    public async Task A_declared_length_over_the_cap_fails_first()
    {
        var rig = new Rig(o => o.MaximumResponseBytes = 10);
        rig.Handler.Body(HttpStatusCode.OK, new MutHttpBody("text", "{}"), contentLength: 11);
        var ex = await rig.Fails<CxpaApiException>(Get(runId: null));
        Assert.Equal("GET api/things/7 answered 200 with a body larger than the 10-byte limit for an answer (it declares 11 bytes); it was not read.", ex.Message);
    }

    [Fact]
    public async Task A_declared_length_equal_to_the_cap_is_read()
    {
        var rig = new Rig(o => o.MaximumResponseBytes = 2);
        rig.Handler.Body(HttpStatusCode.OK, new MutHttpBody("text", "{}"), contentLength: 2);
        using var resp = await rig.Send(Get());
        Assert.Equal("{}", await resp.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task A_body_that_stalls_is_a_read_timeout_and_is_retried_for_a_read()
    {
        var rig = new Rig(o => o.ReadTimeout = TimeSpan.FromSeconds(3));
        rig.Handler.Body(HttpStatusCode.OK, new MutHttpBody("stall")).Answer(HttpStatusCode.OK, "{}");
        using var resp = await rig.Send(Get());
        Assert.Equal(2, rig.Handler.Requests.Count);
        Assert.True(rig.Gap(0) >= TimeSpan.FromSeconds(3));
    }

    [Fact]
    public async Task A_body_that_stalls_tells_the_read_timeout_without_a_run()
    {
        var rig = new Rig(o => { o.ReadTimeout = TimeSpan.FromSeconds(2.5); o.MaximumRetryCount = 0; });
        rig.Handler.Body(HttpStatusCode.OK, new MutHttpBody("stall"));
        var ex = await rig.Fails<CxpaTimeoutException>(Get(runId: null));
        Assert.Equal("GET api/things/7: reading the answer took longer than 2.5 s.", ex.Message);
        Assert.Null(ex.RunId);
    }

    [Fact]
    public async Task A_body_that_breaks_off_is_a_connection_failure()
    {
        var rig = new Rig(o => o.MaximumRetryCount = 0);
        rig.Handler.Body(HttpStatusCode.OK, new MutHttpBody("cut"));
        var ex = await rig.Fails<CxpaConnectionException>(Get());
        Assert.Equal("GET api/things/7 could not reach cxpa.test:443: connection reset by peer", ex.Message);
        Assert.Equal("the connection broke while reading the answer: connection reset by peer", ex.InnerException!.Message);
    }

    // ---- what is let go

    [Fact]
    public async Task Every_answer_body_not_handed_back_is_disposed()
    {
        var retried = new MutHttpBody("text", "{}");
        var buffered = new MutHttpBody("text", "{}");
        var rig = new Rig();
        rig.Handler.Body(HttpStatusCode.ServiceUnavailable, retried).Body(HttpStatusCode.OK, buffered);
        using (var resp = await rig.Send(Get()))
        {
            Assert.True(retried.Disposed);
            Assert.True(buffered.Disposed);
            Assert.Equal("{}", await resp.Content.ReadAsStringAsync());
        }

        var failed = new MutHttpBody("text", "{}");
        var tooLarge = new MutHttpBody("endless");
        var rig2 = new Rig(o => { o.MaximumResponseBytes = 10; o.MaximumRetryCount = 0; });
        rig2.Handler.Body(HttpStatusCode.NotFound, failed).Body(HttpStatusCode.OK, tooLarge);
        await rig2.Fails<CxpaApiException>(Get());
        Assert.True(failed.Disposed);
        await rig2.Fails<CxpaApiException>(Get());
        Assert.True(tooLarge.Disposed);
    }

    [Fact]
    public async Task The_answer_content_is_disposed_once_read_or_refused()
    {
        var read = new MutHttpTrackedContent(new MutHttpBody("text", "{}"));
        var refused = new MutHttpTrackedContent(new MutHttpBody("endless"));
        var rig = new Rig(o => { o.MaximumResponseBytes = 10; o.MaximumRetryCount = 0; });
        rig.Handler.Run((_, _) => Task.FromResult(new HttpResponseMessage(HttpStatusCode.OK) { Content = read }))
            .Run((_, _) => Task.FromResult(new HttpResponseMessage(HttpStatusCode.OK) { Content = refused }));
        using (var resp = await rig.Send(Get()))
        {
            Assert.True(read.Disposed);
            Assert.NotSame(read, resp.Content);
        }
        await rig.Fails<CxpaApiException>(Get());
        Assert.True(refused.Disposed);
    }

    [Fact]
    public async Task A_negative_interval_retries_almost_at_once()
    {
        var rig = new Rig(o => o.RetryInterval = TimeSpan.FromSeconds(-5));
        rig.Handler.Answer(HttpStatusCode.ServiceUnavailable).Answer(HttpStatusCode.OK, "{}");
        using var resp = await rig.Send(Get());
        Assert.Equal(2, rig.Handler.Requests.Count);
        Assert.True(rig.Gap(0) < TimeSpan.FromSeconds(1));
    }

    // ---- streamed answers and ReadJsonAsync

    private static TestRequest Streamed(RetryMode retry = RetryMode.Idempotent, string path = Path)
        => new() { Method = HttpMethod.Get, Path = path, Retry = retry, RunId = 7, StreamResponse = true };

    [Fact]
    public async Task A_streamed_answer_is_handed_back_unread_and_read_within_the_budget_later()
    {
        var rig = new Rig(o => o.MaximumResponseBytes = 10);
        var body = new MutHttpBody("endless");
        rig.Handler.Body(HttpStatusCode.OK, body);
        var req = Streamed();
        using var resp = await rig.Send(req);
        Assert.Equal(0, body.BytesHandedOut);
        var ex = await Assert.ThrowsAsync<CxpaApiException>(() => AnswerBuffer.ReadJsonAsync(resp, req, rig.Options, CancellationToken.None));
        Assert.Equal("response_too_large", ex.Code);
    }

    [Fact]
    public async Task A_streamed_JSON_answer_is_parsed()
    {
        var rig = new Rig();
        rig.Handler.Body(HttpStatusCode.Accepted, new MutHttpBody("text", """{"status":"pending"}"""));
        var req = Streamed();
        using var resp = await rig.Send(req);
        using var doc = await AnswerBuffer.ReadJsonAsync(resp, req, rig.Options, CancellationToken.None);
        Assert.Equal("pending", doc.RootElement.GetProperty("status").GetString());
    }

    [Theory]
    [InlineData(7L, " Run id: 7.")]
    [InlineData(null, "")]
    public async Task An_answer_that_is_not_valid_JSON_is_invalid_response(long? runId, string suffix)
    {
        var rig = new Rig();
        rig.Handler.Answer(HttpStatusCode.OK, "{nope");
        var req = Get(runId: runId);
        using var resp = await rig.Send(req);
        var ex = await Assert.ThrowsAsync<CxpaApiException>(() => AnswerBuffer.ReadJsonAsync(resp, req, rig.Options, CancellationToken.None));
        Assert.Equal("GET api/things/7 answered 200 with a body that is not valid JSON." + suffix, ex.Message);
        Assert.Equal("invalid_response", ex.Code);
        Assert.Equal(200, ex.Status);
        Assert.Equal(runId, ex.RunId);
        Assert.Equal(Path, ex.Path);
        Assert.IsAssignableFrom<System.Text.Json.JsonException>(ex.InnerException);
    }

    [Theory]
    [InlineData(7L, " Run id: 7.")]
    [InlineData(null, "")]
    public async Task An_answer_that_is_not_an_object_is_invalid_response(long? runId, string suffix)
    {
        var rig = new Rig();
        rig.Handler.Answer(HttpStatusCode.Created, "true");
        var req = Get(runId: runId);
        using var resp = await rig.Send(req);
        var ex = await Assert.ThrowsAsync<CxpaApiException>(() => AnswerBuffer.ReadJsonAsync(resp, req, rig.Options, CancellationToken.None));
        Assert.Equal("GET api/things/7 answered 201 with a JSON true where an object was expected." + suffix, ex.Message);
        Assert.Equal(201, ex.Status);
        Assert.Equal("invalid_response", ex.Code);
        Assert.Equal(runId, ex.RunId);
    }

    [Fact]
    public async Task A_streamed_answer_that_breaks_off_is_a_connection_failure_for_a_read()
    {
        var rig = new Rig();
        rig.Handler.Body(HttpStatusCode.OK, new MutHttpBody("cut"));
        var req = Streamed();
        using var resp = await rig.Send(req);
        var ex = await Assert.ThrowsAsync<CxpaConnectionException>(() => AnswerBuffer.ReadJsonAsync(resp, req, rig.Options, CancellationToken.None));
        Assert.Equal("GET api/things/7: the connection broke while reading the answer: connection reset by peer", ex.Message);
        Assert.Equal(7, ex.RunId);
        Assert.IsNotType<CxpaOutcomeUnknownException>(ex);
    }

    [Fact]
    public async Task A_streamed_answer_that_breaks_off_is_OutcomeUnknown_for_a_request_not_safe_to_repeat()
    {
        var rig = new Rig();
        rig.Handler.Body(HttpStatusCode.OK, new MutHttpBody("cut"));
        var req = Streamed(RetryMode.UntilReached, "api/runs/7/callback");
        req.Effect = OperationEffect.SendsEvent;
        using var resp = await rig.Send(req);
        var ex = await Assert.ThrowsAsync<CxpaOutcomeUnknownException>(() => AnswerBuffer.ReadJsonAsync(resp, req, rig.Options, CancellationToken.None));
        Assert.StartsWith("GET api/runs/7/callback: the outcome is unknown (the connection to the platform broke: connection reset by peer).", ex.Message);
        Assert.Contains("may have recorded the event", ex.Message);
    }

    [Theory]
    [InlineData(RetryMode.Idempotent)]
    [InlineData(RetryMode.UntilReached)]
    public async Task A_streamed_answer_that_stalls_is_a_timeout_or_OutcomeUnknown(RetryMode mode)
    {
        var rig = new Rig(o => o.ReadTimeout = TimeSpan.FromSeconds(3));
        rig.Handler.Body(HttpStatusCode.OK, new MutHttpBody("stall"));
        var req = Streamed(mode);
        using var resp = await rig.Send(req);
        var ex = await Assert.ThrowsAnyAsync<CxpaException>(() => Drive(rig.Time, AnswerBuffer.ReadJsonAsync(resp, req, rig.Options, CancellationToken.None)));
        if (mode == RetryMode.UntilReached) Assert.IsType<CxpaTimeoutException>(Assert.IsType<CxpaOutcomeUnknownException>(ex).InnerException);
        else Assert.Equal("GET api/things/7: reading the answer took longer than 3 s. Run id: 7.", Assert.IsType<CxpaTimeoutException>(ex).Message);
    }

    // ---- the clock

    [Fact]
    public async Task A_timer_that_fires_after_its_source_was_disposed_does_nothing()
    {
        var time = new FakeTimeProvider(Start);
        var cts = Clock.CancelAfter(time, CancellationToken.None, TimeSpan.FromSeconds(1));
        var token = cts.Token;
        cts.Dispose();
        time.Advance(TimeSpan.FromSeconds(2));
        Assert.False(token.IsCancellationRequested);
        var live = Clock.CancelAfter(time, CancellationToken.None, TimeSpan.FromSeconds(1));
        time.Advance(TimeSpan.FromMilliseconds(999));
        Assert.False(live.IsCancellationRequested);
        time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.True(live.IsCancellationRequested);
        var delay = Clock.Delay(time, TimeSpan.FromSeconds(1), CancellationToken.None);
        time.Advance(TimeSpan.FromMilliseconds(999));
        Assert.False(delay.IsCompleted);
        time.Advance(TimeSpan.FromMilliseconds(1));
        await delay;
    }

    [Fact]
    public void The_callers_token_cancels_the_clocks_source()
    {
        using var outer = new CancellationTokenSource();
        using var cts = Clock.CancelAfter(TimeProvider.System, outer.Token, TimeSpan.FromHours(1));
        Assert.False(cts.IsCancellationRequested);
        outer.Cancel();
        Assert.True(cts.IsCancellationRequested);
        Assert.True(Clock.Delay(TimeProvider.System, TimeSpan.Zero, CancellationToken.None).IsCompleted);
    }
}
