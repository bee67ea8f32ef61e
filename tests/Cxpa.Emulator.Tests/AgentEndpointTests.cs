using System.Text.Json.Nodes;
using Xunit;

namespace Cxpa.Emulator.Tests;

public class AgentEndpointTests
{
    [Fact]
    public async Task Trigger_creates_a_queued_run_and_returns_201_with_the_run_id()
    {
        await using var s = await T.Start();
        using var c = T.Client(s, "cxpa_demo_ingest_42");
        var r = await c.Post("/api/agents/42/runs/trigger", """{"input": {"url": "https://example.com"}}""");
        var body = await r.AssertOk(201);
        Assert.Equal("queued", (string?)body["status"]);
        var runId = (long)body["runId"]!;
        Assert.True(runId >= 1000);
        Assert.StartsWith("application/json", r.Content.Headers.ContentType!.ToString());
        Assert.True(s.State.TryGetRun(runId, out var run));
        Assert.Equal(42, run.AgentId);
        Assert.Equal("https://example.com", (string?)run.Snapshot().InputData!["url"]);
    }

    [Fact]
    public async Task Trigger_is_not_idempotent_and_run_ids_increase_from_1000()
    {
        await using var s = await T.Start();
        using var c = T.Client(s, T.SharedKey);
        var a = (long)(await (await c.Post("/api/agents/42/runs/trigger", """{"input": {}}""")).AssertOk(201))["runId"]!;
        var b = (long)(await (await c.Post("/api/agents/42/runs/trigger", """{"input": {}}""")).AssertOk(201))["runId"]!;
        Assert.Equal(1000, a);
        Assert.Equal(1001, b);
        Assert.Equal(2, s.State.RunsForAgent(42).Count);
    }

    [Fact]
    public async Task Trigger_status_code_is_configurable_to_200()
    {
        var cfg = T.FastDemo();
        cfg.TriggerStatusCode = 200;
        await using var s = await T.Start(cfg);
        using var c = T.Client(s, T.SharedKey);
        await (await c.Post("/api/agents/42/runs/trigger", "{}")).AssertOk(200);
    }

    [Fact]
    public async Task Trigger_and_wait_returns_the_terminal_run_row_with_echoed_output()
    {
        await using var s = await T.Start();
        using var c = T.Client(s, T.SharedKey);
        var r = await c.Post("/api/agents/42/runs/trigger-and-wait", """{"input": {"topic": "Q3"}, "timeoutMs": 5000}""");
        var row = await r.AssertOk(200);
        T.AssertRowShape(row);
        Assert.Equal("completed", (string?)row["status"]);
        Assert.Equal(42, (long)row["agent_id"]!);
        Assert.Equal("Q3", (string?)row["output_data"]!["echo"]!["topic"]);
        Assert.Equal("Q3", (string?)row["input_data"]!["topic"]);
        Assert.Equal(1, (long)row["outputs"]!);
        Assert.Null(row["error"]);
        Assert.NotNull(row["started_at"]);
        Assert.NotNull(row["completed_at"]);
        Assert.EndsWith("Z", (string)row["created_at"]!);
    }

    [Fact]
    public async Task Trigger_and_wait_on_a_failing_agent_returns_the_failed_row()
    {
        await using var s = await T.Start();
        using var c = T.Client(s, T.SharedKey);
        var row = await (await c.Post("/api/agents/45/runs/trigger-and-wait", """{"input": {}}""")).AssertOk(200);
        Assert.Equal("failed", (string?)row["status"]);
        Assert.Equal("Upstream site unreachable", (string?)row["error"]);
        Assert.Null(row["output_data"]);
    }

    [Fact]
    public async Task Trigger_and_wait_returns_202_when_the_window_elapses_and_the_run_goes_on()
    {
        await using var s = await T.Start();
        using var c = T.Client(s, T.SharedKey);
        var r = await c.Post("/api/agents/47/runs/trigger-and-wait", """{"input": {}, "timeoutMs": 150}""");
        var body = await r.AssertOk(202);
        Assert.True((bool)body["timedOut"]!);
        var runId = (long)body["runId"]!;
        var row = await (await c.GetAsync($"/api/agents/47/runs/{runId}")).AssertOk();
        Assert.Equal("running", (string?)row["status"]);
    }

    [Fact]
    public async Task Get_run_returns_the_pinned_row()
    {
        await using var s = await T.Start();
        using var c = T.Client(s, T.SharedKey);
        var runId = (long)(await (await c.Post("/api/agents/42/runs/trigger", """{"input": {"x": 1}}""")).Json())["runId"]!;
        var row = await (await c.GetAsync($"/api/agents/42/runs/{runId}")).AssertOk();
        T.AssertRowShape(row);
        Assert.Equal(runId, (long)row["id"]!);
        Assert.Null(row["external_run_id"]);
        Assert.Null(row["created_by"]);
        Assert.IsType<JsonObject>(row["metadata"]);
    }

    [Fact]
    public async Task Unknown_fields_in_the_body_are_ignored()
    {
        await using var s = await T.Start();
        using var c = T.Client(s, T.SharedKey);
        await (await c.Post("/api/agents/42/runs/trigger", """{"input": {}, "somethingNew": [1, 2], "priority": "high"}""")).AssertOk(201);
    }

    // ---- auth

    [Fact]
    public async Task Missing_or_wrong_ingest_key_is_401_and_creates_no_run()
    {
        await using var s = await T.Start();
        using var none = T.Client(s);
        await (await none.Post("/api/agents/42/runs/trigger", "{}")).AssertError(401, "unauthorized");
        using var wrong = T.Client(s, "nope");
        await (await wrong.Post("/api/agents/42/runs/trigger", "{}")).AssertError(401, "unauthorized");
        using var otherAgent = T.Client(s, "cxpa_demo_ingest_43");
        await (await otherAgent.Post("/api/agents/42/runs/trigger", "{}")).AssertError(401, "unauthorized");
        using var basic = T.Client(s);
        basic.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Basic", "Y3hwYV9kZW1vX2luZ2VzdF80Mg==");
        await (await basic.Post("/api/agents/42/runs/trigger", "{}")).AssertError(401, "unauthorized");
        Assert.Equal(0, s.State.RunCount);
    }

    [Fact]
    public async Task Each_agent_key_and_the_shared_demo_key_are_accepted()
    {
        await using var s = await T.Start();
        using var own = T.Client(s, "cxpa_demo_ingest_42");
        await (await own.Post("/api/agents/42/runs/trigger", "{}")).AssertOk(201);
        using var shared = T.Client(s, T.SharedKey);
        await (await shared.Post("/api/agents/42/runs/trigger", "{}")).AssertOk(201);
    }

    [Fact]
    public async Task Without_a_demo_key_only_the_agents_own_key_works()
    {
        var cfg = T.FastDemo();
        cfg.DemoIngestKey = null;
        await using var s = await T.Start(cfg);
        using var shared = T.Client(s, T.SharedKey);
        await (await shared.Post("/api/agents/42/runs/trigger", "{}")).AssertError(401, "unauthorized");
    }

    // ---- eligibility

    [Theory]
    [InlineData(44, "trigger")]          // standalone
    [InlineData(46, "trigger")]          // external triggers off
    [InlineData(46, "trigger-and-wait")]
    [InlineData(46, "trigger-and-download")]
    [InlineData(44, "register")]
    [InlineData(46, "register")]
    public async Task Ineligible_agents_answer_403_agent_not_eligible(long agentId, string call)
    {
        await using var s = await T.Start();
        using var c = T.Client(s, T.SharedKey);
        var r = await c.Post($"/api/agents/{agentId}/runs/{call}", """{"input": {}, "externalRunId": "x1"}""");
        await r.AssertError(403, "agent_not_eligible");
        Assert.Equal(0, s.State.RunCount);
    }

    [Fact]
    public async Task Paused_agent_is_not_eligible()
    {
        var cfg = T.FastDemo();
        cfg.FindAgent(42)!.Status = "paused";
        await using var s = await T.Start(cfg);
        using var c = T.Client(s, T.SharedKey);
        await (await c.Post("/api/agents/42/runs/trigger", "{}")).AssertError(403, "agent_not_eligible");
    }

    // ---- 404

    [Fact]
    public async Task Unknown_agent_unknown_run_and_other_agents_run_are_404()
    {
        await using var s = await T.Start();
        using var c = T.Client(s, T.SharedKey);
        await (await c.Post("/api/agents/999/runs/trigger", "{}")).AssertError(404, "not_found");
        await (await c.GetAsync("/api/agents/42/runs/123456")).AssertError(404, "not_found");
        var runOf43 = (long)(await (await c.Post("/api/agents/43/runs/trigger", "{}")).Json())["runId"]!;
        await (await c.GetAsync($"/api/agents/42/runs/{runOf43}")).AssertError(404, "not_found");
        await (await c.GetAsync("/api/agents/42/runs/not-a-number")).AssertError(404, "not_found");
        await (await c.GetAsync("/api/nothing/here")).AssertError(404, "not_found");
    }

    // ---- 422

    [Fact]
    public async Task Validation_failures_name_the_fields()
    {
        await using var s = await T.Start();
        using var c = T.Client(s, T.SharedKey);
        var body = await (await c.Post("/api/agents/42/runs/trigger-and-wait", """{"input": [1], "timeoutMs": 0}""")).AssertError(422, "validation_failed");
        Assert.NotNull(body["details"]!["input"]);
        Assert.NotNull(body["details"]!["timeoutMs"]);

        body = await (await c.Post("/api/agents/42/runs/trigger-and-wait", """{"input": {}, "timeoutMs": "1000"}""")).AssertError(422, "validation_failed");
        Assert.NotNull(body["details"]!["timeoutMs"]);
        body = await (await c.Post("/api/agents/42/runs/trigger-and-wait", """{"input": {}, "timeoutMs": 1.5}""")).AssertError(422, "validation_failed");
        Assert.NotNull(body["details"]!["timeoutMs"]);

        foreach (var bad in new[] { "[1,2]", "\"text\"", "not json", "", "{\"input\": " })
        {
            body = await (await c.Post("/api/agents/42/runs/trigger", bad)).AssertError(422, "validation_failed");
            Assert.NotNull(body["details"]!["body"]);
        }
        Assert.Equal(0, s.State.RunCount);
    }

    [Fact]
    public async Task Missing_input_is_an_empty_object()
    {
        await using var s = await T.Start();
        using var c = T.Client(s, T.SharedKey);
        var id = (long)(await (await c.Post("/api/agents/42/runs/trigger", "{}")).AssertOk(201))["runId"]!;
        var row = await (await c.GetAsync($"/api/agents/42/runs/{id}")).Json();
        Assert.Equal("{}", row["input_data"]!.ToJsonString());
    }

    // ---- register

    [Fact]
    public async Task Register_creates_a_running_run_and_is_idempotent_on_external_id()
    {
        await using var s = await T.Start();
        using var c = T.Client(s, T.SharedKey);
        var first = await (await c.Post("/api/agents/42/runs/register",
            """{"externalRunId": "run_abc123", "input": {"url": "https://example.com"}, "metadata": {"source": "scheduler-x"}, "userId": "00000000-0000-4000-8000-000000000000"}""")).AssertOk();
        var runId = (long)first["runId"]!;
        Assert.Equal(3600, (long)first["expiresInSeconds"]!);
        Assert.True(first.ContainsKey("credentialsToken"));
        Assert.Equal(3, ((string)first["credentialsToken"]!).Split('.').Length);

        var second = await (await c.Post("/api/agents/42/runs/register", """{"externalRunId": "run_abc123"}""")).AssertOk();
        Assert.Equal(runId, (long)second["runId"]!);
        var other = await (await c.Post("/api/agents/42/runs/register", """{"externalRunId": "run_other"}""")).AssertOk();
        Assert.NotEqual(runId, (long)other["runId"]!);

        var row = await (await c.GetAsync($"/api/agents/42/runs/{runId}")).AssertOk();
        Assert.Equal("running", (string?)row["status"]);
        Assert.Equal("run_abc123", (string?)row["external_run_id"]);
        Assert.Equal("00000000-0000-4000-8000-000000000000", (string?)row["created_by"]);
        Assert.Equal("scheduler-x", (string?)row["metadata"]!["source"]);
        Assert.Equal("https://example.com", (string?)row["input_data"]!["url"]);
        Assert.NotNull(row["started_at"]);
        Assert.Equal(2, s.State.RunsForAgent(42).Count);
    }

    [Fact]
    public async Task Register_concurrently_with_one_external_id_yields_one_run()
    {
        await using var s = await T.Start();
        using var c = T.Client(s, T.SharedKey);
        var tasks = Enumerable.Range(0, 16).Select(_ => c.Post("/api/agents/42/runs/register", """{"externalRunId": "same"}""")).ToArray();
        var ids = new HashSet<long>();
        foreach (var t in tasks) ids.Add((long)(await (await t).AssertOk())["runId"]!);
        Assert.Single(ids);
        Assert.Single(s.State.RunsForAgent(42));
    }

    [Fact]
    public async Task Register_drops_a_non_member_user_silently()
    {
        await using var s = await T.Start();
        using var c = T.Client(s, T.SharedKey);
        var id = (long)(await (await c.Post("/api/agents/42/runs/register",
            """{"externalRunId": "x", "userId": "99999999-9999-4999-8999-999999999999"}""")).AssertOk())["runId"]!;
        Assert.Null((await (await c.GetAsync($"/api/agents/42/runs/{id}")).Json())["created_by"]);
    }

    [Theory]
    [InlineData("""{"userId": "u1", "externalRunId": "x"}""", "userId")]
    [InlineData("""{"userId": 5, "externalRunId": "x"}""", "userId")]
    [InlineData("""{"externalRunId": ""}""", "externalRunId")]
    [InlineData("""{"input": {}}""", "externalRunId")]
    [InlineData("""{"externalRunId": 12}""", "externalRunId")]
    [InlineData("""{"externalRunId": "x", "input": "text"}""", "input")]
    [InlineData("""{"externalRunId": "x", "metadata": [1]}""", "metadata")]
    public async Task Register_validation(string body, string field)
    {
        await using var s = await T.Start();
        using var c = T.Client(s, T.SharedKey);
        var err = await (await c.Post("/api/agents/42/runs/register", body)).AssertError(422, "validation_failed");
        Assert.NotNull(err["details"]![field]);
        Assert.Equal(0, s.State.RunCount);
    }

    [Fact]
    public async Task Register_external_id_length_limits()
    {
        await using var s = await T.Start();
        using var c = T.Client(s, T.SharedKey);
        await (await c.Post("/api/agents/42/runs/register", $$"""{"externalRunId": "{{new string('a', 255)}}"}""")).AssertOk();
        await (await c.Post("/api/agents/42/runs/register", $$"""{"externalRunId": "{{new string('a', 256)}}"}""")).AssertError(422, "validation_failed");
        await (await c.Post("/api/agents/42/runs/register", """{"externalRunId": "a"}""")).AssertOk();
    }

    // ---- ingest

    [Fact]
    public async Task Ingest_upserts_on_external_id_and_refuses_a_terminal_status_change()
    {
        await using var s = await T.Start();
        using var c = T.Client(s, "cxpa_demo_ingest_44");
        var a = await (await c.Post("/api/agents/44/runs/ingest", """{"externalRunId": "exec_001", "status": "running"}""")).AssertOk();
        Assert.Equal("running", (string?)a["status"]);
        var runId = (long)a["runId"]!;
        var row = await (await c.GetAsync($"/api/agents/44/runs/{runId}")).AssertOk();
        Assert.Equal("running", (string?)row["status"]);
        Assert.Null(row["completed_at"]);

        var b = await (await c.Post("/api/agents/44/runs/ingest",
            """{"externalRunId": "exec_001", "status": "completed", "output": {"pages": 42}, "outputs": 42}""")).AssertOk();
        Assert.Equal(runId, (long)b["runId"]!);
        Assert.Equal("completed", (string?)b["status"]);
        row = await (await c.GetAsync($"/api/agents/44/runs/{runId}")).AssertOk();
        Assert.Equal("completed", (string?)row["status"]);
        Assert.Equal(42, (long)row["output_data"]!["pages"]!);
        Assert.Equal(42, (long)row["outputs"]!);
        Assert.Equal("exec_001", (string?)row["external_run_id"]);
        Assert.NotNull(row["completed_at"]);

        // Same terminal status again: accepted; a change: 409.
        await (await c.Post("/api/agents/44/runs/ingest", """{"externalRunId": "exec_001", "status": "completed"}""")).AssertOk();
        await (await c.Post("/api/agents/44/runs/ingest", """{"externalRunId": "exec_001", "status": "failed", "error": "x"}""")).AssertError(409, "conflict");
        await (await c.Post("/api/agents/44/runs/ingest", """{"externalRunId": "exec_001", "status": "running"}""")).AssertError(409, "conflict");
        Assert.Equal("completed", s.State.RunsForAgent(44).Single().Status);
    }

    [Fact]
    public async Task Ingest_failed_keeps_the_error_message()
    {
        await using var s = await T.Start();
        using var c = T.Client(s, T.SharedKey);
        var id = (long)(await (await c.Post("/api/agents/44/runs/ingest", """{"externalRunId": "e2", "status": "failed", "error": "boom"}""")).AssertOk())["runId"]!;
        var row = await (await c.GetAsync($"/api/agents/44/runs/{id}")).Json();
        Assert.Equal("failed", (string?)row["status"]);
        Assert.Equal("boom", (string?)row["error"]);
    }

    [Fact]
    public async Task Ingest_is_for_standalone_agents_only()
    {
        await using var s = await T.Start();
        using var c = T.Client(s, T.SharedKey);
        await (await c.Post("/api/agents/42/runs/ingest", """{"externalRunId": "e", "status": "running"}""")).AssertError(403, "agent_not_eligible");
    }

    [Theory]
    [InlineData("""{"externalRunId": "e", "status": "done"}""", "status")]
    [InlineData("""{"externalRunId": "e", "status": "queued"}""", "status")]
    [InlineData("""{"externalRunId": "e"}""", "status")]
    [InlineData("""{"status": "running"}""", "externalRunId")]
    [InlineData("""{"externalRunId": "e", "status": "completed", "outputs": -1}""", "outputs")]
    [InlineData("""{"externalRunId": "e", "status": "failed", "error": {"message": "x"}}""", "error")]
    public async Task Ingest_validation(string body, string field)
    {
        await using var s = await T.Start();
        using var c = T.Client(s, T.SharedKey);
        var err = await (await c.Post("/api/agents/44/runs/ingest", body)).AssertError(422, "validation_failed");
        Assert.NotNull(err["details"]![field]);
    }
}
