using System;
using System.Buffers;
using System.IO;
using System.Linq;
using System.Net.Http;
using System.Threading;
using System.Threading.Tasks;
using Cxpa.Engine.Http;
using Cxpa.Engine.Models;
using Cxpa.Engine.Operations;
using Cxpa.Engine.Time;

namespace Cxpa.Engine.Downloads
{
    /// <summary>The open answer of a trigger-and-download: either a file stream to save, or a 202 timed-out placeholder.</summary>
    public sealed class DownloadAnswer : IDisposable
    {
        /// <summary>Copy buffer size.</summary>
        public const int BufferSize = 256 * 1024;

        /// <summary>How many names a save tries when other saves keep taking the free name it picked.</summary>
        internal const int MaxMoveAttempts = 1000;

        private readonly HttpResponseMessage? _response;
        private readonly CxpaOperation _request;
        private readonly CxpaCallOptions _options;

        internal DownloadAnswer(HttpResponseMessage? response, long? runId, bool timedOut, CxpaOperation request, CxpaCallOptions options)
        {
            _response = response;
            _request = request;
            _options = options;
            RunId = runId;
            TimedOut = timedOut;
            if (response != null)
            {
                ContentType = response.Content.Headers.ContentType?.ToString();
                ContentLength = response.Content.Headers.ContentLength;
                if (response.Content.Headers.TryGetValues("Content-Disposition", out var cd))
                {
                    var values = cd.ToArray();
                    ContentDisposition = string.Join(", ", values);
                    // Each header line is read on its own (a comma may be part of a name): the first that names a file wins.
                    SuggestedFileName = values.Select(FileNames.FromContentDisposition).FirstOrDefault(n => n != null);
                }
            }
        }

        /// <summary>The run id (x-run-id or the 202 body).</summary>
        public long? RunId { get; }
        /// <summary>True when the wait window elapsed before the runtime answered (202).</summary>
        public bool TimedOut { get; }
        /// <summary>The content type sent.</summary>
        public string? ContentType { get; }
        /// <summary>Content-Length, when sent (else chunked).</summary>
        public long? ContentLength { get; }
        /// <summary>The raw Content-Disposition header.</summary>
        public string? ContentDisposition { get; }
        /// <summary>The file name from Content-Disposition (filename* first), sanitized; null when none.</summary>
        public string? SuggestedFileName { get; }

        /// <summary>Bytes between two background flushes of a save (<see cref="WriteBehind"/>); tests make it small.</summary>
        internal long WriteBehindStep { get; set; } = WriteBehind.DefaultStep;

        /// <summary>Called with the chosen name just before each move into place (tests take the name meanwhile, as another save would).</summary>
        internal Action<string>? BeforeMove { get; set; }

        /// <summary>How many background flushes the last save started (for tests).</summary>
        internal int WriteBehindFlushes { get; private set; }

        /// <summary>
        /// Streams the body to a temporary file ".cxpa-&lt;8 hex&gt;.partial" in <paramref name="directory"/>, checks the byte
        /// count, flushes, then moves it into place as <paramref name="fileName"/> (cut to 255 UTF-8 bytes, keeping the
        /// extension). On a failure or cancel while the bytes arrive the temporary file is deleted and any existing file is
        /// untouched; the temporary file is also deleted when the process exits or gets SIGTERM (<see cref="TempFiles"/>).
        /// When every byte arrived but the final move fails, the complete temporary file is kept and the
        /// <see cref="CxpaDownloadException"/> names it (<see cref="CxpaDownloadException.TempFilePath"/>).
        /// Without <paramref name="force"/> an existing file is never replaced: the new file gets a free name "name (1).ext";
        /// the move into place does not overwrite, so saves running at once into one folder each land under their own name.
        /// </summary>
        public async Task<DownloadedFile> SaveAsync(string directory, string fileName, bool force, DownloadProgress progress, CancellationToken ct)
        {
            if (_response == null) throw new InvalidOperationException("The answer has no file: the wait window elapsed (TimedOut).");
            var dir = Path.GetFullPath(directory);
            var target = FileNames.CombineInside(dir, FileNames.Fit(fileName));
            progress.TotalBytes = ContentLength;
            progress.FileName = Path.GetFileName(target);
            var temp = Path.Combine(dir, FileNames.TempName());
            long written;
            bool keep = false;
            using var exitCts = CancellationTokenSource.CreateLinkedTokenSource(ct);
            var token = exitCts.Token;
            try
            {
                // FileShare.Delete: the process-exit clean-up can delete the file while this handle is open, also on Windows.
                // FileShare.Write: for the second handle of WriteBehind, which flushes the file to disk as it grows.
                // Created and registered for the clean-up at process exit in one step (no moment unregistered on disk).
                using (var fs = TempFiles.Create(temp, exitCts, FileShare.Delete | FileShare.Write, FileOptions.None))
                {
                    if (ContentLength is { } len && len > 0)
                    {
                        try { fs.SetLength(len); fs.SetLength(0); } catch (IOException) { /* best effort: fail early on a full disk */ }
                    }
                    // A plain write: the file handle is synchronous, where WriteAsync would queue every chunk to the
                    // thread pool and back (one hop per chunk, thousands per GiB). The bytes land in the page cache,
                    // and WriteBehind has the disk write them while the transfer goes on, so that the fsync below, which
                    // makes the saved file survive a crash, has little left to wait for. Its second handle is closed when
                    // this using ends, on every path, so no handle of it is open at the move or the delete below (on
                    // Windows a file open without FileShare.Delete can be neither moved nor deleted); the writing handle
                    // and the second handle both share Delete, so the process-exit clean-up can delete the file meanwhile.
                    using (var behind = new WriteBehind(temp, WriteBehindStep))
                    {
                        long sofar = 0;
                        try
                        {
                            written = await CopyBodyAsync((chunk, n) =>
                            {
                                fs.Write(chunk, 0, n);
                                behind.Written(sofar += n);
                                return Task.CompletedTask;
                            }, progress, "nothing was saved", token).ConfigureAwait(false);
                        }
                        finally
                        {
                            WriteBehindFlushes = behind.Started;
                        }
                    }
                    fs.Flush(true);
                }
                var final = target;
                if ((File.Exists(final) || Directory.Exists(final)) && !force) final = FileNames.FreeName(final);
                try
                {
                    // Without force the move never overwrites, so picking the name and taking it is one atomic step: when
                    // another save took the name between the check and the move, the move fails and the next free name is tried.
                    for (int attempt = 1; ; attempt++)
                    {
                        try
                        {
                            BeforeMove?.Invoke(final);
                            MoveIntoPlace(temp, final, force);
                            break;
                        }
                        catch (IOException) when (!force && attempt < MaxMoveAttempts && File.Exists(temp) && (File.Exists(final) || Directory.Exists(final)))
                        {
                            final = FileNames.FreeName(target);
                        }
                    }
                }
                catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
                {
                    // Every byte arrived and the platform does not keep them: keep the complete file where it is.
                    if (!File.Exists(temp)) throw;
                    keep = true;
                    throw new CxpaDownloadException(
                        $"All {written} bytes of run {RunId} arrived, but moving them to '{final}' failed ({ex.Message}); the complete file is kept at '{temp}'.",
                        RunId, temp, ex);
                }
                _options.Log.Verbose($"Saved {written} bytes of run {RunId} to {final}.");
                return new DownloadedFile { RunId = RunId, Path = final, ContentType = ContentType, Length = written, SuggestedFileName = SuggestedFileName };
            }
            finally
            {
                TempFiles.Unregister(temp);
                if (!keep)
                {
                    try { if (File.Exists(temp)) File.Delete(temp); } catch (IOException) { } catch (UnauthorizedAccessException) { }
                }
            }
        }

        /// <summary>
        /// Streams the body into <paramref name="destination"/> as it arrives (no temporary file), checks the byte count
        /// against Content-Length, flushes the destination and returns the number of bytes written. The caller owns the
        /// destination: it is never closed or disposed, also not on a failure or cancel, when a partial body may have been written.
        /// </summary>
        /// <exception cref="ArgumentNullException">No destination.</exception>
        /// <exception cref="ArgumentException">The destination cannot be written (read-only, closed or disposed).</exception>
        /// <exception cref="CxpaDownloadException">The body broke off (fewer bytes than Content-Length, or a cut stream).</exception>
        public async Task<long> CopyToAsync(Stream destination, DownloadProgress? progress, CancellationToken ct)
        {
            if (destination == null) throw new ArgumentNullException(nameof(destination));
            if (_response == null) throw new InvalidOperationException("The answer has no file: the wait window elapsed (TimedOut).");
            if (!destination.CanWrite)
                throw new ArgumentException("The destination stream cannot be written (CanWrite is false): it is read-only, closed or disposed.", nameof(destination));
            progress ??= new DownloadProgress();
            progress.TotalBytes = ContentLength;
            progress.FileName = SuggestedFileName ?? (RunId is { } id ? $"run {id}" : "output");
            var written = await CopyBodyAsync((chunk, n) => destination.WriteAsync(chunk, 0, n, ct),
                progress, "the bytes before the break were written to the destination stream", ct).ConfigureAwait(false);
            await destination.FlushAsync(ct).ConfigureAwait(false);
            _options.Log.Verbose($"Wrote {written} bytes of run {RunId} to a stream.");
            return written;
        }

        /// <summary>
        /// Reads the body chunk by chunk and hands each chunk to <paramref name="write"/>, with the next read in flight meanwhile;
        /// each read is bounded by the read timeout. Fails with <see cref="CxpaDownloadException"/> when fewer bytes than
        /// Content-Length arrive; <paramref name="lost"/> says what became of the bytes that did.
        /// </summary>
        private async Task<long> CopyBodyAsync(Func<byte[], int, Task> write, DownloadProgress progress, string lost, CancellationToken ct)
        {
            // Two pooled buffers: the next read from the network runs while the chunk before it is written.
            var buffers = new[] { ArrayPool<byte>.Shared.Rent(BufferSize), ArrayPool<byte>.Shared.Rent(BufferSize) };
            long written = 0;
            try
            {
                using var body = await _response!.Content.ReadAsStreamAsync().ConfigureAwait(false);
                using var readCts = CancellationTokenSource.CreateLinkedTokenSource(ct);

                async Task<int> ReadChunkAsync(byte[] into, long before)
                {
                    // Each read has its own budget on the client's clock.
                    using var chunkCts = Clock.CancelAfter(_options.TimeProvider, readCts.Token, _options.ReadTimeout);
                    try
                    {
#if NET8_0_OR_GREATER
                        return await body.ReadAsync(into.AsMemory(0, BufferSize), chunkCts.Token).ConfigureAwait(false);
#else
                        return await body.ReadAsync(into, 0, BufferSize, chunkCts.Token).ConfigureAwait(false);
#endif
                    }
                    catch (OperationCanceledException ex) when (!ct.IsCancellationRequested)
                    {
                        throw new CxpaTimeoutException($"The download of run {RunId} stalled: no data for {_options.ReadTimeout.TotalSeconds:0.#} s after {before} bytes.", RunId, ex);
                    }
                    catch (Exception ex) when (ex is IOException || ex is HttpRequestException)
                    {
                        throw new CxpaDownloadException(BrokeOff(before, lost) + " (" + ex.Message + ").", RunId, ex);
                    }
                }

                int current = 0;
                Task<int>? pending = ReadChunkAsync(buffers[current], 0);
                try
                {
                    while (true)
                    {
                        int n = await pending.ConfigureAwait(false);
                        pending = null;
                        if (n == 0) break;
                        var chunk = buffers[current];
                        current ^= 1;
                        pending = ReadChunkAsync(buffers[current], written + n);
                        await write(chunk, n).ConfigureAwait(false);
                        written += n;
                        progress.Add(n);
                    }
                }
                finally
                {
                    // A write failed with a read in flight: end that read before its buffer goes back to the pool.
                    if (pending != null)
                    {
                        try { readCts.Cancel(); } catch (AggregateException) { }
                        try { await pending.ConfigureAwait(false); } catch (Exception) { }
                    }
                }
                if (ContentLength is { } expected && written != expected)
                    throw new CxpaDownloadException(BrokeOff(written, lost) + ".", RunId);
                return written;
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(buffers[0]);
                ArrayPool<byte>.Shared.Return(buffers[1]);
            }
        }

        private string BrokeOff(long written, string lost) => ContentLength is { } len
            ? $"The download of run {RunId} broke off after {written} of {len} bytes; {lost}, and the platform does not keep the file"
            : $"The download of run {RunId} broke off after {written} bytes; {lost}, and the platform does not keep the file";

        private static void MoveIntoPlace(string temp, string final, bool force)
        {
#if NET8_0_OR_GREATER
            File.Move(temp, final, overwrite: force);
#else
            if (force && File.Exists(final)) File.Replace(temp, final, null);
            else File.Move(temp, final);
#endif
        }

        /// <summary>Closes the answer.</summary>
        public void Dispose() => _response?.Dispose();
    }
}
