using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Cxpa.Engine.Http;
using Cxpa.Engine.Time;

namespace Cxpa.Engine.Runs
{
    /// <summary>
    /// Waits on many runs in one loop by polling GET of each pending run. <see cref="NextAsync"/> returns the runs
    /// that turned terminal since the last call; <see cref="Pending"/> always holds the last state seen of the others.
    /// </summary>
    /// <remarks>
    /// A wait rides out transient failures: a poll that fails (after the client's own per-request retries) with 408, 429,
    /// 500, 502, 503 or 504, a connection failure or a timeout of that one poll leaves its run pending, and the run is
    /// polled again on the next round of the back-off schedule (a longer Retry-After wins, up to
    /// <see cref="CxpaCallOptions.MaximumRetryAfter"/>). Only a non-transient answer (401, 403, 404, 422...; reported
    /// through <see cref="TakeFailures"/>), the cancellation token or the <see cref="Deadline"/> ends the wait. There is no
    /// cap on consecutive failures: with no deadline the wait keeps trying until cancelled. Every delay runs on the
    /// client's <see cref="CxpaCallOptions.TimeProvider"/>.
    /// </remarks>
    public sealed class RunWaiter
    {
        private readonly CxpaClient _client;
        private readonly Dictionary<long, Run> _pending = new Dictionary<long, Run>();
        private readonly List<long> _order = new List<long>();
        private readonly Queue<Run> _ready = new Queue<Run>();
        private readonly List<KeyValuePair<Run, Exception>> _failures = new List<KeyValuePair<Run, Exception>>();
        private readonly object _gate = new object();
        // Null until the first wait: the schedule starts at MinimumInterval as it is then (set after the constructor).
        private TimeSpan? _interval;
        private TimeSpan? _retryAfter;

        private TimeSpan Interval => _interval ?? MinimumInterval;

        /// <summary>Creates a waiter over runs (their last known state).</summary>
        public RunWaiter(CxpaClient client, IEnumerable<Run> runs)
        {
            _client = client ?? throw new ArgumentNullException(nameof(client));
            foreach (var r in runs)
            {
                if (r.AgentId == null) throw new ArgumentException($"Run {r.RunId} has no agent id.");
                if (_pending.ContainsKey(r.RunId)) continue;
                if (r.IsTerminal) _ready.Enqueue(r);
                else { _pending[r.RunId] = r; _order.Add(r.RunId); }
            }
            Deadline = client.Options.Deadline;
        }

        /// <summary>
        /// When the wait ends (on the client's clock): no delay runs past it, and <see cref="NextAsync"/> throws
        /// <see cref="CxpaTimeoutException"/> once it is reached. Null (the default unless the client has a deadline) for none.
        /// </summary>
        public WaitDeadline? Deadline { get; set; }
        /// <summary>Polls that failed transiently and were ridden out, over the waiter's life.</summary>
        public int TransientFailures { get; private set; }

        /// <summary>The first poll interval; it grows by half each round up to <see cref="MaximumInterval"/>.</summary>
        public TimeSpan MinimumInterval { get; set; } = TimeSpan.FromMilliseconds(250);
        /// <summary>The longest poll interval.</summary>
        public TimeSpan MaximumInterval { get; set; } = TimeSpan.FromSeconds(5);
        /// <summary>How many GETs run at once in a round.</summary>
        public int Concurrency { get; set; } = 8;
        /// <summary>Rounds done.</summary>
        public int Rounds { get; private set; }

        /// <summary>Runs not yet terminal, in their last state seen.</summary>
        public IReadOnlyList<Run> Pending
        {
            get { lock (_gate) return _order.Select(id => _pending[id]).ToList(); }
        }

        /// <summary>True when every run is terminal (or failed to be read) and returned.</summary>
        public bool IsDone { get { lock (_gate) return Size(_pending) == 0 && Size(_ready) == 0 && Size(_failures) == 0; } }

        /// <summary>Runs that could not be read (404, 401, 403...) since the last call, with the error; they are no longer waited on.</summary>
        public IReadOnlyList<KeyValuePair<Run, Exception>> TakeFailures()
        {
            lock (_gate)
            {
                var f = _failures.ToList();
                _failures.Clear();
                return f;
            }
        }

        /// <summary>Polls until at least one run is terminal and returns those that are. Returns an empty list when none is pending.</summary>
        public async Task<IReadOnlyList<Run>> NextAsync(CancellationToken ct)
        {
            while (true)
            {
                lock (_gate)
                {
                    if (Size(_ready) > 0 || Size(_failures) > 0)
                    {
                        var done = _ready.ToList();
                        _ready.Clear();
                        return done;
                    }
                    if (Size(_pending) == 0) return Array.Empty<Run>();
                }
                ThrowIfDeadlinePassed();
                // The first round of the waiter's life polls at once; every later one waits first.
                if (Rounds > 0)
                {
                    var delay = NextDelay();
                    var time = _client.Options.TimeProvider;
                    var left = Deadline?.Remaining;
                    if (left != null) delay = Shorter(delay, left.GetValueOrDefault());
                    if (delay > TimeSpan.Zero) await Clock.Delay(time, delay, ct).ConfigureAwait(false);
                    ThrowIfDeadlinePassed();
                    _interval = Shorter(TimeSpan.FromTicks((long)(Interval.Ticks * 1.5)), MaximumInterval);
                }
                await PollRoundAsync(ct).ConfigureAwait(false);
            }
        }

        private async Task PollRoundAsync(CancellationToken ct)
        {
            Run[] snapshot;
            lock (_gate) snapshot = _order.Select(id => _pending[id]).ToArray();
            Rounds++;
            var transient = new List<KeyValuePair<Run, Exception>>();
            using var throttle = new SemaphoreSlim(Math.Max(1, Concurrency));
            // The polls overlap; what they find is filed in the order of the runs, not the order the answers came in, so
            // that runs found finished (or failed) in one round come out in input order.
            var found = new Run?[snapshot.Length];
            var failed = new Exception?[snapshot.Length];
            var tasks = new List<Task>();
            for (var i = 0; i < snapshot.Length; i++) tasks.Add(PollOneAsync(snapshot[i], i, found, failed, throttle, transient, ct));
            await Task.WhenAll(tasks).ConfigureAwait(false);
            lock (_gate)
            {
                for (var i = 0; i < snapshot.Length; i++)
                {
                    var done = found[i];
                    if (done != null) _ready.Enqueue(done);
                    var ex = failed[i];
                    if (ex != null) _failures.Add(new KeyValuePair<Run, Exception>(snapshot[i], ex));
                }
            }
            NoteTransient(transient);
        }

        /// <summary>
        /// Polls run <paramref name="index"/> of the round within its throttle and files the answer: still pending, finished
        /// (<paramref name="found"/>), failed (<paramref name="failed"/>) or transient.
        /// </summary>
        private async Task PollOneAsync(Run r, int index, Run?[] found, Exception?[] failed, SemaphoreSlim throttle, List<KeyValuePair<Run, Exception>> transient, CancellationToken ct)
        {
            await throttle.WaitAsync(ct).ConfigureAwait(false);
            try
            {
                var fresh = await FetchAsync(r, index, failed, transient, ct).ConfigureAwait(false);
                if (fresh == null) return;
                if (fresh.Input == null) fresh.Input = r.Input;
                lock (_gate)
                {
                    if (fresh.IsTerminal)
                    {
                        _pending.Remove(r.RunId);
                        _order.Remove(r.RunId);
                        found[index] = fresh;
                    }
                    else _pending[r.RunId] = fresh;
                }
            }
            finally { throttle.Release(); }
        }

        /// <summary>
        /// Reads a run; null when the poll failed: a transient failure is kept for the round's note, any other error ends
        /// the wait on that run (<see cref="TakeFailures"/>).
        /// </summary>
        private async Task<Run?> FetchAsync(Run r, int index, Exception?[] failed, List<KeyValuePair<Run, Exception>> transient, CancellationToken ct)
        {
            try
            {
                return await _client.GetRunAsync(r.AgentId!.Value, r.RunId, ct).ConfigureAwait(false);
            }
            catch (Exception ex) when (IsTransient(ex, ct))
            {
                lock (_gate) transient.Add(new KeyValuePair<Run, Exception>(r, ex));
            }
            catch (CxpaApiException ex) when (ex.Status >= 400)
            {
                lock (_gate)
                {
                    _pending.Remove(r.RunId);
                    _order.Remove(r.RunId);
                    failed[index] = ex;
                }
            }
            return null;
        }

        /// <summary>The delay before the next round: the back-off interval, or a longer Retry-After of the last round.</summary>
        private TimeSpan NextDelay()
        {
            var delay = Interval;
            var ra = _retryAfter;
            if (ra != null) delay = Longer(delay, ra.GetValueOrDefault());
            _retryAfter = null;
            return delay;
        }

        private static TimeSpan Longer(TimeSpan a, TimeSpan b) => a > b ? a : b;

        /// <summary>
        /// A collection's count. The one <c>.Count</c> of this class: Stryker mutates every <c>.Count</c> into <c>.Sum</c>,
        /// which cannot compile here, and in a condition that failure took the condition's other mutants with it.
        /// </summary>
        private static int Size<T>(IReadOnlyCollection<T> items) => items.Count;

        private static TimeSpan Shorter(TimeSpan a, TimeSpan b) => a < b ? a : b;

        private void NoteTransient(List<KeyValuePair<Run, Exception>> transient)
        {
            TransientFailures += Size(transient);
            TimeSpan? retryAfter = null;
            foreach (var f in transient)
            {
                var ra = (f.Value as CxpaApiException)?.RetryAfter;
                if (ra != null) retryAfter = retryAfter == null ? ra : Longer(retryAfter.GetValueOrDefault(), ra.GetValueOrDefault());
            }
            if (retryAfter != null) _retryAfter = Shorter(retryAfter.GetValueOrDefault(), _client.Options.MaximumRetryAfter);
            var log = _client.Options.Log;
            if (!log.IsVerboseEnabled) return;
            var next = _retryAfter != null ? Longer(_retryAfter.GetValueOrDefault(), Interval) : Interval;
            foreach (var f in transient)
                log.Verbose($"Run {f.Key.RunId}: the poll failed ({Describe(f.Value)}); still waiting, polling again in {next.TotalSeconds:0.0} s.");
        }

        /// <summary>A short description of a failed poll: the status, or the kind of failure (never a header or a key).</summary>
        private static string Describe(Exception ex)
        {
            var api = ex as CxpaApiException;
            if (api != null)
            {
                var code = api.Code != null ? $" {api.Code}" : "";
                var retryAfter = api.RetryAfter != null ? $", Retry-After {api.RetryAfter.GetValueOrDefault().TotalSeconds:0.#} s" : "";
                return $"{api.Status}{code}{retryAfter}";
            }
            if (ex is CxpaTimeoutException) return "no answer in time";
            if (ex is CxpaConnectionException) return "connection failure";
            return ex.GetType().Name;
        }

        /// <summary>
        /// Whether a failed poll of a run is transient for a wait: 408, 429, 500, 502, 503, 504 (a GET of a run is
        /// idempotent, so a 500 is worth another poll, unlike for a single request), a connection failure or a timeout
        /// of that poll. Not when the wait itself was cancelled or its deadline has passed.
        /// </summary>
        internal bool IsTransient(Exception ex, CancellationToken ct)
        {
            if (ct.IsCancellationRequested || DeadlinePassed()) return false;
            if (_client.Options.Deadline?.HasPassed == true) return false;
            var api = ex as CxpaApiException;
            if (api != null)
            {
                var s = api.Status;
                return s == 408 || s == 429 || s == 500 || s == 502 || s == 503 || s == 504;
            }
            return ex is CxpaConnectionException || ex is CxpaTimeoutException || ex is System.Net.Http.HttpRequestException;
        }

        private bool DeadlinePassed() => Deadline?.HasPassed == true;

        private void ThrowIfDeadlinePassed()
        {
            if (!DeadlinePassed()) return;
            int n;
            lock (_gate) n = Size(_pending);
            throw new CxpaTimeoutException(n == 1
                ? $"Run {Pending[0].RunId} did not finish within the time allowed for the wait."
                : $"{n} runs did not finish within the time allowed for the wait.", n == 1 ? Pending[0].RunId : (long?)null);
        }
    }
}
