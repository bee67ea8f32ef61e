using System;
using System.Collections.Generic;
using System.IO;
using System.Threading;

namespace Cxpa.Engine.Downloads
{
    /// <summary>
    /// The temporary download files this process is writing. When the process ends (exit, or SIGTERM/SIGHUP on .NET 8+)
    /// their downloads are cancelled and the files deleted, so an interrupted save leaves nothing behind. A complete file
    /// kept after a failed move is no longer registered, so it is never deleted.
    /// </summary>
    public static class TempFiles
    {
        private static readonly object Gate = new object();
        private static readonly Dictionary<string, CancellationTokenSource?> Live = new Dictionary<string, CancellationTokenSource?>(StringComparer.Ordinal);
        private static bool _hooked;
        private static bool _closed;
#if NET8_0_OR_GREATER
        private static readonly List<System.Runtime.InteropServices.PosixSignalRegistration> Signals = new List<System.Runtime.InteropServices.PosixSignalRegistration>();
#endif

        /// <summary>The temporary files registered now (for tests and diagnostics).</summary>
        public static IReadOnlyCollection<string> Current
        {
            get { lock (Gate) return new List<string>(Live.Keys); }
        }

        /// <summary>
        /// Registers a temporary file that was just created, with the source that cancels its download. When the process is
        /// already shutting down the file is deleted at once and <see cref="OperationCanceledException"/> is thrown.
        /// </summary>
        public static void Register(string path, CancellationTokenSource? cancel)
        {
            if (path == null) throw new ArgumentNullException(nameof(path));
            lock (Gate)
            {
                if (!_closed)
                {
                    Hook();
                    Live[path] = cancel;
                    return;
                }
            }
            TryDelete(path);
            throw new OperationCanceledException("The process is exiting: the download was not started.");
        }

        /// <summary>
        /// Creates a new temporary file (<see cref="FileMode.CreateNew"/>, write access) and registers it with the source that
        /// cancels its download, in one step under the registry's lock: the clean-up at process exit, which takes the same
        /// lock, either finds the file registered or has refused it before it was created, so no moment exists in which the
        /// file is on disk and unknown to the clean-up. When the process is already shutting down nothing is created and
        /// <see cref="OperationCanceledException"/> is thrown.
        /// </summary>
        public static FileStream Create(string path, CancellationTokenSource? cancel, FileShare share, FileOptions options)
        {
            if (path == null) throw new ArgumentNullException(nameof(path));
            lock (Gate)
            {
                if (_closed) throw new OperationCanceledException("The process is exiting: the download was not started.");
                Hook();
                var fs = new FileStream(path, FileMode.CreateNew, FileAccess.Write, share, 1, options);
                Live[path] = cancel;
                return fs;
            }
        }

        /// <summary>
        /// Hooks process exit, SIGTERM and SIGHUP now, before anything is sent, so that a signal that arrives while a run is
        /// being started already finds the clean-up in place (and refuses the temporary files of that process from then on).
        /// </summary>
        public static void Prepare()
        {
            lock (Gate) Hook();
        }

        /// <summary>Forgets a temporary file: it was moved into place, deleted, or is kept on purpose.</summary>
        public static void Unregister(string path)
        {
            if (path == null) return;
            lock (Gate) Live.Remove(path);
        }

        /// <summary>Cancels every registered download and deletes its temporary file; later registrations are refused. Runs on process exit.</summary>
        internal static void Shutdown() => DeleteAll(close: true);

        /// <summary>Cancels every registered download and deletes its temporary file; with <paramref name="close"/> later registrations are refused.</summary>
        internal static void DeleteAll(bool close)
        {
            var all = Array.Empty<KeyValuePair<string, CancellationTokenSource?>>(); // assigned first: a mutant that drops the lock block still compiles
            lock (Gate)
            {
                if (close) _closed = true;
                all = new KeyValuePair<string, CancellationTokenSource?>[Live.Count];
                ((ICollection<KeyValuePair<string, CancellationTokenSource?>>)Live).CopyTo(all, 0);
                Live.Clear();
            }
            foreach (var kv in all)
            {
                try { kv.Value?.Cancel(); } catch (ObjectDisposedException) { } catch (AggregateException) { }
                TryDelete(kv.Key);
            }
        }

        private static void TryDelete(string path)
        {
            try { File.Delete(path); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }

        /// <summary>Hooks process exit and, on .NET 8+, SIGTERM and SIGHUP, once. Called under the lock.</summary>
        private static void Hook()
        {
            if (_hooked) return;
            _hooked = true;
            AppDomain.CurrentDomain.ProcessExit += (_, __) => Shutdown();
#if NET8_0_OR_GREATER
            foreach (var signal in new[] { System.Runtime.InteropServices.PosixSignal.SIGTERM, System.Runtime.InteropServices.PosixSignal.SIGHUP })
            {
                try
                {
                    // Cancel stays false: after the clean-up the signal's default handling goes on and the process ends as it would have.
                    Signals.Add(System.Runtime.InteropServices.PosixSignalRegistration.Create(signal, ctx => { ctx.Cancel = false; Shutdown(); }));
                }
                catch (PlatformNotSupportedException) { }
                catch (IOException) { }
            }
#endif
        }
    }
}
