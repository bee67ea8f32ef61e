using System.Text.Json;
using Xunit;

namespace Cxpa.Emulator.Tests;

public class FaultTests
{
    private const string Trigger = "/api/agents/42/runs/trigger";

    [Fact]
    public async Task Status_fault_answers_the_code_with_retry_after_and_creates_no_run()
    {
        await using var s = await T.Start();
        var rule = s.Faults.Status("POST /api/agents/*/runs/trigger", 429, count: 2, retryAfter: "3");
        using var c = T.Client(s, T.SharedKey);
        for (int i = 0; i < 2; i++)
        {
            using var r = await c.Post(Trigger, "{}");
            var body = await r.AssertError(429, "rate_limited");
            Assert.Equal(TimeSpan.FromSeconds(3), r.Headers.RetryAfter!.Delta);
        }
        Assert.Equal(0, s.State.RunCount);
        Assert.Equal(2, rule.Hits);
        Assert.Equal(0, rule.Remaining);
        await (await c.Post(Trigger, "{}")).AssertOk(201);
        Assert.Equal(1, s.State.RunCount);
        var log = s.Requests.Find("POST", Trigger);
        Assert.Equal(new[] { 429, 429, 201 }, log.Select(e => e.Status));
        Assert.Equal("Status 429 Retry-After=3", log[0].Fault);
        Assert.Null(log[2].Fault);
    }

    [Fact]
    public async Task Status_fault_sends_an_http_date_retry_after_verbatim()
    {
        await using var s = await T.Start();
        s.Faults.Add("POST /api/agents/*/runs/trigger:Status:1:503,Wed, 21 Oct 2026 07:28:00 GMT");
        using var c = T.Client(s, T.SharedKey);
        using var r = await c.Post(Trigger, "{}");
        await r.AssertError(503, "unavailable");
        Assert.Equal("Wed, 21 Oct 2026 07:28:00 GMT", string.Join(",", r.Headers.GetValues("Retry-After")));
        Assert.Equal(new DateTimeOffset(2026, 10, 21, 7, 28, 0, TimeSpan.Zero), r.Headers.RetryAfter!.Date);
    }

    [Fact]
    public async Task Status_fault_with_a_custom_body_and_code()
    {
        await using var s = await T.Start();
        s.Faults.Status("*", 500, body: """{"error": "db down", "code": "internal", "details": {"retry": true}}""");
        s.Faults.Status("*", 418, errorCode: "teapot");
        using var c = T.Client(s, T.SharedKey);
        var body = await (await c.Post(Trigger, "{}")).AssertError(500, "internal");
        Assert.Equal("db down", (string?)body["error"]);
        await (await c.Post(Trigger, "{}")).AssertError(418, "teapot");
    }

    [Fact]
    public async Task Html_fault_answers_a_proxy_page()
    {
        await using var s = await T.Start();
        s.Faults.Html("POST " + Trigger, 502);
        using var c = T.Client(s, T.SharedKey);
        using var r = await c.Post(Trigger, "{}");
        Assert.Equal(502, (int)r.StatusCode);
        Assert.Equal("text/html", r.Content.Headers.ContentType!.MediaType);
        var text = await r.Content.ReadAsStringAsync();
        Assert.Contains("<html>", text);
        Assert.Contains("502 Bad Gateway", text);
        Assert.Equal(0, s.State.RunCount);
    }

    [Fact]
    public async Task Malformed_json_fault_answers_a_truncated_body()
    {
        await using var s = await T.Start();
        s.Faults.MalformedJson("POST " + Trigger);
        using var c = T.Client(s, T.SharedKey);
        using var r = await c.Post(Trigger, "{}");
        Assert.Equal(200, (int)r.StatusCode);
        Assert.StartsWith("application/json", r.Content.Headers.ContentType!.ToString());
        var text = await r.Content.ReadAsStringAsync();
        Assert.ThrowsAny<JsonException>(() => JsonDocument.Parse(text));
        Assert.Equal(0, s.State.RunCount);
    }

    [Fact]
    public async Task Delay_fault_delays_then_handles_normally()
    {
        var clock = new ManualClock();
        await using var s = await T.Start(T.FastDemo(clock));
        var rule = s.Faults.Delay("POST " + Trigger, 300);
        using var c = T.FreshClient(s, T.SharedKey);
        var call = c.Post(Trigger, "{}");
        await T.Eventually(() => clock.ArmedTimers > 0);
        // The request holds the fault and waits on the emulator's clock: 1 ms short of the delay it is still unanswered.
        Assert.Equal(1, rule.Hits);
        Assert.Equal(0, rule.Remaining);
        clock.Advance(TimeSpan.FromMilliseconds(299));
        Assert.False(call.IsCompleted);
        Assert.Equal(0, s.State.RunCount);
        clock.Advance(TimeSpan.FromMilliseconds(1));
        await (await call).AssertOk(201);
        Assert.Equal(1, s.State.RunCount);
        Assert.Equal("Delay 300ms", s.Requests.Last!.Fault);
        // The fault was used up: the next request is handled with no fault and no wait on the clock (the clock does not
        // move; were it delayed, the client's timeout would fail the call).
        await (await c.Post(Trigger, "{}")).AssertOk(201);
        Assert.Equal(2, s.State.RunCount);
        Assert.Equal(1, rule.Hits);
        Assert.Null(s.Requests.Last!.Fault);
    }

    [Fact]
    public async Task Delay_fault_waits_on_the_emulator_clock_then_handles_the_request()
    {
        var clock = new ManualClock();
        await using var s = await T.Start(T.FastDemo(clock));
        s.Faults.Delay("POST " + Trigger, 60_000);
        using var c = T.FreshClient(s, T.SharedKey);
        var call = c.Post(Trigger, "{}");
        await T.Eventually(() => clock.ArmedTimers > 0);
        clock.Advance(TimeSpan.FromSeconds(59));
        Assert.False(call.IsCompleted);
        Assert.Equal(0, s.State.RunCount);
        clock.Advance(TimeSpan.FromSeconds(1));
        await (await call).AssertOk(201);
        Assert.Equal(1, s.State.RunCount);
        Assert.Equal("Delay 60000ms", s.Requests.Last!.Fault);
    }

    [Fact]
    public async Task A_delay_in_progress_ends_when_the_server_stops()
    {
        var clock = new ManualClock();
        var s = await T.Start(T.FastDemo(clock));
        s.Faults.Delay("POST " + Trigger, 60_000);
        using var c = T.FreshClient(s, T.SharedKey);
        var call = c.Post(Trigger, "{}");
        await T.Eventually(() => clock.ArmedTimers > 0);
        await s.DisposeAsync();
        await Assert.ThrowsAnyAsync<HttpRequestException>(() => call);
        Assert.True(s.Requests.Last!.Aborted);
        Assert.Equal(0, s.State.RunCount);
    }

    [Fact]
    public async Task Reset_fault_aborts_without_a_response_and_creates_no_run()
    {
        await using var s = await T.Start();
        s.Faults.Reset("POST " + Trigger);
        using var c = T.FreshClient(s, T.SharedKey);
        await Assert.ThrowsAsync<HttpRequestException>(() => c.Post(Trigger, "{}"));
        Assert.Equal(0, s.State.RunCount);
        var entry = s.Requests.Find("POST", Trigger).Single();
        Assert.Equal("Reset", entry.Fault);
        Assert.True(entry.Aborted);
        Assert.Equal(0, entry.Status);
    }

    [Fact]
    public async Task Reset_after_handling_creates_the_run_but_sends_nothing()
    {
        await using var s = await T.Start();
        s.Faults.ResetAfterHandling("POST " + Trigger);
        using var c = T.FreshClient(s, T.SharedKey);
        await Assert.ThrowsAsync<HttpRequestException>(() => c.Post(Trigger, "{}"));
        Assert.Single(s.State.RunsForAgent(42));
        var entry = s.Requests.Find("POST", Trigger).Single();
        Assert.Equal("ResetAfterHandling", entry.Fault);
        Assert.True(entry.Aborted);
        Assert.Equal(201, entry.Status);
    }

    [Fact]
    public async Task Rules_match_by_method_and_segment_pattern()
    {
        await using var s = await T.Start();
        s.Faults.Status("GET /api/agents/*/runs/*", 503, count: FaultRule.Forever);
        using var c = T.Client(s, T.SharedKey);
        var id = (long)(await (await c.Post(Trigger, "{}")).AssertOk(201))["runId"]!;   // POST not matched
        await (await c.GetAsync($"/api/agents/42/runs/{id}")).AssertError(503, "unavailable");
        await (await c.GetAsync($"/api/agents/42/runs/{id}")).AssertError(503, "unavailable");
        s.Faults.Clear();
        await (await c.GetAsync($"/api/agents/42/runs/{id}")).AssertOk();
    }

    [Fact]
    public async Task Double_star_matches_any_depth_and_rules_apply_in_order()
    {
        await using var s = await T.Start();
        s.Faults.Status("/api/**", 500);
        s.Faults.Status("*", 503);
        using var c = T.Client(s, T.SharedKey);
        await (await c.Post(Trigger, "{}")).AssertError(500, "internal");
        await (await c.Post(Trigger, "{}")).AssertError(503, "unavailable");
        await (await c.Post(Trigger, "{}")).AssertOk(201);
    }

    [Fact]
    public async Task The_control_surface_is_never_faulted_and_manages_faults_over_http()
    {
        await using var s = await T.Start();
        using var control = T.Client(s);
        var added = await (await control.Post("/_emulator/faults",
            """[{"route": "*", "kind": "Status", "status": 503, "count": "*"}, {"spec": "GET /api/**:Delay:1:10"}]""")).AssertOk(201);
        Assert.Equal(2, added["added"]!.AsArray().Count);
        Assert.Equal(2, s.Faults.Rules.Count);
        Assert.Equal(FaultKind.Delay, s.Faults.Rules[1].Kind);
        // A catch-all fault does not touch /_emulator/.
        await (await control.GetAsync("/_emulator/faults")).AssertOk();
        using var c = T.Client(s, T.SharedKey);
        await (await c.Post(Trigger, "{}")).AssertError(503, "unavailable");
        var del = await control.DeleteAsync("/_emulator/faults");
        Assert.Equal(204, (int)del.StatusCode);
        Assert.Empty(s.Faults.Rules);
        await (await c.Post(Trigger, "{}")).AssertOk(201);

        var err = await (await control.Post("/_emulator/faults", """{"route": "*", "kind": "Explode"}""")).AssertError(422, "validation_failed");
        Assert.NotNull(err["details"]);
        var single = await (await control.Post("/_emulator/faults", """{"route": "POST /api/agents/*/runs/trigger", "kind": "status", "status": 429, "retryAfter": 7}""")).AssertOk(201);
        using var r = await c.Post(Trigger, "{}");
        Assert.Equal(429, (int)r.StatusCode);
        Assert.Equal(TimeSpan.FromSeconds(7), r.Headers.RetryAfter!.Delta);
    }

    [Theory]
    [InlineData("POST /api/agents/*/runs/trigger:Status:2:503", "POST", "/api/agents/*/runs/trigger", FaultKind.Status, 2, 503, null)]
    [InlineData("*:Status:1:429,5", null, "*", FaultKind.Status, 1, 429, "5")]
    [InlineData("*:Status::429,Wed, 21 Oct 2026 07:28:00 GMT", null, "*", FaultKind.Status, 1, 429, "Wed, 21 Oct 2026 07:28:00 GMT")]
    [InlineData("*:Reset", null, "*", FaultKind.Reset, 1, null, null)]
    [InlineData("/api/**:html:*", null, "/api/**", FaultKind.Html, FaultRule.Forever, null, null)]
    [InlineData("get /api/x:MalformedJson:3:500", "GET", "/api/x", FaultKind.MalformedJson, 3, 500, null)]
    [InlineData("POST /a:ResetAfterHandling:2", "POST", "/a", FaultKind.ResetAfterHandling, 2, null, null)]
    public void Fault_specs_parse(string spec, string? method, string path, FaultKind kind, int count, int? status, string? retryAfter)
    {
        var r = FaultRule.Parse(spec);
        Assert.Equal(method, r.Method);
        Assert.Equal(path, r.PathPattern);
        Assert.Equal(kind, r.Kind);
        Assert.Equal(count, r.Count);
        Assert.Equal(status, r.StatusCode);
        Assert.Equal(retryAfter, r.RetryAfter);
    }

    [Fact]
    public void Fault_spec_arguments_for_delay_and_cut()
    {
        Assert.Equal(250, FaultRule.Parse("*:Delay:1:250").DelayMs);
        Assert.Equal(1000, FaultRule.Parse("POST /x:CutDownload:1:1000").CutAfterBytes);
        Assert.Equal(65536, FaultRule.Parse("POST /x:CutDownload").CutAfterBytes);
    }

    [Theory]
    [InlineData("")]
    [InlineData("*")]
    [InlineData("*:Explode")]
    [InlineData("*:Status:zero")]
    [InlineData("*:Status:0")]
    [InlineData("*:Status:1:99")]
    [InlineData("*:Delay")]
    [InlineData("*:Delay:1:soon")]
    [InlineData("*:Reset:1:5")]
    [InlineData("*:Html:1:502,5")]
    [InlineData("api/x:Reset")]
    public void Bad_fault_specs_are_rejected(string spec)
    {
        Assert.Throws<FormatException>(() => FaultRule.Parse(spec));
    }

    [Fact]
    public async Task Faults_reach_zone_and_runtime_routes_too()
    {
        await using var s = await T.Start();
        s.Faults.Status("POST /api/runs/*/callback", 503);
        using var c = T.Client(s, T.SharedKey);
        var id = (long)(await (await c.Post("/api/agents/48/runs/trigger", "{}")).Json())["runId"]!;
        using var rt = T.Client(s, "cxpa_demo_agent_48");
        await (await rt.Post($"/api/runs/{id}/callback", """{"type": "started"}""")).AssertError(503, "unavailable");
        Assert.Equal("queued", s.State.RunsForAgent(48).Single().Status);
        await (await rt.Post($"/api/runs/{id}/callback", """{"type": "started"}""")).AssertOk();
    }
}
