using System.Net;
using System.Net.Http.Headers;
using Cxpa.Engine.Downloads;
using Cxpa.Engine.Http;
using Cxpa.Engine.Models;
using Cxpa.Engine.Operations;
using Cxpa.Engine.Tests.Support;
using Xunit;

namespace Cxpa.Engine.Tests.Operations;

/// <summary>
/// What each operation makes of the platform's answer, sent through the client over the tests' one HTTP fake: register,
/// ingest, run events, credentials, trigger-and-wait, trigger-and-download and the raw REST call; the answers a reader
/// refuses; the path rules of the REST call; and the purpose a refused key kind names.
/// </summary>
public sealed class AnswerReaderTests
{
    private static readonly Uri Base = new("https://cxpa.test/");
    private static readonly DateTimeOffset Now = new(2026, 12, 4, 12, 0, 0, TimeSpan.Zero);

    private static CxpaClient Client(MockTransport transport, CxpaAuthKind kind = CxpaAuthKind.IngestApiKey, MutdlClock? clock = null)
        => new(new CxpaEndpoint(Base, kind, Secret.FromString("cxpa_test_key")) { CredentialsToken = kind == CxpaAuthKind.AgentApiKey ? Secret.FromString("cred") : null },
            new CxpaCallOptions { Handler = transport, TimeProvider = clock ?? new MutdlClock(Now), MaximumRetryCount = 0, RequestTimeout = TimeSpan.FromMinutes(5), ReadTimeout = TimeSpan.FromMinutes(5) });

    private static Task<T> Answered<T>(CxpaOperation<T> op, string json, HttpStatusCode status = HttpStatusCode.OK, Action<HttpResponseMessage>? shape = null, string mediaType = "application/json", MutdlClock? clock = null)
    {
        var transport = new MockTransport(clock).Answer(status, json, shape, mediaType);
        // Each call with the first kind of key it accepts.
        return Client(transport, op.AcceptedKinds[0], clock).SendAsync(op, CancellationToken.None);
    }

    private static CxpaOperation<RegisteredRun> Register() => CxpaOperations.Register(42, "ext-1", null, null, null);

    [Fact]
    public async Task Register_reads_the_run_id_the_credentials_token_and_when_it_expires_on_the_clients_clock()
    {
        var clock = new MutdlClock(Now);
        var r = await Answered(Register(), """{"runId":77,"credentialsToken":"tok-123","expiresInSeconds":600}""", clock: clock);
        Assert.Equal(77, r.RunId);
        Assert.Equal(42, r.AgentId);
        Assert.Equal("ext-1", r.ExternalRunId);
        Assert.Equal("tok-123", r.CredentialsToken!.Reveal());
        Assert.Equal(600, r.ExpiresInSeconds);
        Assert.Equal(Now.AddSeconds(600), r.ExpiresAt);

        var text = await Answered(Register(), """{"runId":"78"}""");
        Assert.Equal(78, text.RunId);
        Assert.Null(text.CredentialsToken);
        Assert.Null(text.ExpiresInSeconds);
        Assert.Null(text.ExpiresAt);
    }

    [Theory]
    [InlineData("""{"runId":79,"credentialsToken":""}""")]
    [InlineData("""{"runId":79,"credentialsToken":12345}""")]
    [InlineData("""{"runId":79,"credentialsToken":null}""")]
    public async Task Register_keeps_no_token_when_the_answer_has_an_empty_or_non_text_one(string json)
    {
        var r = await Answered(Register(), json);
        Assert.Equal(79, r.RunId);
        Assert.Null(r.CredentialsToken);
    }

    [Theory]
    [InlineData("""{"credentialsToken":"tok"}""")]
    [InlineData("""{"runId":0}""")]
    [InlineData("""{"runId":-3}""")]
    [InlineData("""{"runId":"abc"}""")]
    public async Task Register_refuses_an_answer_without_a_positive_run_id_as_an_invalid_response(string json)
    {
        var ex = await Assert.ThrowsAsync<CxpaApiException>(() => Answered(Register(), json));
        Assert.Equal("invalid_response", ex.Code);
        Assert.Contains("the answer has no runId", ex.Message);
    }

    [Fact]
    public async Task Ingest_reads_the_run_id_and_the_status_the_platform_recorded_else_the_one_sent()
    {
        var op = CxpaOperations.Ingest(44, "ext-9", "running", null, null, null);
        var r = await Answered(op, """{"runId":31,"status":"completed"}""");
        Assert.Equal(31, r.RunId);
        Assert.Equal("completed", r.Status);
        Assert.Equal(44, r.AgentId);
        Assert.Equal("ext-9", r.ExternalRunId);

        var bare = await Answered(CxpaOperations.Ingest(44, "ext-9", "running", null, null, null), "{}");
        Assert.Equal(0, bare.RunId);
        Assert.Equal("running", bare.Status);
        var nullStatus = await Answered(CxpaOperations.Ingest(44, "ext-9", "failed", null, null, null), """{"runId":"32","status":null}""");
        Assert.Equal(32, nullStatus.RunId);
        Assert.Equal("failed", nullStatus.Status);
    }

    [Fact]
    public async Task A_run_event_is_ok_unless_the_platform_says_ok_false()
    {
        var ok = await Answered(CxpaOperations.SendRunEvent(501, new RunStartedEvent()), "{}");
        Assert.True(ok.Ok);
        Assert.Equal(501, ok.RunId);
        Assert.Equal("started", ok.Event);
        var no = await Answered(CxpaOperations.SendRunEvent(501, new RunStartedEvent()), """{"ok":false}""");
        Assert.False(no.Ok);
        var odd = await Answered(CxpaOperations.SendRunEvent(501, new RunStartedEvent()), """{"ok":"yes"}""");
        Assert.True(odd.Ok);
    }

    [Fact]
    public async Task A_credential_keeps_every_field_and_its_type_when_the_type_is_text()
    {
        var c = await Answered(CxpaOperations.ResolveCredential("conn-1", 7), """{"type":"oauth","accessToken":"at","expiresIn":60}""");
        Assert.Equal("oauth", c.Type);
        Assert.Equal("at", c.Fields["accessToken"]);
        Assert.Equal(3, c.Fields.Count);
        var odd = await Answered(CxpaOperations.ResolveCredential("conn-1", 7), """{"type":5}""");
        Assert.Equal("", odd.Type);
        Assert.Single(odd.Fields);
    }

    [Fact]
    public async Task Trigger_and_wait_reads_a_finished_run_and_gives_it_the_agent_only_when_the_row_has_none()
    {
        var op = () => CxpaOperations.TriggerAndWait(CxpaAuthKind.IngestApiKey, 42, null, TimeSpan.FromSeconds(10));
        var done = await Answered(op(), """{"id":9,"status":"completed"}""");
        Assert.False(done.TimedOut);
        Assert.Equal(9, done.RunId);
        Assert.Equal(42, done.Run!.AgentId);
        var other = await Answered(op(), """{"id":9,"agent_id":5,"status":"completed"}""");
        Assert.Equal(5, other.Run!.AgentId);
    }

    [Fact]
    public async Task Trigger_and_wait_reads_a_run_still_going_from_a_202_or_timedOut_true()
    {
        var op = () => CxpaOperations.TriggerAndWait(CxpaAuthKind.IngestApiKey, 42, null, TimeSpan.FromSeconds(10));
        var accepted = await Answered(op(), """{"runId":12}""", HttpStatusCode.Accepted);
        Assert.True(accepted.TimedOut);
        Assert.Equal(12, accepted.RunId);
        Assert.Null(accepted.Run);
        var flagged = await Answered(op(), """{"timedOut":true,"runId":"13"}""");
        Assert.True(flagged.TimedOut);
        Assert.Equal(13, flagged.RunId);
        // timedOut false or not a boolean: a finished run row.
        var row = await Answered(op(), """{"timedOut":"true","id":14,"status":"completed"}""");
        Assert.False(row.TimedOut);
        Assert.Equal(14, row.Run!.RunId);
    }

    [Theory]
    [InlineData(HttpStatusCode.Accepted, """{"status":"running"}""", "the 202 answer has no runId")]
    [InlineData(HttpStatusCode.OK, """{"timedOut":true,"runId":0}""", "the 202 answer has no runId")]
    [InlineData(HttpStatusCode.OK, """{"status":"completed"}""", "the run row has no id")]
    [InlineData(HttpStatusCode.OK, """{"id":-1,"status":"completed"}""", "the run row has no id")]
    public async Task Trigger_and_wait_refuses_an_answer_without_a_run_id(HttpStatusCode status, string json, string what)
    {
        var ex = await Assert.ThrowsAsync<CxpaApiException>(() =>
            Answered(CxpaOperations.TriggerAndWait(CxpaAuthKind.IngestApiKey, 42, null, TimeSpan.FromSeconds(10)), json, status));
        Assert.Equal("invalid_response", ex.Code);
        Assert.Contains(what, ex.Message);
    }

    private static CxpaOperation<DownloadAnswer> Download() => CxpaOperations.TriggerAndDownload(CxpaAuthKind.IngestApiKey, 43, null, TimeSpan.FromSeconds(10));

    [Fact]
    public async Task Trigger_and_download_reads_a_202_or_a_bare_json_timedOut_as_a_run_still_going()
    {
        using var accepted = await Answered(Download(), """{"runId":21}""", HttpStatusCode.Accepted);
        Assert.True(accepted.TimedOut);
        Assert.Equal(21, accepted.RunId);
        using var bare = await Answered(Download(), """{"timedOut":true,"runId":22}""");
        Assert.True(bare.TimedOut);
        Assert.Equal(22, bare.RunId);
    }

    [Fact]
    public async Task Trigger_and_download_takes_a_json_file_as_a_file_when_it_has_a_run_id_or_a_disposition()
    {
        using var withId = await Answered(Download(), """{"report":1}""", shape: r => r.Headers.Add("x-run-id", new[] { "x", "23" }));
        Assert.False(withId.TimedOut);
        Assert.Equal(23, withId.RunId);
        Assert.StartsWith("application/json", withId.ContentType);

        using var named = await Answered(Download(), """{"report":2}""",
            shape: r => r.Content.Headers.ContentDisposition = new ContentDispositionHeaderValue("attachment") { FileName = "r.json" });
        Assert.False(named.TimedOut);
        Assert.Null(named.RunId);
        Assert.Equal("r.json", named.SuggestedFileName);

        using var file = await Answered(Download(), "%PDF", shape: r => r.Headers.Add("x-run-id", "not-a-number"), mediaType: "application/pdf");
        Assert.False(file.TimedOut);
        Assert.Null(file.RunId);
    }

    [Fact]
    public async Task A_file_answer_tells_its_encodings_whether_they_are_undone_and_a_name_only_from_a_header_that_has_one()
    {
        using var plain = await Answered(Download(), "%PDF", shape: r => r.Content.Headers.TryAddWithoutValidation("Content-Disposition", "inline"), mediaType: "application/pdf");
        Assert.Null(plain.ContentEncoding);
        Assert.False(plain.Decoded);
        Assert.Equal("inline", plain.ContentDisposition);
        Assert.Null(plain.SuggestedFileName);

        using var odd = await Answered(Download(), "%PDF", mediaType: "application/pdf", shape: r =>
        {
            r.Content.Headers.TryAddWithoutValidation("Content-Encoding", "gzip, x-custom");
            r.Content.Headers.TryAddWithoutValidation("Content-Disposition", new[] { "inline", "attachment; filename=\"b.pdf\"" });
        });
        Assert.Equal("gzip, x-custom", odd.ContentEncoding);
        Assert.False(odd.Decoded);
        Assert.Equal("b.pdf", odd.SuggestedFileName);

        using var gz = await Answered(Download(), "%PDF", mediaType: "application/pdf", shape: r => r.Content.Headers.TryAddWithoutValidation("Content-Encoding", "gzip"));
        Assert.Equal("gzip", gz.ContentEncoding);
        Assert.True(gz.Decoded);
        Assert.Equal("The low-speed floor cannot be negative.", Assert.Throws<ArgumentOutOfRangeException>(() => gz.LowSpeedLimit = -1).Message.Split(" (Parameter")[0]);
        Assert.Equal("The low-speed window must be positive.", Assert.Throws<ArgumentOutOfRangeException>(() => gz.LowSpeedTime = TimeSpan.Zero).Message.Split(" (Parameter")[0]);
    }

    [Fact]
    public async Task Trigger_and_download_refuses_a_202_without_a_run_id()
    {
        var ex = await Assert.ThrowsAsync<CxpaApiException>(() => Answered(Download(), """{"status":"running"}""", HttpStatusCode.Accepted));
        Assert.Contains("the 202 answer has no runId", ex.Message);
    }

    private static CxpaOperation<object?> Rest(string method, string path = "api/things", object? body = null, bool hasBody = false, bool raw = false)
        => CxpaOperations.Rest(new HttpMethod(method), path, body, hasBody, null, raw);

    [Fact]
    public async Task Rest_reads_json_as_values_other_text_as_text_raw_as_is_and_nothing_as_null()
    {
        var json = await Answered(Rest("GET"), """{"a":[1,"x"]}""");
        var map = Assert.IsAssignableFrom<IDictionary<string, object?>>(json);
        Assert.Equal(new object?[] { 1L, "x" }, Assert.IsAssignableFrom<IEnumerable<object?>>(map["a"]));
        Assert.Equal("""{"a":1}""", await Answered(Rest("GET", raw: true), """{"a":1}"""));
        Assert.Equal("hello", await Answered(Rest("GET"), "hello", mediaType: "text/plain"));
        Assert.Null(await Answered(Rest("GET"), "  "));
        Assert.Equal("  ", await Answered(Rest("GET", raw: true), "  "));
        var problem = await Answered(Rest("GET"), """{"title":"t"}""", mediaType: "application/problem+json");
        Assert.Equal("t", Assert.IsAssignableFrom<IDictionary<string, object?>>(problem)["title"]);
        var ex = await Assert.ThrowsAsync<CxpaApiException>(() => Answered(Rest("GET"), "{not json"));
        Assert.Contains("the answer is not valid JSON", ex.Message);
    }

    [Theory]
    [InlineData("GET", OperationEffect.Read, RetryMode.Idempotent)]
    [InlineData("HEAD", OperationEffect.Read, RetryMode.Idempotent)]
    [InlineData("OPTIONS", OperationEffect.Read, RetryMode.Idempotent)]
    [InlineData("PUT", OperationEffect.IdempotentWrite, RetryMode.Idempotent)]
    [InlineData("DELETE", OperationEffect.IdempotentWrite, RetryMode.Idempotent)]
    [InlineData("POST", OperationEffect.Write, RetryMode.UntilReached)]
    [InlineData("PATCH", OperationEffect.Write, RetryMode.UntilReached)]
    public void Rest_is_retried_and_described_by_its_method(string method, OperationEffect effect, RetryMode retry)
    {
        var op = Rest(method, "/api/things?x=1");
        Assert.Equal(effect, op.Effect);
        Assert.Equal(retry, op.Retry);
        Assert.Equal("api/things?x=1", op.Route);
        Assert.Equal($"{method} api/things?x=1", op.WhatIfTarget);
        Assert.Equal($"Send {method} api/things?x=1", op.WhatIfAction);
        Assert.Null(op.OtherBody);
        var withBody = Rest(method, "api/things", new Dictionary<string, object?> { ["k"] = "secret" }, hasBody: true);
        Assert.Equal($"{method} api/things with an object with keys k (values not shown)", withBody.WhatIfTarget);
        Assert.NotNull(withBody.OtherBody);
    }

    [Fact]
    public void Rest_needs_a_method()
        => Assert.Equal("method", Assert.Throws<ArgumentNullException>(() => CxpaOperations.Rest(null!, "api/x", null, false, null, false)).ParamName);

    [Theory]
    [InlineData("\\\\host/share")]
    [InlineData("\\x")]
    [InlineData("#frag")]
    [InlineData("api/x#frag")]
    [InlineData("api/x y")]
    [InlineData("//evil.example/api")]
    [InlineData("https://evil.example/api")]
    [InlineData("://x")]
    [InlineData("api/\u0001")]
    public void Rest_refuses_a_path_that_could_leave_the_platform(string path)
    {
        var ex = Assert.Throws<CxpaConfigurationException>(() => CxpaOperations.RestPath(path));
        Assert.Equal("InvalidPath", ex.ErrorId);
        Assert.StartsWith("The path must be relative to the base URL", ex.Message);
    }

    [Theory]
    [InlineData("..")]
    [InlineData("api/../x")]
    [InlineData("api/./x")]
    [InlineData("api/%2E%2e/x")]
    [InlineData("api/x/..?q=1")]
    public void Rest_refuses_dot_segments_before_the_query(string path)
    {
        var ex = Assert.Throws<CxpaConfigurationException>(() => CxpaOperations.RestPath(path));
        Assert.Equal("The path must not hold '.' or '..' segments.", ex.Message);
    }

    [Theory]
    [InlineData("mailto:x")]
    [InlineData("file:x/y")]
    public void Rest_refuses_a_first_segment_that_reads_as_a_scheme(string path)
        => Assert.Equal("The path must be relative to the base URL.", Assert.Throws<CxpaConfigurationException>(() => CxpaOperations.RestPath(path)).Message);

    [Theory]
    [InlineData("api/runs?next=/../..", "api/runs?next=/../..")]
    [InlineData("api/x?t=a:b", "api/x?t=a:b")]
    [InlineData("  /api/x  ", "api/x")]
    [InlineData("api/x/a:b", "api/x/a:b")]
    public void Rest_keeps_a_relative_path_whose_query_or_later_segments_hold_dots_or_colons(string path, string route)
        => Assert.Equal(route, CxpaOperations.RestPath(path));

    [Theory]
    [InlineData("   ")]
    [InlineData("")]
    public void Rest_refuses_an_empty_path(string path)
        => Assert.Equal("The path is empty.", Assert.Throws<CxpaConfigurationException>(() => CxpaOperations.RestPath(path)).Message);

    public static IEnumerable<object[]> Purposes() => new[]
    {
        new object[] { "register", CxpaAuthKind.ZoneToken, "Registering a run" },
        new object[] { "ingest", CxpaAuthKind.AgentApiKey, "Ingesting a run" },
        new object[] { "zone-credential", CxpaAuthKind.IngestApiKey, "Reading a credential by integration key" },
        new object[] { "resolve-credential", CxpaAuthKind.IngestApiKey, "Resolving a credential by connection id" },
        new object[] { "run-event", CxpaAuthKind.IngestApiKey, "Sending a run event" },
        new object[] { "trigger", CxpaAuthKind.AgentApiKey, "Starting a run" },
        new object[] { "get-run", CxpaAuthKind.AgentApiKey, "Reading a run" },
    };

    private static Task Send(CxpaClient c, string name) => name switch
    {
        "register" => c.SendAsync(CxpaOperations.Register(42, "e", null, null, null), CancellationToken.None),
        "ingest" => c.SendAsync(CxpaOperations.Ingest(42, "e", "completed", null, null, null), CancellationToken.None),
        "zone-credential" => c.SendAsync(CxpaOperations.ZoneCredential(42, "key"), CancellationToken.None),
        "resolve-credential" => c.SendAsync(CxpaOperations.ResolveCredential("conn", 7), CancellationToken.None),
        "run-event" => c.SendAsync(CxpaOperations.SendRunEvent(7, new RunStartedEvent()), CancellationToken.None),
        "trigger" => c.SendAsync(CxpaOperations.Trigger(CxpaAuthKind.IngestApiKey, 42, null), CancellationToken.None),
        _ => c.SendAsync(CxpaOperations.GetRun(CxpaAuthKind.IngestApiKey, 42, 7), CancellationToken.None),
    };

    [Theory]
    [MemberData(nameof(Purposes))]
    public async Task A_key_of_the_wrong_kind_is_refused_before_sending_naming_what_the_call_does(string name, CxpaAuthKind kind, string purpose)
    {
        var transport = new MockTransport(new MutdlClock(Now)).Otherwise(_ => throw new InvalidOperationException("nothing may be sent"));
        var ex = await Assert.ThrowsAsync<CxpaConfigurationException>(() => Send(Client(transport, kind), name));
        Assert.Equal("WrongKeyKind", ex.ErrorId);
        Assert.StartsWith(purpose + " needs ", ex.Message);
        Assert.Empty(transport.Requests);
    }

    [Fact]
    public async Task The_client_refuses_before_sending_a_missing_operation_a_missing_credentials_token_and_keys_that_cannot_be_headers()
    {
        var transport = new MockTransport(new MutdlClock(Now)).Otherwise(_ => throw new InvalidOperationException("nothing may be sent"));
        var agent = new CxpaClient(new CxpaEndpoint(Base, CxpaAuthKind.AgentApiKey, Secret.FromString("cxpa_agent_key")), new CxpaCallOptions { Handler = transport });
        Assert.Equal("operation", (await Assert.ThrowsAsync<ArgumentNullException>(() => agent.SendAsync<Run>(null!, CancellationToken.None))).ParamName);
        var missing = await Assert.ThrowsAsync<CxpaConfigurationException>(() => agent.SendAsync(CxpaOperations.ResolveCredential("c", 7), CancellationToken.None));
        Assert.Equal("MissingCredentialsToken", missing.ErrorId);
        Assert.Equal("Resolving a credential needs the run's credentials token.", missing.Message);

        foreach (var (kind, named) in new[] { (CxpaAuthKind.IngestApiKey, "ingest API key"), (CxpaAuthKind.ZoneToken, "zone token"), (CxpaAuthKind.AgentApiKey, "agent API key") })
        {
            var bad = new CxpaClient(new CxpaEndpoint(Base, kind, Secret.FromString("key\r\nx: y")) { CredentialsToken = Secret.FromString("cred") }, new CxpaCallOptions { Handler = transport });
            var op = kind == CxpaAuthKind.AgentApiKey ? (Func<Task>)(() => bad.SendAsync(CxpaOperations.ResolveCredential("c", 7), CancellationToken.None))
                : () => bad.SendAsync(CxpaOperations.GetRun(kind, 42, 7), CancellationToken.None);
            var ex = await Assert.ThrowsAsync<CxpaConfigurationException>(op);
            Assert.Equal("InvalidHeaderValue", ex.ErrorId);
            Assert.Contains("The " + named + " ", ex.Message);
        }
        var badToken = new CxpaClient(new CxpaEndpoint(Base, CxpaAuthKind.AgentApiKey, Secret.FromString("cxpa_agent_key")) { CredentialsToken = Secret.FromString("tok\u00e9") }, new CxpaCallOptions { Handler = transport });
        var tokenEx = await Assert.ThrowsAsync<CxpaConfigurationException>(() => badToken.SendAsync(CxpaOperations.ResolveCredential("c", 7), CancellationToken.None));
        Assert.Contains("The credentials token ", tokenEx.Message);
        Assert.Empty(transport.Requests);
    }
}
