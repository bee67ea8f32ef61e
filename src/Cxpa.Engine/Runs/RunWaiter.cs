using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;

namespace Cxpa.Engine
{
    /// <summary>
    /// Waits on many runs in one loop by polling GET of each pending run. <see cref="NextAsync"/> returns the runs
    /// that turned terminal since the last call; <see cref="Pending"/> always holds the last state seen of the others.
    /// </summary>
    public sealed class RunWaiter
    {
        private readonly CxpaClient _client;
        private readonly Dictionary<long, Run> _pending = new Dictionary<long, Run>();
        private readonly List<long> _order = new List<long>();
        private readonly Queue<Run> _ready = new Queue<Run>();
        private readonly List<KeyValuePair<Run, Exception>> _failures = new List<KeyValuePair<Run, Exception>>();
        private readonly object _gate = new object();
        private TimeSpan _interval;

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
            _interval = MinimumInterval;
        }

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
            get { lock (_gate) return _order.Where(_pending.ContainsKey).Select(id => _pending[id]).ToList(); }
        }

        /// <summary>True when every run is terminal (or failed to be read) and returned.</summary>
        public bool IsDone { get { lock (_gate) return _pending.Count == 0 && _ready.Count == 0 && _failures.Count == 0; } }

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
            var skipDelay = true;
            while (true)
            {
                lock (_gate)
                {
                    if (_ready.Count > 0 || _failures.Count > 0)
                    {
                        var done = _ready.ToList();
                        _ready.Clear();
                        return done;
                    }
                    if (_pending.Count == 0) return Array.Empty<Run>();
                }
                if (!skipDelay || Rounds > 0)
                {
                    await Clock.Delay(_client.Options.TimeProvider, _interval, ct).ConfigureAwait(false);
                    var next = TimeSpan.FromTicks((long)(_interval.Ticks * 1.5));
                    _interval = next > MaximumInterval ? MaximumInterval : next;
                }
                skipDelay = false;
                await PollRoundAsync(ct).ConfigureAwait(false);
            }
        }

        private async Task PollRoundAsync(CancellationToken ct)
        {
            List<Run> snapshot;
            lock (_gate) snapshot = _order.Where(_pending.ContainsKey).Select(id => _pending[id]).ToList();
            Rounds++;
            using var throttle = new SemaphoreSlim(Math.Max(1, Concurrency));
            var tasks = snapshot.Select(async r =>
            {
                await throttle.WaitAsync(ct).ConfigureAwait(false);
                try
                {
                    Run fresh;
                    try
                    {
                        fresh = await _client.GetRunAsync(r.AgentId!.Value, r.RunId, ct).ConfigureAwait(false);
                    }
                    catch (CxpaApiException ex) when (ex.Status >= 400 && ex.Status < 500 && ex.Status != 408 && ex.Status != 429)
                    {
                        lock (_gate)
                        {
                            _pending.Remove(r.RunId);
                            _order.Remove(r.RunId);
                            _failures.Add(new KeyValuePair<Run, Exception>(r, ex));
                        }
                        return;
                    }
                    if (fresh.Input == null) fresh.Input = r.Input;
                    lock (_gate)
                    {
                        if (!_pending.ContainsKey(r.RunId)) return;
                        if (fresh.IsTerminal)
                        {
                            _pending.Remove(r.RunId);
                            _order.Remove(r.RunId);
                            _ready.Enqueue(fresh);
                        }
                        else _pending[r.RunId] = fresh;
                    }
                }
                finally { throttle.Release(); }
            }).ToList();
            await Task.WhenAll(tasks).ConfigureAwait(false);
        }
    }
}
