using System;
using System.IO;
using System.Threading;
using System.Threading.Tasks;

namespace Cxpa.Engine.Downloads
{
    /// <summary>
    /// Flushes a file that is being written to disk as it grows, from a background task on a second handle of the same
    /// file (a flush to disk on any handle of a file writes all of its dirty pages), so that the disk writes while the
    /// transfer goes on and the final flush before the move has little left to do. At most one flush runs at a time; a
    /// step reached while one runs is folded into the next. Best effort: when the second handle cannot be opened nothing
    /// is flushed early, and a failed early flush is ignored (the final flush of the writing handle decides).
    /// </summary>
    internal sealed class WriteBehind : IDisposable
    {
        /// <summary>Bytes written between two background flushes.</summary>
        internal const long DefaultStep = 16L * 1024 * 1024;

        private readonly FileStream? _second;
        private readonly long _step;
        private long _next;
        private Task _flushing = Task.CompletedTask;
        private int _started;

        /// <param name="path">A file already open for writing with <see cref="FileShare.Write"/>.</param>
        /// <param name="step">Bytes between two flushes.</param>
        internal WriteBehind(string path, long step = DefaultStep)
        {
            if (step <= 0) throw new ArgumentOutOfRangeException(nameof(step));
            _step = step;
            _next = step;
            try
            {
                _second = new FileStream(path, FileMode.Open, FileAccess.Write, FileShare.Write | FileShare.Delete, 1, FileOptions.None);
            }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
            {
                _second = null;
            }
        }

        /// <summary>Background flushes started so far (for tests).</summary>
        internal int Started => Volatile.Read(ref _started);

        /// <summary>Whether early flushes can be made (the second handle opened).</summary>
        internal bool Active => _second != null;

        /// <summary>Called after each write with the bytes written so far: starts a flush once a step is passed and none runs.</summary>
        internal void Written(long total)
        {
            if (_second == null || total < _next || !_flushing.IsCompleted) return;
            _next = total + _step;
            Interlocked.Increment(ref _started);
            var handle = _second;
            _flushing = Task.Run(() =>
            {
                try { handle.Flush(true); }
                catch (Exception ex) when (ex is IOException || ex is ObjectDisposedException || ex is UnauthorizedAccessException) { }
            });
        }

        /// <summary>Waits for a flush in flight, then closes the second handle.</summary>
        public void Dispose()
        {
            try { _flushing.Wait(); } catch (AggregateException) { }
            _second?.Dispose();
        }
    }
}
