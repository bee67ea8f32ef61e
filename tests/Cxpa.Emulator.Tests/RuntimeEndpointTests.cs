using System.Text.Json.Nodes;
using Xunit;

namespace Cxpa.Emulator.Tests;

public class RuntimeEndpointTests
{
    private static async Task<(long RunId, JsonObject Payload)> TriggerOn48(EmulatorServer s)
    {
        using var c = T.Client(s, T.SharedKey);
        var runId = (long)(await (await c.Post("/api/agents/48/runs/trigger", """{"input": {"q": "hello"}}""")).AssertOk(201))["runId"]!;
        using var control = T.Client(s);
        var payload = await (await control.GetAsync($"/_emulator/runs/{runId}/trigger-payload")).AssertOk();
        return (runId, payload);
    }

    [Fact]
    public async Task Trigger_payload_carries_run_id_agent_key_token_and_input()
    {
        var clock = new ManualClock(new DateTimeOffset(2026, 11, 22, 10, 0, 0, TimeSpan.Zero));
        await using var s = await T.Start(T.FastDemo(clock));
        var (runId, payload) = await TriggerOn48(s);
        Assert.Equal(runId, (long)payload["runId"]!);
        Assert.Equal("cxpa_demo_agent_48", (string?)payload["agentApiKey"]);
        Assert.Equal("hello", (string?)payload["input"]!["q"]);
        Assert.True(payload.ContainsKey("credentialsToken"));
        // Without a simulated runtime the run waits for callbacks: an hour on the emulator's clock changes nothing.
        clock.Advance(TimeSpan.FromHours(1));
        Assert.Equal("queued", s.State.TryGetRun(runId, out var run) ? run.Status : null);
    }

    [Fact]
    public async Task Callbacks_drive_the_run_through_its_states()
    {
        await using var s = await T.Start();
        var (runId, _) = await TriggerOn48(s);
        using var rt = T.Client(s, "cxpa_demo_agent_48");
        using var read = T.Client(s, T.SharedKey);
        var cb = $"/api/runs/{runId}/callback";

        var r = await (await rt.Post(cb, """{"type": "started"}""")).AssertOk();
        Assert.True((bool)r["ok"]!);
        Assert.Equal("running", (string?)r["status"]);
        var row = await (await read.GetAsync($"/api/agents/48/runs/{runId}")).Json();
        Assert.Equal("running", (string?)row["status"]);
        Assert.NotNull(row["started_at"]);

        r = await (await rt.Post(cb, """{"type": "output", "output": {"partial": 1}, "outputs": 1}""")).AssertOk();
        Assert.Equal("running", (string?)r["status"]);
        row = await (await read.GetAsync($"/api/agents/48/runs/{runId}")).Json();
        Assert.Equal(1, (long)row["output_data"]!["partial"]!);
        Assert.Equal(1, (long)row["outputs"]!);

        r = await (await rt.Post(cb, """{"type": "waiting", "tokenId": "tok_1", "description": "Approve the mail", "output": {"draft": "hi"}}""")).AssertOk();
        Assert.Equal("waiting", (string?)r["status"]);
        row = await (await read.GetAsync($"/api/agents/48/runs/{runId}")).Json();
        Assert.Equal("waiting", (string?)row["status"]);
        Assert.Equal("tok_1", (string?)row["metadata"]!["waiting"]!["tokenId"]);
        Assert.Equal("Approve the mail", (string?)row["metadata"]!["waiting"]!["description"]);
        Assert.Equal("hi", (string?)row["output_data"]!["draft"]);
        Assert.Null(row["completed_at"]);

        r = await (await rt.Post(cb, """{"type": "output", "output": {"done": true}, "outputs": 3, "complete": true}""")).AssertOk();
        Assert.Equal("completed", (string?)r["status"]);
        row = await (await read.GetAsync($"/api/agents/48/runs/{runId}")).Json();
        Assert.Equal("completed", (string?)row["status"]);
        Assert.True((bool)row["output_data"]!["done"]!);
        Assert.Equal(3, (long)row["outputs"]!);
        Assert.NotNull(row["completed_at"]);

        await (await rt.Post(cb, """{"type": "started"}""")).AssertError(409, "conflict");
        await (await rt.Post(cb, """{"type": "output", "output": {}, "complete": true}""")).AssertError(409, "conflict");
    }

    [Fact]
    public async Task Fail_callback_sets_failed_with_the_message()
    {
        await using var s = await T.Start();
        var (runId, _) = await TriggerOn48(s);
        using var rt = T.Client(s, "cxpa_demo_agent_48");
        var r = await (await rt.Post($"/api/runs/{runId}/callback",
            """{"type": "output", "failed": true, "error": {"message": "Site down", "name": "FetchError", "stack": "at x"}}""")).AssertOk();
        Assert.Equal("failed", (string?)r["status"]);
        var row = s.State.TryGetRun(runId, out var run) ? run.ToRow() : null;
        Assert.Equal("failed", (string?)row!["status"]);
        Assert.Equal("Site down", (string?)row["error"]);
        Assert.Equal("FetchError", (string?)row["metadata"]!["error"]!["name"]);
        await (await rt.Post($"/api/runs/{runId}/callback", """{"type": "started"}""")).AssertError(409, "conflict");
    }

    [Fact]
    public async Task Callback_unblocks_a_pending_trigger_and_wait()
    {
        await using var s = await T.Start();
        using var c = T.Client(s, T.SharedKey);
        var wait = c.Post("/api/agents/48/runs/trigger-and-wait", """{"input": {}, "timeoutMs": 10000}""");
        await T.Eventually(() => s.State.RunsForAgent(48).Count == 1);
        var run = s.State.RunsForAgent(48).Single();
        using var rt = T.Client(s, "cxpa_demo_agent_48");
        await (await rt.Post($"/api/runs/{run.Id}/callback", """{"type": "started"}""")).AssertOk();
        Assert.False(wait.IsCompleted);
        await (await rt.Post($"/api/runs/{run.Id}/callback", """{"type": "output", "output": {"v": 7}, "complete": true}""")).AssertOk();
        var row = await (await wait.WaitAsync(TimeSpan.FromSeconds(5))).AssertOk();
        Assert.Equal("completed", (string?)row["status"]);
        Assert.Equal(7, (long)row["output_data"]!["v"]!);
    }

    [Fact]
    public async Task Callback_auth_and_validation()
    {
        await using var s = await T.Start();
        var (runId, _) = await TriggerOn48(s);
        using var none = T.Client(s);
        await (await none.Post($"/api/runs/{runId}/callback", """{"type": "started"}""")).AssertError(401, "unauthorized");
        using var other = T.Client(s, "cxpa_demo_agent_42");
        await (await other.Post($"/api/runs/{runId}/callback", """{"type": "started"}""")).AssertError(401, "unauthorized");
        using var ingest = T.Client(s, "cxpa_demo_ingest_48");
        await (await ingest.Post($"/api/runs/{runId}/callback", """{"type": "started"}""")).AssertError(401, "unauthorized");
        using var rt = T.Client(s, "cxpa_demo_agent_48");
        await (await rt.Post("/api/runs/424242/callback", """{"type": "started"}""")).AssertError(404, "not_found");
        var err = await (await rt.Post($"/api/runs/{runId}/callback", """{"type": "exploded"}""")).AssertError(422, "validation_failed");
        Assert.NotNull(err["details"]!["type"]);
        err = await (await rt.Post($"/api/runs/{runId}/callback", """{"output": {}}""")).AssertError(422, "validation_failed");
        Assert.NotNull(err["details"]!["type"]);
        err = await (await rt.Post($"/api/runs/{runId}/callback", """{"type": "waiting"}""")).AssertError(422, "validation_failed");
        Assert.NotNull(err["details"]!["tokenId"]);
        err = await (await rt.Post($"/api/runs/{runId}/callback", """{"type": "output", "complete": true, "failed": true}""")).AssertError(422, "validation_failed");
        err = await (await rt.Post($"/api/runs/{runId}/callback", """{"type": "output", "outputs": "3"}""")).AssertError(422, "validation_failed");
        Assert.NotNull(err["details"]!["outputs"]);
        Assert.Equal("queued", s.State.TryGetRun(runId, out var run) ? run.Status : null);
    }

    [Fact]
    public async Task A_callback_takes_over_a_simulated_run()
    {
        await using var s = await T.Start();
        using var c = T.Client(s, T.SharedKey);
        var runId = (long)(await (await c.Post("/api/agents/47/runs/trigger", "{}")).Json())["runId"]!;
        using var rt = T.Client(s, "cxpa_demo_agent_47");
        await (await rt.Post($"/api/runs/{runId}/callback", """{"type": "output", "output": {"early": true}, "complete": true}""")).AssertOk();
        Assert.True(s.State.TryGetRun(runId, out var run));
        Assert.False(run.IsSimulated);
        Assert.Equal("completed", run.Status);
    }

    [Fact]
    public async Task Forced_status_is_visible_and_makes_callbacks_conflict()
    {
        await using var s = await T.Start();
        var (runId, _) = await TriggerOn48(s);
        Assert.True(s.State.ForceStatus(runId, "cancelled"));
        Assert.False(s.State.ForceStatus(999_999, "cancelled"));
        Assert.False(s.State.ForceStatus(runId, "exploded"));
        using var read = T.Client(s, T.SharedKey);
        var row = await (await read.GetAsync($"/api/agents/48/runs/{runId}")).Json();
        Assert.Equal("cancelled", (string?)row["status"]);
        Assert.NotNull(row["completed_at"]);
        using var rt = T.Client(s, "cxpa_demo_agent_48");
        await (await rt.Post($"/api/runs/{runId}/callback", """{"type": "started"}""")).AssertError(409, "conflict");

        // Over HTTP too.
        var (run2, _) = await TriggerOn48(s);
        using var control = T.Client(s);
        var forced = await (await control.Post($"/_emulator/runs/{run2}/status", """{"status": "failed", "error": "forced"}""")).AssertOk();
        Assert.Equal("failed", (string?)forced["status"]);
        Assert.Equal("forced", (string?)forced["error"]);
    }

    // ---- resolve

    private static HttpClient Resolver(EmulatorServer s, string agentKey, string? credentialsToken)
    {
        var c = T.Client(s, agentKey);
        if (credentialsToken is not null) c.DefaultRequestHeaders.Add("x-credentials-token", credentialsToken);
        return c;
    }

    [Fact]
    public async Task Resolve_returns_the_connection_credential_with_a_good_token()
    {
        await using var s = await T.Start();
        var (_, payload) = await TriggerOn48(s);
        using var c = Resolver(s, (string)payload["agentApiKey"]!, (string)payload["credentialsToken"]!);
        var cred = await (await c.GetAsync("/api/credentials/conn_hubspot/resolve")).AssertOk();
        Assert.Equal("oauth", (string?)cred["type"]);
        Assert.Equal("demo-hubspot-access-token", (string?)cred["access_token"]);
        var basic = await (await c.GetAsync("/api/credentials/conn_ftp/resolve")).AssertOk();
        Assert.Equal("basic", (string?)basic["type"]);
        var legacy = await (await c.GetAsync("/api/credentials/conn_legacy/resolve")).AssertOk();
        Assert.Equal("saml", (string?)legacy["type"]);
        await (await c.GetAsync("/api/credentials/conn_nothing/resolve")).AssertError(404, "not_found");
    }

    [Fact]
    public async Task Resolve_works_with_the_token_from_register()
    {
        await using var s = await T.Start();
        using var ingest = T.Client(s, T.SharedKey);
        var reg = await (await ingest.Post("/api/agents/42/runs/register", """{"externalRunId": "r-1"}""")).AssertOk();
        using var c = Resolver(s, "cxpa_demo_agent_42", (string)reg["credentialsToken"]!);
        var cred = await (await c.GetAsync("/api/credentials/conn_openai/resolve")).AssertOk();
        Assert.Equal("api_key", (string?)cred["type"]);
    }

    [Fact]
    public async Task Resolve_rejects_bad_credentials_tokens_with_401()
    {
        await using var s = await T.Start();
        var (runId, payload) = await TriggerOn48(s);
        var good = (string)payload["credentialsToken"]!;

        using (var c = Resolver(s, "cxpa_demo_agent_48", null))
            await (await c.GetAsync("/api/credentials/conn_hubspot/resolve")).AssertError(401, "unauthorized");
        using (var c = Resolver(s, "cxpa_demo_agent_48", good[..^2] + (good[^2] == 'A' ? "BB" : "AA")))
            await (await c.GetAsync("/api/credentials/conn_hubspot/resolve")).AssertError(401, "unauthorized");
        using (var c = Resolver(s, "cxpa_demo_agent_48", "not-a-jwt"))
            await (await c.GetAsync("/api/credentials/conn_hubspot/resolve")).AssertError(401, "unauthorized");
        // Expired.
        var expired = s.MintCredentialsToken(runId, 48, TimeSpan.FromMinutes(-5))!;
        using (var c = Resolver(s, "cxpa_demo_agent_48", expired))
            await (await c.GetAsync("/api/credentials/conn_hubspot/resolve")).AssertError(401, "unauthorized");
        // A token for a run that does not exist, or a run of another agent.
        using (var c = Resolver(s, "cxpa_demo_agent_48", s.MintCredentialsToken(777_777, 48)))
            await (await c.GetAsync("/api/credentials/conn_hubspot/resolve")).AssertError(401, "unauthorized");
        using var ingest = T.Client(s, T.SharedKey);
        var run42 = (long)(await (await ingest.Post("/api/agents/42/runs/trigger", "{}")).Json())["runId"]!;
        using (var c = Resolver(s, "cxpa_demo_agent_48", s.MintCredentialsToken(run42, 42)))
            await (await c.GetAsync("/api/credentials/conn_hubspot/resolve")).AssertError(401, "unauthorized");
        using (var c = Resolver(s, "cxpa_demo_agent_48", s.MintCredentialsToken(run42, 48)))
            await (await c.GetAsync("/api/credentials/conn_hubspot/resolve")).AssertError(401, "unauthorized");
        // Good token, wrong agent key.
        using (var c = Resolver(s, "cxpa_demo_agent_42", good))
            await (await c.GetAsync("/api/credentials/conn_hubspot/resolve")).AssertError(401, "unauthorized");
        using (var c = Resolver(s, "wrong", good))
            await (await c.GetAsync("/api/credentials/conn_hubspot/resolve")).AssertError(401, "unauthorized");
        // And the good one still works.
        using (var c = Resolver(s, "cxpa_demo_agent_48", good))
            await (await c.GetAsync("/api/credentials/conn_hubspot/resolve")).AssertOk();
    }
}
