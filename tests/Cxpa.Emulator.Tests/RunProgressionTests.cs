using System.Text.Json.Nodes;
using Xunit;

namespace Cxpa.Emulator.Tests;

public class RunProgressionTests
{
    private static readonly DateTimeOffset Start = new(2026, 11, 22, 10, 0, 0, TimeSpan.Zero);

    private static EmulatorConfig DemoOn(ManualClock clock)
    {
        var cfg = EmulatorConfig.CreateDemo();   // 42: queued 50 ms, running 300 ms
        cfg.Clock = clock;
        return cfg;
    }

    [Fact]
    public async Task Status_follows_the_clock_queued_running_completed()
    {
        var clock = new ManualClock(Start);
        await using var s = await EmulatorServer.StartAsync(DemoOn(clock));
        Assert.Same(clock, s.Clock);
        using var c = T.Client(s, T.SharedKey);
        var id = (long)(await (await c.Post("/api/agents/42/runs/trigger", """{"input": {"n": 1}}""")).Json())["runId"]!;

        async Task<JsonObject> Row() => await (await c.GetAsync($"/api/agents/42/runs/{id}")).AssertOk();

        var row = await Row();
        Assert.Equal("queued", (string?)row["status"]);
        Assert.Equal("2026-11-22T10:00:00.000Z", (string?)row["created_at"]);
        Assert.Null(row["started_at"]);
        Assert.Null(row["output_data"]);

        clock.Advance(TimeSpan.FromMilliseconds(49));
        Assert.Equal("queued", (string?)(await Row())["status"]);
        clock.Advance(TimeSpan.FromMilliseconds(1));
        row = await Row();
        Assert.Equal("running", (string?)row["status"]);
        Assert.Equal("2026-11-22T10:00:00.050Z", (string?)row["started_at"]);
        Assert.Null(row["completed_at"]);
        Assert.Null(row["output_data"]);

        clock.Advance(TimeSpan.FromMilliseconds(299));
        Assert.Equal("running", (string?)(await Row())["status"]);
        clock.Advance(TimeSpan.FromMilliseconds(1));
        row = await Row();
        Assert.Equal("completed", (string?)row["status"]);
        Assert.Equal("2026-11-22T10:00:00.350Z", (string?)row["completed_at"]);
        Assert.Equal(1, (long)row["output_data"]!["echo"]!["n"]!);
        Assert.Equal(1, (long)row["outputs"]!);
        Assert.Equal("2026-11-22T10:00:00.000Z", s.Requests.Entries[0].Timestamp.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'"));
    }

    [Fact]
    public async Task Failed_and_cancelled_outcomes()
    {
        var clock = new ManualClock(Start);
        var cfg = DemoOn(clock);
        cfg.FindAgent(47)!.Outcome = "cancelled";
        await using var s = await EmulatorServer.StartAsync(cfg);
        using var c = T.Client(s, T.SharedKey);
        var failed = (long)(await (await c.Post("/api/agents/45/runs/trigger", "{}")).Json())["runId"]!;
        var cancelled = (long)(await (await c.Post("/api/agents/47/runs/trigger", "{}")).Json())["runId"]!;
        clock.Advance(TimeSpan.FromMinutes(11));
        var f = await (await c.GetAsync($"/api/agents/45/runs/{failed}")).Json();
        Assert.Equal("failed", (string?)f["status"]);
        Assert.Equal("Upstream site unreachable", (string?)f["error"]);
        var k = await (await c.GetAsync($"/api/agents/47/runs/{cancelled}")).Json();
        Assert.Equal("cancelled", (string?)k["status"]);
        Assert.Null(k["output_data"]);
        Assert.NotNull(k["completed_at"]);
    }

    [Fact]
    public async Task Trigger_and_wait_completes_when_the_clock_reaches_the_end()
    {
        var clock = new ManualClock(Start);
        await using var s = await EmulatorServer.StartAsync(DemoOn(clock));
        using var c = T.Client(s, T.SharedKey);
        var task = c.Post("/api/agents/42/runs/trigger-and-wait", """{"input": {}, "timeoutMs": 1000}""");
        await T.Eventually(() => s.State.RunCount == 1 && clock.ArmedTimers > 0);
        // Emulator time has not moved: the run is still queued and no answer has been written.
        Assert.Equal("queued", s.State.AllRuns.Single().Status);
        Assert.False(task.IsCompleted);
        var r = await T.AdvanceUntil(clock, task, TimeSpan.FromMilliseconds(25));
        var row = await r.AssertOk();
        Assert.Equal("completed", (string?)row["status"]);
        Assert.Equal("2026-11-22T10:00:00.350Z", (string?)row["completed_at"]);
    }

    [Fact]
    public async Task Trigger_and_wait_times_out_by_the_clock_with_202()
    {
        var clock = new ManualClock(Start);
        await using var s = await EmulatorServer.StartAsync(DemoOn(clock));
        using var c = T.Client(s, T.SharedKey);
        var task = c.Post("/api/agents/47/runs/trigger-and-wait", """{"input": {}, "timeoutMs": 2000}""");
        await T.Eventually(() => s.State.RunCount == 1);
        var r = await T.AdvanceUntil(clock, task, TimeSpan.FromMilliseconds(100));
        var body = await r.AssertOk(202);
        Assert.True((bool)body["timedOut"]!);
        var elapsed = clock.GetUtcNow() - Start;
        Assert.InRange(elapsed.TotalMilliseconds, 2000, 2300);
        Assert.Equal("running", s.State.RunsForAgent(47).Single().Status);
    }

    [Theory]
    [InlineData(600_000L, null, 300_000L)]     // platform ceiling
    [InlineData(5_000L, null, 5_000L)]         // the request's timeoutMs
    [InlineData(null, null, 120_000L)]         // default timeoutMs
    [InlineData(200_000L, 60_000L, 60_000L)]   // the agent's running_timeout_ms
    public async Task The_wait_window_is_the_minimum_of_timeout_running_timeout_and_ceiling(long? timeoutMs, long? runningTimeoutMs, long expectedMs)
    {
        var clock = new ManualClock(Start);
        var cfg = DemoOn(clock);
        cfg.FindAgent(47)!.RunningTimeoutMs = runningTimeoutMs;
        await using var s = await EmulatorServer.StartAsync(cfg);
        using var c = T.Client(s, T.SharedKey);
        var body = timeoutMs is null ? """{"input": {}}""" : $$"""{"input": {}, "timeoutMs": {{timeoutMs}}}""";
        var task = c.Post("/api/agents/47/runs/trigger-and-wait", body);
        await T.Eventually(() => s.State.RunCount == 1 && clock.ArmedTimers > 0);
        clock.Advance(TimeSpan.FromMilliseconds(expectedMs - 1));
        // One millisecond short of the window, the wait's timer is still armed and nothing has been answered.
        Assert.True(clock.ArmedTimers > 0, "the wait's timer fired before the window elapsed");
        Assert.Equal(0, s.Requests.Last!.Status);
        Assert.False(task.IsCompleted, "answered before the window elapsed");
        var r = await T.AdvanceUntil(clock, task, TimeSpan.FromMilliseconds(1));
        Assert.Equal(202, (int)r.StatusCode);
        Assert.InRange((clock.GetUtcNow() - Start).TotalMilliseconds, expectedMs, expectedMs + 20);
    }

    [Fact]
    public async Task Thousands_of_runs_are_cheap_and_progress_together()
    {
        var clock = new ManualClock(Start);
        await using var s = await EmulatorServer.StartAsync(DemoOn(clock));
        using var c = T.Client(s, T.SharedKey);
        var sem = new SemaphoreSlim(8);
        var tasks = Enumerable.Range(0, 400).Select(async i =>
        {
            await sem.WaitAsync();
            try { return (long)(await (await c.Post("/api/agents/42/runs/trigger", "{\"input\": {\"i\": " + i + "}}")).AssertOk(201))["runId"]!; }
            finally { sem.Release(); }
        }).ToArray();
        var ids = await Task.WhenAll(tasks);
        Assert.Equal(400, ids.Distinct().Count());
        Assert.Equal(Enumerable.Range(1000, 400).Select(x => (long)x), ids.Order());
        Assert.All(s.State.RunsForAgent(42), r => Assert.Equal("queued", r.Status));
        clock.Advance(TimeSpan.FromSeconds(1));
        Assert.All(s.State.RunsForAgent(42), r => Assert.Equal("completed", r.Status));
        Assert.Equal(400, s.State.AllRuns.Count);
    }

    [Fact]
    public async Task Trigger_and_download_waits_for_the_simulated_duration_on_the_clock()
    {
        var clock = new ManualClock(Start);
        await using var s = await EmulatorServer.StartAsync(DemoOn(clock));
        using var c = T.Client(s, T.SharedKey);
        var task = c.Post("/api/agents/43/runs/trigger-and-download", """{"input": {}}""");
        await T.Eventually(() => s.State.RunCount == 1 && clock.ArmedTimers > 0);
        // Emulator time has not moved: the run is still queued and no answer has been written.
        Assert.Equal("queued", s.State.AllRuns.Single().Status);
        Assert.False(task.IsCompleted);
        var r = await T.AdvanceUntil(clock, task, TimeSpan.FromMilliseconds(50));
        Assert.Equal(200, (int)r.StatusCode);
        Assert.Equal(262_144, (await r.Content.ReadAsByteArrayAsync()).Length);
    }
}
