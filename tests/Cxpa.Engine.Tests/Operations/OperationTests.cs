using Cxpa.Engine.Http;
using Cxpa.Engine.Json;
using Cxpa.Engine.Operations;
using Xunit;

namespace Cxpa.Engine.Tests.Operations;

/// <summary>The description of each platform call: method, route, body, retry rule, run id, and a What-if text without values or secrets.</summary>
public sealed class OperationTests
{
    private static readonly Dictionary<string, object?> SecretInput = new() { ["customer"] = "s3cr3t-value", ["apiKey"] = "sk_live_hidden" };

    private static string Json(CxpaOperation op) => JsonTree.SerializeToString(op.Body);

    [Fact]
    public void Trigger_with_an_ingest_key_posts_the_input_to_the_agent_route_and_is_never_resent_once_it_may_have_arrived()
    {
        var op = CxpaOperations.Trigger(CxpaAuthKind.IngestApiKey, 42, SecretInput);
        Assert.Equal(HttpMethod.Post, op.Method);
        Assert.Equal("api/agents/42/runs/trigger", op.Route);
        Assert.Equal("""{"input":{"customer":"s3cr3t-value","apiKey":"sk_live_hidden"}}""", Json(op));
        Assert.Equal(RetryMode.UntilReached, op.Retry);
        Assert.False(op.NoStore);
        Assert.Null(op.ServerWindow);
        Assert.Equal("POST api/agents/42/runs/trigger with an object with keys customer, apiKey (values not shown)", op.WhatIfTarget);
        Assert.Equal("Start a run of agent 42", op.WhatIfAction);
    }

    [Fact]
    public void Trigger_with_a_zone_token_posts_a_payload_to_the_zone_route_and_asks_caches_not_to_store_the_answer()
    {
        var op = CxpaOperations.Trigger(CxpaAuthKind.ZoneToken, 42, null);
        Assert.Equal("api/zones/agents/42/runs", op.Route);
        Assert.Equal("""{"payload":{}}""", Json(op));
        Assert.True(op.NoStore);
        Assert.Equal("POST api/zones/agents/42/runs with no input", op.WhatIfTarget);
    }

    [Theory]
    [InlineData(CxpaAuthKind.IngestApiKey, "api/agents/7/runs/trigger-and-wait", "input")]
    [InlineData(CxpaAuthKind.ZoneToken, "api/zones/agents/7/runs/trigger-and-wait", "payload")]
    public void Trigger_and_wait_carries_the_window_in_the_body_and_in_the_header_time(CxpaAuthKind kind, string route, string inputKey)
    {
        var op = CxpaOperations.TriggerAndWait(kind, 7, new Dictionary<string, object?>(), TimeSpan.FromSeconds(20));
        Assert.Equal(route, op.Route);
        Assert.Equal($$"""{"{{inputKey}}":{},"timeoutMs":20000}""", Json(op));
        Assert.Equal(TimeSpan.FromSeconds(20), op.ServerWindow);
        Assert.Equal(RetryMode.UntilReached, op.Retry);
        Assert.False(op.StreamsAnswer);
        Assert.Equal($"POST {route} with an empty object", op.WhatIfTarget);
        Assert.Equal("Start a run of agent 7", op.WhatIfAction);
    }

    [Theory]
    [InlineData(0, 300_000)]
    [InlineData(-5, 300_000)]
    [InlineData(301, 300_000)]
    [InlineData(0.0004, 1)]
    [InlineData(12.5, 12_500)]
    public void The_wait_window_is_capped_at_the_platform_ceiling_and_never_below_one_millisecond(double seconds, int expectedMs)
    {
        var op = CxpaOperations.TriggerAndDownload(CxpaAuthKind.IngestApiKey, 1, null, TimeSpan.FromSeconds(seconds));
        Assert.Equal(expectedMs, (int)op.Body!["timeoutMs"]!);
        Assert.Equal(TimeSpan.FromMilliseconds(expectedMs), op.ServerWindow);
    }

    [Fact]
    public void Trigger_and_download_streams_the_answer_and_says_it_saves_a_file()
    {
        var op = CxpaOperations.TriggerAndDownload(CxpaAuthKind.ZoneToken, 9, SecretInput, TimeSpan.FromSeconds(30));
        Assert.Equal("api/zones/agents/9/runs/trigger-and-download", op.Route);
        Assert.True(op.StreamsAnswer);
        Assert.True(op.NoStore);
        Assert.Equal("Start a run of agent 9 and save its file", op.WhatIfAction);
        Assert.DoesNotContain("s3cr3t", op.WhatIfTarget, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(CxpaAuthKind.IngestApiKey, "api/agents/42/runs/1001", false)]
    [InlineData(CxpaAuthKind.ZoneToken, "api/zones/agents/42/runs/1001", true)]
    public void Get_run_is_an_idempotent_GET_of_the_run_without_a_body(CxpaAuthKind kind, string route, bool noStore)
    {
        var op = CxpaOperations.GetRun(kind, 42, 1001);
        Assert.Equal(HttpMethod.Get, op.Method);
        Assert.Equal(route, op.Route);
        Assert.Null(op.Body);
        Assert.Equal(RetryMode.Idempotent, op.Retry);
        Assert.Equal(1001, op.RunId);
        Assert.Equal(noStore, op.NoStore);
        Assert.Equal("GET " + route, op.WhatIfTarget);
    }

    [Fact]
    public void Register_sends_only_the_fields_given_and_names_the_input_keys_not_the_values()
    {
        var user = Guid.Parse("8d0a3f55-2a4e-4b55-9d1c-3f0c2b7e9a10");
        var full = CxpaOperations.Register(42, "ext-1", SecretInput, new Dictionary<string, object?> { ["source"] = "ci" }, user);
        Assert.Equal("api/agents/42/runs/register", full.Route);
        Assert.Equal("""{"externalRunId":"ext-1","input":{"customer":"s3cr3t-value","apiKey":"sk_live_hidden"},"metadata":{"source":"ci"},"userId":"8d0a3f55-2a4e-4b55-9d1c-3f0c2b7e9a10"}""", Json(full));
        Assert.Equal(RetryMode.Idempotent, full.Retry);
        Assert.Equal("POST api/agents/42/runs/register with externalRunId 'ext-1', an object with keys customer, apiKey (values not shown)", full.WhatIfTarget);
        Assert.Equal("Register run 'ext-1' of agent 42", full.WhatIfAction);

        var bare = CxpaOperations.Register(42, "ext-2", null, null, null);
        Assert.Equal("""{"externalRunId":"ext-2"}""", Json(bare));
        Assert.EndsWith("with externalRunId 'ext-2', no input", bare.WhatIfTarget, StringComparison.Ordinal);
    }

    [Fact]
    public void Ingest_sends_the_status_as_given_and_only_the_optional_fields_given()
    {
        var op = CxpaOperations.Ingest(44, "ext-9", "failed", null, 3, "boom");
        Assert.Equal("api/agents/44/runs/ingest", op.Route);
        Assert.Equal("""{"externalRunId":"ext-9","status":"failed","outputs":3,"error":"boom"}""", Json(op));
        Assert.Equal(RetryMode.Idempotent, op.Retry);
        Assert.Equal("POST api/agents/44/runs/ingest with externalRunId 'ext-9', status failed, output: no input", op.WhatIfTarget);
        Assert.Equal("Report run 'ext-9' of agent 44 as failed", op.WhatIfAction);

        var withOutput = CxpaOperations.Ingest(44, "ext-9", "completed", SecretInput, null, null);
        Assert.Equal("""{"externalRunId":"ext-9","status":"completed","output":{"customer":"s3cr3t-value","apiKey":"sk_live_hidden"}}""", Json(withOutput));
        Assert.DoesNotContain("s3cr3t", withOutput.WhatIfTarget, StringComparison.Ordinal);
        Assert.DoesNotContain("sk_live", withOutput.WhatIfTarget, StringComparison.Ordinal);
    }

    [Fact]
    public void Credential_reads_escape_the_key_and_carry_no_body()
    {
        var zone = CxpaOperations.ZoneCredential(42, "hub spot/x");
        Assert.Equal("api/zones/agents/42/credentials/hub%20spot%2Fx", zone.Route);
        Assert.True(zone.NoStore);
        Assert.Null(zone.Body);
        Assert.Equal(HttpMethod.Get, zone.Method);

        var runtime = CxpaOperations.ResolveCredential("conn/1", 77);
        Assert.Equal("api/credentials/conn%2F1/resolve", runtime.Route);
        Assert.Equal(77, runtime.RunId);
        Assert.Null(runtime.Body);
        Assert.Equal("GET api/credentials/conn%2F1/resolve", runtime.WhatIfTarget);
        Assert.Equal("Resolve credential 'conn/1' for run 77", runtime.WhatIfAction);
    }

    [Theory]
    [InlineData("..")]
    [InlineData(".")]
    [InlineData("")]
    public void Dot_segments_are_refused_before_a_route_is_built(string id)
    {
        var runtime = Assert.Throws<CxpaConfigurationException>(() => CxpaOperations.ResolveCredential(id, 77));
        Assert.Equal("InvalidArgument", runtime.ErrorId);
        Assert.Contains("connection id", runtime.Message, StringComparison.Ordinal);
        var zone = Assert.Throws<CxpaConfigurationException>(() => CxpaOperations.ZoneCredential(42, id));
        Assert.Equal("InvalidArgument", zone.ErrorId);
        Assert.Contains("integration key", zone.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("../..")]
    [InlineData("..\\..")]
    [InlineData("%2e%2e")]
    [InlineData(".%2E")]
    [InlineData("...")]
    [InlineData("a/../../b")]
    [InlineData("x?y#z")]
    public void Every_other_id_stays_one_segment_of_the_url_sent(string id)
    {
        var baseUrl = new Uri("https://platform.example/tenant/");
        var runtime = new Uri(baseUrl, CxpaOperations.ResolveCredential(id, 77).Route);
        Assert.Equal(new[] { "", "tenant", "api", "credentials", "*", "resolve" }, Shape(runtime, 4));
        Assert.Equal(id, Uri.UnescapeDataString(runtime.AbsolutePath.Split('/')[4]));
        Assert.Equal("", runtime.Query);
        var zone = new Uri(baseUrl, CxpaOperations.ZoneCredential(42, id).Route);
        Assert.Equal(new[] { "", "tenant", "api", "zones", "agents", "42", "credentials", "*" }, Shape(zone, 7));
        Assert.Equal(id, Uri.UnescapeDataString(zone.AbsolutePath.Split('/')[7]));
    }

    private static string[] Shape(Uri uri, int idAt)
    {
        var parts = uri.AbsolutePath.Split('/');
        parts[idAt] = "*";
        return parts;
    }

    [Fact]
    public void The_operation_carries_what_it_needs_to_be_sent_as_is()
    {
        var op = CxpaOperations.TriggerAndDownload(CxpaAuthKind.ZoneToken, 3, SecretInput, TimeSpan.FromSeconds(5));
        Assert.True(op.HasBody);
        Assert.Same(op.Body, op.BodyValue);
        Assert.True(op.StreamsAnswer);
        Assert.True(op.NoStore);
        Assert.Equal(TimeSpan.FromSeconds(5), op.ServerWindow);
        Assert.Equal(OperationEffect.StartsRun, op.Effect);
        Assert.Equal(new[] { CxpaAuthKind.IngestApiKey, CxpaAuthKind.ZoneToken }, op.AcceptedKinds);
        Assert.False(CxpaOperations.GetRun(CxpaAuthKind.IngestApiKey, 1, 2).HasBody);
    }

    [Theory]
    [InlineData("trigger", OperationEffect.StartsRun)]
    [InlineData("get-run", OperationEffect.Read)]
    [InlineData("register", OperationEffect.IdempotentWrite)]
    [InlineData("ingest", OperationEffect.IdempotentWrite)]
    [InlineData("zone-credential", OperationEffect.Read)]
    [InlineData("resolve-credential", OperationEffect.Read)]
    [InlineData("run-event", OperationEffect.SendsEvent)]
    [InlineData("trigger-and-wait", OperationEffect.StartsRun)]
    [InlineData("trigger-and-download", OperationEffect.StartsRun)]
    public void Each_operation_says_its_effect_and_the_keys_it_accepts(string name, OperationEffect effect)
    {
        var op = name switch
        {
            "trigger" => (CxpaOperation)CxpaOperations.Trigger(CxpaAuthKind.IngestApiKey, 1, null),
            "get-run" => CxpaOperations.GetRun(CxpaAuthKind.IngestApiKey, 1, 2),
            "register" => CxpaOperations.Register(1, "e", null, null, null),
            "ingest" => CxpaOperations.Ingest(1, "e", "completed", null, null, null),
            "zone-credential" => CxpaOperations.ZoneCredential(1, "k"),
            "resolve-credential" => CxpaOperations.ResolveCredential("c", 2),
            "run-event" => CxpaOperations.SendRunEvent(2, new RunStartedEvent()),
            "trigger-and-wait" => CxpaOperations.TriggerAndWait(CxpaAuthKind.IngestApiKey, 1, null, TimeSpan.FromSeconds(1)),
            _ => CxpaOperations.TriggerAndDownload(CxpaAuthKind.IngestApiKey, 1, null, TimeSpan.FromSeconds(1)),
        };
        Assert.Equal(name, op.Name);
        Assert.Equal(effect, op.Effect);
        Assert.Equal(CxpaOperations.AcceptedKinds(name), op.AcceptedKinds);
        Assert.NotEmpty(op.AcceptedKinds);
        Assert.Equal(name == "resolve-credential", op.SendsCredentialsToken);
    }

    [Fact]
    public void Json_text_input_is_summarised_by_its_keys_and_many_keys_are_cut_at_eight()
    {
        Assert.Equal("an object with keys a, b (values not shown)", InputSummary.Of(new JsonText("""{"a":1,"b":"secret"}""")));
        var many = Enumerable.Range(1, 10).ToDictionary(i => "k" + i, i => (object?)i);
        Assert.Equal("an object with keys k1, k2, k3, k4, k5, k6, k7, k8, … (10 keys) (values not shown)", InputSummary.Of(many));
        Assert.Equal("String", InputSummary.Of("plain"));
    }

    [Theory]
    [InlineData("GET", RetryMode.Idempotent, OperationEffect.Read)]
    [InlineData("DELETE", RetryMode.Idempotent, OperationEffect.IdempotentWrite)]
    [InlineData("PUT", RetryMode.Idempotent, OperationEffect.IdempotentWrite)]
    [InlineData("POST", RetryMode.UntilReached, OperationEffect.Write)]
    [InlineData("PATCH", RetryMode.UntilReached, OperationEffect.Write)]
    public void A_rest_call_is_retried_by_its_method(string method, RetryMode retry, OperationEffect effect)
    {
        var op = CxpaOperations.Rest(new HttpMethod(method), "/api/things/1?x=1", null, false, null, raw: false);
        Assert.Equal("api/things/1?x=1", op.Route);
        Assert.Equal(retry, op.Retry);
        Assert.Equal(effect, op.Effect);
        Assert.Equal(3, op.AcceptedKinds.Count);
    }

    [Theory]
    [InlineData("https://evil.example/x")]
    [InlineData("//evil.example/x")]
    [InlineData("api/../../x")]
    [InlineData("api/%2e%2e/x")]
    [InlineData("mailto:a@b")]
    [InlineData("api\\x")]
    [InlineData("api/x#frag")]
    [InlineData("api/x\r\nHost: evil")]
    [InlineData(" ")]
    public void A_rest_path_that_could_leave_the_platform_is_refused(string path)
    {
        var ex = Assert.Throws<CxpaConfigurationException>(() => CxpaOperations.RestPath(path));
        Assert.Equal("InvalidPath", ex.ErrorId);
    }

    [Fact]
    public void A_rest_body_that_is_an_array_is_sent_as_it_is()
    {
        var op = CxpaOperations.Rest(HttpMethod.Post, "api/x", new List<object?> { 1, 2 }, true, null, raw: false);
        Assert.True(op.HasBody);
        Assert.Equal("[1,2]", JsonTree.SerializeToString(op.BodyValue));
    }
}
