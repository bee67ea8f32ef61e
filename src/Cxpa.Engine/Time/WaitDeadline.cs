using System;
using System.Threading;

namespace Cxpa.Engine.Time
{
    /// <summary>
    /// The wait budget of one operation (the cmdlets' -WaitTimeoutSeconds), built once when its clock starts and read on its
    /// <see cref="TimeProvider"/> by every place that enforces it: the client (no request runs past it), the run waiter (no
    /// delay runs past it), the cmdlets' wait loop (progress, the timed-out outcome) and the server's wait window.
    /// A budget of 0 seconds or less is no deadline at all.
    /// </summary>
    public sealed class WaitDeadline
    {
        private WaitDeadline(TimeProvider time, DateTimeOffset startedAt, DateTimeOffset? endsAt, int seconds)
        {
            Time = time;
            StartedAt = startedAt;
            EndsAt = endsAt;
            Seconds = seconds;
        }

        /// <summary>Starts a budget of <paramref name="seconds"/> now (0 or less: none) on the system clock.</summary>
        /// <remarks>Callers built for netstandard2.0 use the overloads without a clock: naming the clock type would tie them to its package.</remarks>
        public static WaitDeadline Start(int seconds) => Start(seconds, TimeProvider.System);

        /// <summary>Starts a budget of <paramref name="seconds"/> now (0 or less: none) on <paramref name="time"/>.</summary>
        public static WaitDeadline Start(int seconds, TimeProvider time)
        {
            var t = time ?? throw new ArgumentNullException(nameof(time));
            var now = t.GetUtcNow();
            return seconds > 0 ? new WaitDeadline(t, now, now.AddSeconds(seconds), seconds) : new WaitDeadline(t, now, null, 0);
        }

        /// <summary>A deadline at a given instant on the system clock; its clock starts now.</summary>
        public static WaitDeadline At(DateTimeOffset endsAt) => At(endsAt, TimeProvider.System);

        /// <summary>A deadline at a given instant on <paramref name="time"/>; its clock starts now.</summary>
        public static WaitDeadline At(DateTimeOffset endsAt, TimeProvider time)
        {
            var t = time ?? throw new ArgumentNullException(nameof(time));
            var now = t.GetUtcNow();
            var seconds = (int)Math.Max(0, Math.Ceiling(endsAt.Subtract(now).TotalSeconds));
            return new WaitDeadline(t, now, endsAt, seconds);
        }

        /// <summary>The clock the deadline is read on.</summary>
        public TimeProvider Time { get; }
        /// <summary>When the budget's clock started.</summary>
        public DateTimeOffset StartedAt { get; }
        /// <summary>When the budget runs out; null when there is no deadline.</summary>
        public DateTimeOffset? EndsAt { get; }
        /// <summary>The budget in whole seconds as given (0: none).</summary>
        public int Seconds { get; }
        /// <summary>True when there is a deadline.</summary>
        public bool IsBounded => EndsAt != null;
        /// <summary>The current time on the deadline's clock.</summary>
        public DateTimeOffset Now => Time.GetUtcNow();
        /// <summary>Time since the clock started.</summary>
        public TimeSpan Elapsed => Now.Subtract(StartedAt);

        /// <summary>Time left (never negative); null when there is no deadline.</summary>
        public TimeSpan? Remaining
        {
            get
            {
                if (EndsAt == null) return null;
                var left = EndsAt.GetValueOrDefault().Subtract(Time.GetUtcNow());
                return left > TimeSpan.Zero ? left : TimeSpan.Zero;
            }
        }

        /// <summary>Whole seconds left for a progress display; -1 when there is no deadline.</summary>
        public int SecondsLeft
        {
            get
            {
                var left = Remaining;
                return left != null ? (int)left.GetValueOrDefault().TotalSeconds : -1;
            }
        }

        /// <summary>True once the deadline is reached.</summary>
        public bool HasPassed => EndsAt != null && Time.GetUtcNow() >= EndsAt.GetValueOrDefault();

        /// <summary>The same deadline moved later by <paramref name="grace"/> (same start, same clock): the outer limit of one call that waits on the server for the whole budget.</summary>
        public WaitDeadline WithGrace(TimeSpan grace)
            => EndsAt != null ? new WaitDeadline(Time, StartedAt, EndsAt.GetValueOrDefault() + grace, Seconds) : this;

        /// <summary>
        /// The server-side wait window to ask for: the whole budget, capped at <paramref name="ceiling"/>; the ceiling when
        /// there is no deadline.
        /// </summary>
        public TimeSpan ServerWindow(TimeSpan ceiling)
            => IsBounded && TimeSpan.FromSeconds(Seconds) < ceiling ? TimeSpan.FromSeconds(Seconds) : ceiling;

        /// <summary>
        /// A cancellation source linked to <paramref name="ct"/> that also cancels when the deadline is reached (at once,
        /// asynchronously, when it has passed already). The caller disposes it.
        /// </summary>
        public CancellationTokenSource Link(CancellationToken ct)
        {
            var left = Remaining;
            if (left == null) return CancellationTokenSource.CreateLinkedTokenSource(ct);
            return Clock.CancelAfter(Time, ct, left > TimeSpan.Zero ? left.GetValueOrDefault() : TimeSpan.FromMilliseconds(1));
        }
    }
}
