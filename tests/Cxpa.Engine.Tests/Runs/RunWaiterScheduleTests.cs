using System.Net;
using Cxpa.Engine.Http;
using Cxpa.Engine.Time;
using Cxpa.Engine.Runs;
using Cxpa.Engine.Tests.Support;
using Xunit;

namespace Cxpa.Engine.Tests.Runs;

/// <summary>
/// RunWaiter's schedule and bookkeeping, on a clock that records every wait exactly (MutdlClock) and a transport that
/// answers by run id: the intervals and their growth and cap, Retry-After, the deadline, the order of pending runs,
/// concurrency, what is transient, and what a wait says in its log and its errors.
/// </summary>
public sealed class RunWaiterScheduleTests
{
    private static readonly Uri Base = new("https://cxpa.test/");
    private static readonly DateTimeOffset Start = new(2026, 11, 30, 12, 0, 0, TimeSpan.Zero);

    private static Run Pending(long id, object? input = null) => new() { RunId = id, AgentId = 42, Status = "running", Input = input };

    private static CxpaClient Client(MutdlClock clock, HttpMessageHandler handler, ICxpaLog? log = null, Action<CxpaCallOptions>? configure = null)
    {
        var options = new CxpaCallOptions
        {
            Handler = handler, TimeProvider = clock, Log = log ?? new MutdlLog(), MaximumRetryCount = 0,
            RequestTimeout = TimeSpan.FromHours(1), ReadTimeout = TimeSpan.FromHours(1),
        };
        configure?.Invoke(options);
        return new CxpaClient(new CxpaEndpoint(Base, CxpaAuthKind.IngestApiKey, Secret.FromString("cxpa_test_key")), options);
    }

    /// <summary>A transport where each run answers "running" until its own number of polls, then "completed".</summary>
    private static MockTransport RunsDoneAfter(MutdlClock clock, IReadOnlyDictionary<long, int> pollsUntilDone)
    {
        var polls = new Dictionary<long, int>();
        return new MockTransport(clock).Otherwise(r =>
        {
            var id = MutdlAnswers.RunIdOf(r);
            int n;
            lock (polls) n = polls[id] = polls.GetValueOrDefault(id) + 1;
            return MutdlAnswers.RunRow(id, n >= pollsUntilDone[id] ? "completed" : "running");
        });
    }

    private static double[] Ms(IEnumerable<TimeSpan> spans) => spans.Select(s => s.TotalMilliseconds).ToArray();

    [Fact]
    public void A_waiter_needs_a_client_and_runs_with_an_agent_id()
    {
        var e = Assert.Throws<ArgumentNullException>(() => new RunWaiter(null!, new[] { Pending(1) }));
        Assert.Equal("client", e.ParamName);
        var clock = new MutdlClock(Start);
        var client = Client(clock, new MockTransport(clock).Otherwise(_ => throw new InvalidOperationException("no request expected")));
        var a = Assert.Throws<ArgumentException>(() => new RunWaiter(client, new[] { Pending(1), new Run { RunId = 5, Status = "running" } }));
        Assert.Contains("Run 5 has no agent id", a.Message);
    }

    [Fact]
    public async Task Runs_already_terminal_come_back_at_once_without_a_request_and_a_run_named_twice_is_waited_on_once()
    {
        var clock = new MutdlClock(Start);
        var router = new MockTransport(clock).Otherwise(_ => throw new InvalidOperationException("no request expected"));
        var waiter = new RunWaiter(Client(clock, router), new[]
        {
            Pending(3), new Run { RunId = 9, AgentId = 42, Status = "Completed" }, Pending(3), Pending(5),
        });

        Assert.Equal(new long[] { 3, 5 }, waiter.Pending.Select(r => r.RunId));
        Assert.False(waiter.IsDone);
        var done = await waiter.NextAsync(CancellationToken.None);
        Assert.Equal(9, Assert.Single(done).RunId);
        Assert.Empty(router.Requests);
        Assert.Equal(0, waiter.Rounds);
        Assert.Empty(clock.Waits);
        Assert.Equal(new long[] { 3, 5 }, waiter.Pending.Select(r => r.RunId));
    }

    [Fact]
    public async Task A_waiter_with_nothing_to_wait_on_is_done_and_returns_nothing()
    {
        var clock = new MutdlClock(Start);
        var router = new MockTransport(clock).Otherwise(_ => throw new InvalidOperationException("no request expected"));
        var waiter = new RunWaiter(Client(clock, router), Array.Empty<Run>());
        Assert.True(waiter.IsDone);
        Assert.Empty(await waiter.NextAsync(CancellationToken.None));
        Assert.Empty(router.Requests);
        Assert.Equal(0, waiter.Rounds);
    }

    [Fact]
    public void The_defaults_are_a_quarter_second_growing_to_five_seconds_eight_at_once_and_the_clients_deadline()
    {
        var clock = new MutdlClock(Start);
        var router = new MockTransport(clock).Otherwise(_ => throw new InvalidOperationException());
        var plain = new RunWaiter(Client(clock, router), new[] { Pending(1) });
        Assert.Equal(TimeSpan.FromMilliseconds(250), plain.MinimumInterval);
        Assert.Equal(TimeSpan.FromSeconds(5), plain.MaximumInterval);
        Assert.Equal(8, plain.Concurrency);
        Assert.Null(plain.Deadline);
        Assert.Equal(0, plain.TransientFailures);
        var bounded = new RunWaiter(Client(clock, router, configure: o => o.Deadline = WaitDeadline.At(Start.AddMinutes(3), clock)), new[] { Pending(1) });
        Assert.Equal(Start.AddMinutes(3), bounded.Deadline?.EndsAt);
    }

    [Fact]
    public async Task The_first_round_polls_at_once_then_the_interval_grows_by_half_each_round_up_to_the_maximum()
    {
        var clock = new MutdlClock(Start);
        var router = RunsDoneAfter(clock, new Dictionary<long, int> { [7] = 12 });
        var waiter = new RunWaiter(Client(clock, router), new[] { Pending(7) });

        var done = await clock.RunAsync(waiter.NextAsync(CancellationToken.None));

        Assert.Equal(7, Assert.Single(done).RunId);
        Assert.Equal(12, router.Requests.Count);
        Assert.Equal(12, waiter.Rounds);
        Assert.Equal(Start, router.Requests[0].At);
        // 250 ms x 1.5 each round (562.5 ms, 843.75 ms ...; a delay timer runs whole milliseconds), capped at 5 s.
        var waits = Ms(clock.Waits);
        Assert.Equal(new double[] { 250, 375, 562, 843, 1265, 1898, 2847, 4271, 5000, 5000, 5000 }, waits);
        // The polls come at the end of each wait: the clock is moved by exactly the waits.
        var gaps = Ms(router.Requests.Zip(router.Requests.Skip(1), (a, b) => b.At - a.At));
        Assert.Equal(waits, gaps);
        Assert.Equal(0, waiter.TransientFailures);
        Assert.True(waiter.IsDone);
    }

    [Fact]
    public async Task Custom_intervals_are_used_and_a_minimum_above_the_maximum_is_capped_after_the_first_wait()
    {
        var clock = new MutdlClock(Start);
        var router = RunsDoneAfter(clock, new Dictionary<long, int> { [7] = 4 });
        var waiter = new RunWaiter(Client(clock, router), new[] { Pending(7) })
        {
            MinimumInterval = TimeSpan.FromSeconds(2), MaximumInterval = TimeSpan.FromSeconds(3),
        };
        await clock.RunAsync(waiter.NextAsync(CancellationToken.None));
        Assert.Equal(new double[] { 2000, 3000, 3000 }, Ms(clock.Waits));

        var clock2 = new MutdlClock(Start);
        var router2 = RunsDoneAfter(clock2, new Dictionary<long, int> { [7] = 3 });
        var waiter2 = new RunWaiter(Client(clock2, router2), new[] { Pending(7) })
        {
            MinimumInterval = TimeSpan.FromSeconds(10), MaximumInterval = TimeSpan.FromSeconds(1),
        };
        await clock2.RunAsync(waiter2.NextAsync(CancellationToken.None));
        Assert.Equal(new double[] { 10_000, 1000 }, Ms(clock2.Waits));
    }

    [Fact]
    public async Task A_zero_or_negative_interval_polls_again_without_waiting()
    {
        foreach (var interval in new[] { TimeSpan.Zero, TimeSpan.FromMilliseconds(-5) })
        {
            var clock = new MutdlClock(Start);
            var router = RunsDoneAfter(clock, new Dictionary<long, int> { [7] = 3 });
            var waiter = new RunWaiter(Client(clock, router), new[] { Pending(7) }) { MinimumInterval = interval, MaximumInterval = interval };
            var done = await clock.RunAsync(waiter.NextAsync(CancellationToken.None));
            Assert.Equal(7, Assert.Single(done).RunId);
            Assert.Equal(3, router.Requests.Count);
            Assert.Empty(clock.Waits);
            Assert.All(router.Requests, r => Assert.Equal(Start, r.At));
        }
    }

    [Fact]
    public async Task A_second_call_waits_before_its_first_round_and_the_schedule_goes_on_where_it_was()
    {
        var clock = new MutdlClock(Start);
        var router = RunsDoneAfter(clock, new Dictionary<long, int> { [3] = 1, [5] = 3 });
        var waiter = new RunWaiter(Client(clock, router), new[] { Pending(3), Pending(5) });

        var first = await clock.RunAsync(waiter.NextAsync(CancellationToken.None));
        Assert.Equal(3, Assert.Single(first).RunId);
        Assert.Empty(clock.Waits);
        Assert.Equal(2, router.Requests.Count);
        Assert.Equal(5, Assert.Single(waiter.Pending).RunId);
        Assert.False(waiter.IsDone);

        var second = await clock.RunAsync(waiter.NextAsync(CancellationToken.None));
        Assert.Equal(5, Assert.Single(second).RunId);
        Assert.Equal(new double[] { 250, 375 }, Ms(clock.Waits));
        Assert.Equal(new[] { Start, Start, Start.AddMilliseconds(250), Start.AddMilliseconds(625) }, router.Requests.Select(r => r.At));
        Assert.Equal(3, waiter.Rounds);
        Assert.True(waiter.IsDone);
    }

    [Fact]
    public async Task Pending_keeps_the_given_order_and_the_last_state_seen()
    {
        var clock = new MutdlClock(Start);
        var polls = 0;
        var router = new MockTransport(clock).Otherwise(r =>
        {
            var id = MutdlAnswers.RunIdOf(r);
            Interlocked.Increment(ref polls);
            return MutdlAnswers.RunRow(id, id == 4 ? "completed" : "waiting");
        });
        var waiter = new RunWaiter(Client(clock, router), new[] { Pending(9), Pending(4), Pending(6), Pending(2) });
        var done = await clock.RunAsync(waiter.NextAsync(CancellationToken.None));
        Assert.Equal(4, Assert.Single(done).RunId);
        Assert.Equal(new long[] { 9, 6, 2 }, waiter.Pending.Select(r => r.RunId));
        Assert.All(waiter.Pending, r => Assert.Equal("waiting", r.Status));
        Assert.Equal(4, polls);
    }

    [Fact]
    public async Task The_input_a_run_was_started_with_is_kept_when_the_row_has_none_and_the_rows_own_wins()
    {
        var clock = new MutdlClock(Start);
        var router = new MockTransport(clock).Otherwise(r =>
        {
            var id = MutdlAnswers.RunIdOf(r);
            return MutdlAnswers.RunRow(id, "completed", id == 2 ? """{"from":"row"}""" : null);
        });
        var waiter = new RunWaiter(Client(clock, router), new[] { Pending(1, "given"), Pending(2, "given") });
        var done = await clock.RunAsync(waiter.NextAsync(CancellationToken.None));
        Assert.Equal("given", done.Single(r => r.RunId == 1).Input);
        var rowInput = Assert.IsAssignableFrom<IDictionary<string, object?>>(done.Single(r => r.RunId == 2).Input);
        Assert.Equal("row", rowInput["from"]);
    }

    [Theory]
    [InlineData(0, 1)]
    [InlineData(1, 1)]
    [InlineData(3, 3)]
    [InlineData(8, 8)]
    public async Task A_round_runs_at_most_Concurrency_polls_at_once(int concurrency, int expected)
    {
        var clock = new MutdlClock(Start);
        int inFlight = 0, most = 0, started = 0;
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var waiting = new List<TaskCompletionSource>();
        const int runs = 10;
        var router = new MockTransport(clock).Otherwise(async (r, ct) =>
        {
            var id = MutdlAnswers.RunIdOf(r);
            var mine = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            lock (waiting)
            {
                inFlight++;
                started++;
                most = Math.Max(most, inFlight);
                waiting.Add(mine);
                // Hold each poll until the round has as many in flight as it may (or every run has started).
                if (inFlight == expected || started == runs)
                {
                    foreach (var w in waiting) w.TrySetResult();
                    waiting.Clear();
                }
            }
            await mine.Task.WaitAsync(ct);
            lock (waiting) inFlight--;
            return MutdlAnswers.RunRow(id, "completed");
        });
        var waiter = new RunWaiter(Client(clock, router), Enumerable.Range(1, runs).Select(i => Pending(i))) { Concurrency = concurrency };
        var done = await clock.RunAsync(waiter.NextAsync(CancellationToken.None));
        Assert.Equal(runs, done.Count);
        Assert.Equal(expected, most);
        Assert.Equal(1, waiter.Rounds);
    }

    [Fact]
    public async Task Retry_after_sets_one_wait_only_and_a_shorter_one_leaves_the_interval()
    {
        var clock = new MutdlClock(Start);
        var answers = new Queue<HttpResponseMessage>(new[]
        {
            MutdlAnswers.Json(HttpStatusCode.ServiceUnavailable, """{"error":"busy"}""", TimeSpan.FromSeconds(7)),
            MutdlAnswers.RunRow(7, "running"),
            MutdlAnswers.Json(HttpStatusCode.TooManyRequests, """{"error":"slow down"}""", TimeSpan.FromMilliseconds(100)),
            MutdlAnswers.RunRow(7, "completed"),
        });
        var router = new MockTransport(clock).Otherwise(_ => answers.Dequeue());
        var waiter = new RunWaiter(Client(clock, router), new[] { Pending(7) });
        await clock.RunAsync(waiter.NextAsync(CancellationToken.None));
        // 7 s from Retry-After, then the schedule (375 ms, then 562.5 ms: a Retry-After of 100 ms does not shorten it).
        Assert.Equal(new double[] { 7000, 375, 562 }, Ms(clock.Waits));
        Assert.Equal(2, waiter.TransientFailures);
    }

    [Fact]
    public async Task The_longest_retry_after_of_a_round_wins_capped_at_the_clients_maximum()
    {
        foreach (var (cap, expected) in new[] { (60.0, 8000.0), (5.0, 5000.0) })
        {
            var clock = new MutdlClock(Start);
            var round = new Dictionary<long, int>();
            var router = new MockTransport(clock).Otherwise(r =>
            {
                var id = MutdlAnswers.RunIdOf(r);
                int n;
                lock (round) n = round[id] = round.GetValueOrDefault(id) + 1;
                if (n > 1) return MutdlAnswers.RunRow(id, "completed");
                var ra = id switch { 1 => 3, 2 => 8, _ => 2 };
                return MutdlAnswers.Json(HttpStatusCode.ServiceUnavailable, """{"error":"busy"}""", TimeSpan.FromSeconds(ra));
            });
            var waiter = new RunWaiter(Client(clock, router, configure: o => o.MaximumRetryAfter = TimeSpan.FromSeconds(cap)),
                new[] { Pending(1), Pending(2), Pending(3) });
            var done = await clock.RunAsync(waiter.NextAsync(CancellationToken.None));
            Assert.Equal(3, done.Count);
            Assert.Equal(new[] { expected }, Ms(clock.Waits));
            Assert.Equal(3, waiter.TransientFailures);
        }
    }

    [Fact]
    public async Task A_failed_poll_is_logged_with_its_status_code_and_retry_after_and_the_next_wait()
    {
        var clock = new MutdlClock(Start);
        var log = new MutdlLog();
        var answers = new Queue<Func<HttpResponseMessage>>(new Func<HttpResponseMessage>[]
        {
            () => MutdlAnswers.Json(HttpStatusCode.ServiceUnavailable, """{"error":"busy","code":"overloaded"}""", TimeSpan.FromSeconds(3)),
            () => MutdlAnswers.Json(HttpStatusCode.TooManyRequests, """{"error":"slow"}""", TimeSpan.FromSeconds(1)),
            () => MutdlAnswers.Json(HttpStatusCode.BadGateway, """{"error":"gateway"}"""),
            () => throw new HttpRequestException("refused"),
            () => MutdlAnswers.RunRow(7, "completed"),
        });
        var router = new MockTransport(clock).Otherwise(_ => answers.Dequeue()());
        var waiter = new RunWaiter(Client(clock, router, log), new[] { Pending(7) }) { MinimumInterval = TimeSpan.FromSeconds(2), MaximumInterval = TimeSpan.FromSeconds(2) };
        await clock.RunAsync(waiter.NextAsync(CancellationToken.None));

        var lines = log.Lines.Where(l => l.StartsWith("Run 7: the poll failed", StringComparison.Ordinal)).ToList();
        Assert.Equal(new[]
        {
            "Run 7: the poll failed (503 overloaded, Retry-After 3 s); still waiting, polling again in 3.0 s.",
            "Run 7: the poll failed (429, Retry-After 1 s); still waiting, polling again in 2.0 s.",
            "Run 7: the poll failed (502); still waiting, polling again in 2.0 s.",
            "Run 7: the poll failed (connection failure); still waiting, polling again in 2.0 s.",
        }, lines);
        Assert.Equal(new double[] { 3000, 2000, 2000, 2000 }, Ms(clock.Waits));
        Assert.Equal(4, waiter.TransientFailures);
        Assert.DoesNotContain(log.Lines, l => l.Contains("cxpa_test_key", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_poll_that_times_out_is_logged_as_no_answer_in_time()
    {
        var clock = new MutdlClock(Start);
        var log = new MutdlLog();
        var calls = 0;
        var router = new MockTransport(clock).Otherwise(async (r, ct) =>
        {
            if (Interlocked.Increment(ref calls) == 1) await Task.Delay(Timeout.Infinite, ct);
            return MutdlAnswers.RunRow(7, "completed");
        });
        // A request timeout shorter than MutdlClock.LongTimer: the clock runs it out like any wait.
        var waiter = new RunWaiter(Client(clock, router, log, o => o.RequestTimeout = TimeSpan.FromSeconds(10)), new[] { Pending(7) });
        await clock.RunAsync(waiter.NextAsync(CancellationToken.None));
        Assert.Contains("Run 7: the poll failed (no answer in time); still waiting, polling again in 0.3 s.", log.Lines);
        Assert.Equal(1, waiter.TransientFailures);
    }

    [Fact]
    public async Task Without_verbose_logging_a_failed_poll_writes_nothing()
    {
        var clock = new MutdlClock(Start);
        var log = new MutdlLog(verbose: false);
        var answers = new Queue<HttpResponseMessage>(new[]
        {
            MutdlAnswers.Json(HttpStatusCode.ServiceUnavailable, """{"error":"busy"}"""), MutdlAnswers.RunRow(7, "completed"),
        });
        var router = new MockTransport(clock).Otherwise(_ => answers.Dequeue());
        var waiter = new RunWaiter(Client(clock, router, log), new[] { Pending(7) });
        await clock.RunAsync(waiter.NextAsync(CancellationToken.None));
        Assert.Equal(1, waiter.TransientFailures);
        Assert.DoesNotContain(log.Lines, l => l.Contains("poll failed", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_400_ends_the_wait_of_its_run_and_failures_are_taken_once()
    {
        var clock = new MutdlClock(Start);
        var router = new MockTransport(clock).Otherwise(r => MutdlAnswers.RunIdOf(r) == 1
            ? MutdlAnswers.Json(HttpStatusCode.BadRequest, """{"error":"bad"}""")
            : MutdlAnswers.RunRow(2, "running"));
        var waiter = new RunWaiter(Client(clock, router), new[] { Pending(1), Pending(2) });
        var done = await clock.RunAsync(waiter.NextAsync(CancellationToken.None));
        Assert.Empty(done);
        Assert.False(waiter.IsDone);
        Assert.Equal(2, Assert.Single(waiter.Pending).RunId);
        var f = Assert.Single(waiter.TakeFailures());
        Assert.Equal(1, f.Key.RunId);
        Assert.Equal(400, Assert.IsType<CxpaApiException>(f.Value).Status);
        Assert.Empty(waiter.TakeFailures());
        Assert.Equal(0, waiter.TransientFailures);
    }

    [Fact]
    public async Task An_answer_about_another_run_is_an_error_of_the_wait_not_a_failure_of_the_run()
    {
        var clock = new MutdlClock(Start);
        var router = new MockTransport(clock).Otherwise(_ => MutdlAnswers.RunRow(8, "completed"));
        var waiter = new RunWaiter(Client(clock, router), new[] { Pending(7) });
        var ex = await Assert.ThrowsAsync<CxpaApiException>(() => clock.RunAsync(waiter.NextAsync(CancellationToken.None)));
        Assert.Equal(200, ex.Status);
        Assert.Equal("invalid_response", ex.Code);
        Assert.Empty(waiter.TakeFailures());
        Assert.Equal(7, Assert.Single(waiter.Pending).RunId);
    }

    [Fact]
    public async Task The_last_wait_is_cut_to_the_deadline_and_one_run_left_is_named()
    {
        var clock = new MutdlClock(Start);
        var router = RunsDoneAfter(clock, new Dictionary<long, int> { [7] = 100 });
        var waiter = new RunWaiter(Client(clock, router), new[] { Pending(7) }) { Deadline = WaitDeadline.At(Start.AddSeconds(1), clock) };
        var ex = await Assert.ThrowsAsync<CxpaTimeoutException>(() => clock.RunAsync(waiter.NextAsync(CancellationToken.None)));
        Assert.Equal("Run 7 did not finish within the time allowed for the wait.", ex.Message);
        Assert.Equal(7, ex.RunId);
        // 250 + 375 ms, then 375 ms to the deadline instead of the 562 ms of the schedule; no poll at the deadline.
        Assert.Equal(new double[] { 250, 375, 375 }, Ms(clock.Waits));
        Assert.Equal(Start.AddSeconds(1), clock.GetUtcNow());
        Assert.Equal(3, router.Requests.Count);
    }

    [Fact]
    public async Task A_deadline_already_passed_sends_nothing_and_names_how_many_runs_are_left()
    {
        var clock = new MutdlClock(Start);
        var router = new MockTransport(clock).Otherwise(_ => throw new InvalidOperationException("no request expected"));
        var waiter = new RunWaiter(Client(clock, router), new[] { Pending(1), Pending(2) }) { Deadline = WaitDeadline.At(Start, clock) };
        var ex = await Assert.ThrowsAsync<CxpaTimeoutException>(() => waiter.NextAsync(CancellationToken.None));
        Assert.Equal("2 runs did not finish within the time allowed for the wait.", ex.Message);
        Assert.Null(ex.RunId);
        Assert.Empty(router.Requests);
        Assert.Equal(2, waiter.Pending.Count);
    }

    [Fact]
    public async Task A_deadline_still_ahead_lets_the_wait_poll()
    {
        var clock = new MutdlClock(Start);
        var router = RunsDoneAfter(clock, new Dictionary<long, int> { [7] = 2 });
        var waiter = new RunWaiter(Client(clock, router), new[] { Pending(7) }) { Deadline = WaitDeadline.At(Start.AddMilliseconds(251), clock) };
        var done = await clock.RunAsync(waiter.NextAsync(CancellationToken.None));
        Assert.Equal(7, Assert.Single(done).RunId);
        Assert.Equal(new double[] { 250 }, Ms(clock.Waits));
    }

    private static RunWaiter Bare(MutdlClock clock, DateTimeOffset? clientDeadline = null)
        => new(Client(clock, new MockTransport(clock).Otherwise(_ => throw new InvalidOperationException()), configure: o => o.Deadline = clientDeadline == null ? null : WaitDeadline.At(clientDeadline.Value, clock)), new[] { Pending(1) });

    private static CxpaApiException Api(int status) => new("x", status, null, null, null, 1, "GET", "api/agents/42/runs/1");

    [Theory]
    [InlineData(408, true)]
    [InlineData(429, true)]
    [InlineData(500, true)]
    [InlineData(502, true)]
    [InlineData(503, true)]
    [InlineData(504, true)]
    [InlineData(200, false)]
    [InlineData(400, false)]
    [InlineData(401, false)]
    [InlineData(403, false)]
    [InlineData(404, false)]
    [InlineData(409, false)]
    [InlineData(422, false)]
    [InlineData(501, false)]
    [InlineData(505, false)]
    public void Which_statuses_are_transient_for_a_wait(int status, bool transient)
        => Assert.Equal(transient, Bare(new MutdlClock(Start)).IsTransient(Api(status), CancellationToken.None));

    [Fact]
    public void Connection_failures_and_timeouts_are_transient_other_errors_are_not()
    {
        var waiter = Bare(new MutdlClock(Start));
        Assert.True(waiter.IsTransient(new CxpaConnectionException("refused"), CancellationToken.None));
        Assert.True(waiter.IsTransient(new CxpaTimeoutException("slow"), CancellationToken.None));
        Assert.True(waiter.IsTransient(new HttpRequestException("reset"), CancellationToken.None));
        Assert.False(waiter.IsTransient(new CxpaDownloadException("broke"), CancellationToken.None));
        Assert.False(waiter.IsTransient(new InvalidOperationException("bug"), CancellationToken.None));
        Assert.False(waiter.IsTransient(new OperationCanceledException(), CancellationToken.None));
    }

    [Fact]
    public void Nothing_is_transient_once_the_wait_is_cancelled_or_a_deadline_is_reached()
    {
        var clock = new MutdlClock(Start);
        using var cts = new CancellationTokenSource();
        cts.Cancel();
        Assert.False(Bare(clock).IsTransient(Api(503), cts.Token));

        var own = Bare(clock);
        own.Deadline = WaitDeadline.At(Start, clock);
        Assert.False(own.IsTransient(Api(503), CancellationToken.None));
        own.Deadline = WaitDeadline.At(Start.AddTicks(1), clock);
        Assert.True(own.IsTransient(Api(503), CancellationToken.None));

        // The client's own deadline (the call's budget) counts too, even when the waiter's was set later.
        var client = Bare(clock, Start);
        client.Deadline = WaitDeadline.At(Start.AddHours(1), clock);
        Assert.False(client.IsTransient(Api(503), CancellationToken.None));
        Assert.False(client.IsTransient(new CxpaConnectionException("refused"), CancellationToken.None));
        Assert.True(Bare(clock, Start.AddTicks(1)).IsTransient(Api(503), CancellationToken.None));
    }

    [Fact]
    public async Task Runs_found_finished_or_failed_in_one_round_come_out_in_input_order_whatever_order_the_answers_came_in()
    {
        var clock = new MutdlClock(Start);
        // Runs 3 and 4 answer last: their answers wait until every other run of the round has answered.
        var others = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var answered = 0;
        var router = new MockTransport(clock).Otherwise(async (r, _) =>
        {
            var id = MutdlAnswers.RunIdOf(r);
            if (id is 3 or 4) await others.Task;
            var answer = id % 2 == 0
                ? MutdlAnswers.Json(HttpStatusCode.NotFound, "{\"error\":\"Run not found\"}")
                : MutdlAnswers.RunRow(id, "completed");
            if (Interlocked.Increment(ref answered) == 3) others.TrySetResult();
            return answer;
        });
        var waiter = new RunWaiter(Client(clock, router), new[] { Pending(3), Pending(4), Pending(5), Pending(6), Pending(7) });

        var done = await waiter.NextAsync(CancellationToken.None).WaitAsync(TimeSpan.FromMinutes(1));

        Assert.Equal(5, router.Requests.Count);
        Assert.Equal(new long[] { 3, 5, 7 }, done.Select(r => r.RunId));
        Assert.Equal(new long[] { 4, 6 }, waiter.TakeFailures().Select(f => f.Key.RunId));
        Assert.True(waiter.IsDone);
    }
}
