using Xunit;

namespace Cxpa.Emulator.Tests;

public class RequestLogAndControlTests
{
    [Fact]
    public async Task Every_request_is_logged_with_method_path_status_and_auth_flag()
    {
        await using var s = await T.Start();
        using var c = T.Client(s, T.SharedKey);
        using var anon = T.Client(s);
        await c.Post("/api/agents/42/runs/trigger", "{}");
        await c.Post("/api/agents/42/runs/trigger", "{}");
        await anon.Post("/api/agents/42/runs/trigger?x=1", "{}");
        await c.GetAsync("/api/agents/42/runs/1000");

        var all = s.Requests.Entries;
        Assert.Equal(4, all.Count);
        Assert.Equal(new[] { 201, 201, 401, 200 }, all.Select(e => e.Status));
        Assert.Equal(new[] { true, true, false, true }, all.Select(e => e.HasAuthorization));
        Assert.Equal("?x=1", all[2].Query);
        Assert.Equal("/api/agents/42/runs/trigger", all[2].Path);
        Assert.All(all, e => Assert.True(e.Timestamp > DateTimeOffset.UtcNow.AddMinutes(-1)));
        Assert.True(all.Select(e => e.Sequence).SequenceEqual(all.Select(e => e.Sequence).Order()));

        Assert.Equal(3, s.Requests.Count("POST", "/api/agents/42/runs/trigger"));
        Assert.Equal(3, s.Requests.Count("post", "/api/agents/*/runs/trigger"));
        Assert.Equal(4, s.Requests.Count(null, "/api/agents/42"));
        Assert.Equal(1, s.Requests.Count("GET", "/api/agents/*/runs/*"));
        Assert.Equal(0, s.Requests.Count("DELETE", "/"));
        Assert.Equal(4, s.Requests.Count("*", "**"));

        s.Requests.Clear();
        Assert.Equal(0, s.Requests.Total);
        await c.Post("/api/agents/42/runs/trigger", "{}");
        Assert.Equal(5, s.Requests.Last!.Sequence);
    }

    [Fact]
    public async Task The_log_entry_has_its_status_as_soon_as_the_client_has_the_response()
    {
        await using var s = await T.Start();
        using var c = T.Client(s, T.SharedKey);
        for (int i = 0; i < 20; i++)
        {
            using var r = await c.GetAsync("/api/agents/42/runs/99");
            Assert.Equal(404, s.Requests.Last!.Status);
        }
    }

    [Fact]
    public async Task Control_requests_are_not_logged_and_the_log_is_served_over_http()
    {
        await using var s = await T.Start();
        using var c = T.Client(s, T.SharedKey);
        c.DefaultRequestHeaders.Add("Cache-Control", "no-store");
        await c.Post("/api/agents/42/runs/trigger", "{}");
        using var control = T.Client(s);
        var body = await (await control.GetAsync("/_emulator/requests")).AssertOk();
        Assert.Equal(1, (long)body["count"]!);
        var e = body["requests"]!.AsArray()[0]!;
        Assert.Equal("POST", (string?)e["method"]);
        Assert.Equal("/api/agents/42/runs/trigger", (string?)e["path"]);
        Assert.Equal(201, (long)e["status"]!);
        Assert.True((bool)e["hasAuthorization"]!);
        Assert.Equal("no-store", (string?)e["cacheControl"]);
        Assert.Equal("<redacted>", (string?)e["headers"]!["Authorization"]);
        Assert.DoesNotContain(T.SharedKey, body.ToJsonString());

        Assert.Equal(204, (int)(await control.DeleteAsync("/_emulator/requests")).StatusCode);
        Assert.Equal(0, s.Requests.Total);
    }

    [Fact]
    public async Task Control_surface_reads_runs()
    {
        await using var s = await T.Start();
        using var c = T.Client(s, T.SharedKey);
        var id = (long)(await (await c.Post("/api/agents/42/runs/trigger", """{"input": {"a": 1}}""")).Json())["runId"]!;
        using var control = T.Client(s);
        var row = await (await control.GetAsync($"/_emulator/runs/{id}")).AssertOk();
        Assert.Equal(id, (long)row["id"]!);
        Assert.Equal("trigger", (string?)row["_emulator"]!["source"]);
        await (await control.GetAsync("/_emulator/runs/5")).AssertError(404, "not_found");
        var list = await (await control.GetAsync("/_emulator/runs?agentId=42")).AssertOk();
        Assert.Single(list["runs"]!.AsArray());
        var payload = await (await control.GetAsync($"/_emulator/runs/{id}/trigger-payload")).AssertOk();
        Assert.Equal(1, (long)payload["input"]!["a"]!);
        Assert.Equal(0, s.Requests.Count(null, "/_emulator"));
    }

    [Fact]
    public async Task Demo_endpoint_lists_every_agent_and_key()
    {
        await using var s = await T.Start();
        using var control = T.Client(s);
        var demo = await (await control.GetAsync("/_emulator/demo")).AssertOk();
        var ids = demo["agents"]!.AsArray().Select(a => (long)a!["id"]!).ToArray();
        Assert.Equal(new long[] { 42, 43, 44, 45, 46, 47, 48 }, ids);
        Assert.All(demo["agents"]!.AsArray(), a => Assert.StartsWith("cxpa_demo_agent_", (string?)a!["agentApiKey"]));
        Assert.NotNull(demo["zoneToken"]);
        Assert.Equal(s.GetDemoInfo()["demoIngestKey"]!.ToJsonString(), demo["demoIngestKey"]!.ToJsonString());
    }

    [Fact]
    public async Task Server_listens_on_loopback_with_a_trailing_slash_base_url()
    {
        await using var s = await T.Start();
        Assert.Equal("127.0.0.1", s.BaseUrl.Host);
        Assert.EndsWith("/", s.BaseUrl.ToString());
        Assert.True(s.BaseUrl.Port > 0);
        Assert.Same(TimeProvider.System, s.Clock);
        await using var s2 = await T.Start();
        Assert.NotEqual(s.BaseUrl.Port, s2.BaseUrl.Port);
    }

    [Fact]
    public async Task Dispose_does_not_hang_on_a_pending_wait()
    {
        var s = await T.Start();
        using var c = T.FreshClient(s, T.SharedKey);
        var pending = c.Post("/api/agents/47/runs/trigger-and-wait", """{"input": {}}""");
        await T.Eventually(() => s.State.RunCount == 1);
        // Agent 47's wait would hold the request for minutes: a dispose that returns, and the pending request failing,
        // show the server did not wait for it (the 60 s guard only keeps a broken build from hanging the suite).
        var dispose = s.DisposeAsync().AsTask();
        Assert.Same(dispose, await Task.WhenAny(dispose, Task.Delay(TimeSpan.FromSeconds(60))));
        await dispose;
        await Assert.ThrowsAnyAsync<Exception>(() => pending);
    }

    [Fact]
    public async Task A_route_asked_with_another_method_is_405_and_an_unknown_path_404()
    {
        await using var s = await T.Start();
        using var c = T.Client(s, T.SharedKey);
        await (await c.GetAsync("/api/agents/42/runs/trigger")).AssertError(405, "method_not_allowed");
        await (await c.GetAsync("/api/agents/not-a-number/runs/1000")).AssertError(404, "not_found");
        await (await c.DeleteAsync("/nowhere")).AssertError(404, "not_found");
        Assert.Equal(new[] { 405, 404, 404 }, s.Requests.Entries.Select(e => e.Status));
    }

    [Fact]
    public async Task The_log_keeps_the_body_and_masks_secret_headers()
    {
        await using var s = await T.Start();
        using var c = T.Client(s, T.SharedKey);
        c.DefaultRequestHeaders.Add("x-credentials-token", "a-token-that-must-not-be-kept");
        await (await c.Post("/api/agents/42/runs/trigger", """{"input": {"city": "Oslo"}}""")).AssertOk(201);
        var entry = s.Requests.Last!;
        Assert.Equal("""{"input": {"city": "Oslo"}}""", entry.Body);
        Assert.Equal("<redacted>", entry.Headers["Authorization"]);
        Assert.Equal("<redacted>", entry.Headers["x-credentials-token"]);
        Assert.DoesNotContain(entry.Headers.Values, v => v.Contains(T.SharedKey) || v.Contains("a-token-that-must-not-be-kept"));
    }

    [Fact]
    public async Task A_port_in_use_is_an_EmulatorPortException_naming_it()
    {
        await using var s = await T.Start();
        var e = await Assert.ThrowsAsync<EmulatorPortException>(() => EmulatorServer.StartAsync(T.FastDemo(), s.BaseUrl.Port));
        Assert.Equal(s.BaseUrl.Port, e.Port);
        Assert.Contains(s.BaseUrl.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), e.Message);
    }
}
