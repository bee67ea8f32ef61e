using System;
using System.Threading;
using System.Threading.Tasks;

namespace Cxpa.Engine.Time
{
    /// <summary>
    /// Timeouts and delays on the client's <see cref="TimeProvider"/>: the system clock in use, a fake one in the engine's
    /// tests (retry delays, Retry-After, deadlines and the wait schedule run there without sleeping).
    /// </summary>
    internal static class Clock
    {
        /// <summary>A source linked to <paramref name="ct"/> that also cancels after <paramref name="delay"/> on <paramref name="time"/>.</summary>
        internal static CancellationTokenSource CancelAfter(TimeProvider time, CancellationToken ct, TimeSpan delay)
        {
            var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
            if (ReferenceEquals(time, TimeProvider.System)) { cts.CancelAfter(delay); return cts; }
            // The timer can fire after the caller disposed the source (the operation ended first): nothing to cancel then.
            var timer = time.CreateTimer(s => { try { ((CancellationTokenSource)s!).Cancel(); } catch (ObjectDisposedException) { } }, cts, delay, Timeout.InfiniteTimeSpan);
            cts.Token.Register(t => ((IDisposable)t!).Dispose(), timer);
            return cts;
        }

        /// <summary>Waits <paramref name="delay"/> on <paramref name="time"/>.</summary>
        internal static Task Delay(TimeProvider time, TimeSpan delay, CancellationToken ct)
        {
            if (ReferenceEquals(time, TimeProvider.System)) return Task.Delay(delay, ct);
#if NET8_0_OR_GREATER
            return Task.Delay(delay, time, ct);
#else
            return TimeProviderTaskExtensions.Delay(time, delay, ct);
#endif
        }
    }
}
