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

        /// <summary>The most bytes read after the end of encoded data (a checksum, padding) before the body is called malformed.</summary>
        internal const int MaxTrailingBytes = 64 * 1024;

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
                _encodings = ContentDecoding.Encodings(response.Content.Headers.ContentEncoding);
                if (_encodings.Length > 0)
                {
                    ContentEncoding = string.Join(", ", _encodings);
                    Decoded = ContentDecoding.CanDecode(_encodings);
                }
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

        /// <summary>The raw Content-Encoding header; null when none was sent.</summary>
        public string? ContentEncoding { get; }
        /// <summary>
        /// True when the body has a Content-Encoding that is undone as it is read (gzip, deflate, br on .NET 8+): the file is
        /// saved decoded. False for a body without one, or with one that cannot be undone here (then saved as received).
        /// </summary>
        public bool Decoded { get; }

        /// <summary>The low-speed floor in bytes per second (0: none): slower than this over <see cref="LowSpeedTime"/> is a timeout. Default 1024.</summary>
        public long LowSpeedLimit
        {
            get => _lowSpeedLimit;
            set => _lowSpeedLimit = value >= 0 ? value : throw new ArgumentOutOfRangeException(nameof(LowSpeedLimit), value, "The low-speed floor cannot be negative.");
        }
        private long _lowSpeedLimit = DefaultLowSpeedLimit;

        /// <summary>The window the low-speed floor is measured over. Default 60 s.</summary>
        public TimeSpan LowSpeedTime
        {
            get => _lowSpeedTime;
            set => _lowSpeedTime = value > TimeSpan.Zero ? value : throw new ArgumentOutOfRangeException(nameof(LowSpeedTime), value, "The low-speed window must be positive.");
        }
        private TimeSpan _lowSpeedTime = TimeSpan.FromSeconds(DefaultLowSpeedSeconds);

        /// <summary>The default low-speed floor: 1 KiB/s.</summary>
        public const long DefaultLowSpeedLimit = 1024;
        /// <summary>The default low-speed window: 60 s.</summary>
        public const int DefaultLowSpeedSeconds = 60;

        private readonly string[] _encodings = Array.Empty<string>();

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
            long written = 0; // assigned first: a mutant that drops the block assigning it still compiles
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
                    if (ContentLength.GetValueOrDefault() > 0)
                    {
                        try { fs.SetLength(ContentLength.GetValueOrDefault()); fs.SetLength(0); } catch (Exception ex) when (ex is IOException || ex is ArgumentException) { /* best effort: fail early on a full disk; a length no file can have is left to the byte count */ }
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
            progress.FileName = SuggestedFileName ?? (RunId.HasValue ? $"run {RunId.GetValueOrDefault()}" : "output");
            var written = await CopyBodyAsync((chunk, n) => destination.WriteAsync(chunk, 0, n, ct),
                progress, "the bytes before the break were written to the destination stream", ct).ConfigureAwait(false);
            await destination.FlushAsync(ct).ConfigureAwait(false);
            _options.Log.Verbose($"Wrote {written} bytes of run {RunId} to a stream.");
            return written;
        }

        /// <summary>
        /// Reads the body chunk by chunk and hands each chunk to <paramref name="write"/>, with the next read in flight meanwhile;
        /// each read is bounded by the read timeout, and the transfer by the low-speed floor (<see cref="LowSpeedLimit"/>
        /// over <see cref="LowSpeedTime"/>). A body with a Content-Encoding that can be undone is written decoded; its
        /// Content-Length is checked against the bytes received as the server sent them, and a body that decodes to far more
        /// than it sent (<see cref="ContentDecoding.MaximumExpansion"/>) is refused. Fails with <see cref="CxpaDownloadException"/>
        /// when fewer bytes than Content-Length arrive; <paramref name="lost"/> says what became of the bytes that did.
        /// </summary>
        private async Task<long> CopyBodyAsync(Func<byte[], int, Task> write, DownloadProgress progress, string lost, CancellationToken ct)
        {
            // Two pooled buffers: the next read from the network runs while the chunk before it is written.
            var buffers = new[] { ArrayPool<byte>.Shared.Rent(BufferSize), ArrayPool<byte>.Shared.Rent(BufferSize) };
            long written = 0;
            try
            {
                using var raw = new CountingStream(await _response!.Content.ReadAsStreamAsync().ConfigureAwait(false));
                using var body = Decoded ? ContentDecoding.Decode(raw, _encodings) : raw;
                using var readCts = CancellationTokenSource.CreateLinkedTokenSource(ct);

                async Task<int> ReadChunkAsync(Stream from, byte[] into)
                {
                    // Each read has its own budget on the client's clock.
                    using var chunkCts = Clock.CancelAfter(_options.TimeProvider, readCts.Token, _options.ReadTimeout);
                    try
                    {
#if NET8_0_OR_GREATER
                        return await from.ReadAsync(into.AsMemory(0, BufferSize), chunkCts.Token).ConfigureAwait(false);
#else
                        return await from.ReadAsync(into, 0, BufferSize, chunkCts.Token).ConfigureAwait(false);
#endif
                    }
                    catch (OperationCanceledException ex) when (!ct.IsCancellationRequested)
                    {
                        throw new CxpaTimeoutException($"The download of run {RunId} stalled: no data for {_options.ReadTimeout.TotalSeconds:0.#} s after {raw.Bytes} bytes.", RunId, ex);
                    }
                    catch (Exception ex) when (ex is IOException || ex is HttpRequestException)
                    {
                        throw new CxpaDownloadException(BrokeOff(raw.Bytes, lost) + " (" + ex.Message + ").", RunId, ex);
                    }
                    catch (InvalidDataException ex)
                    {
                        throw Invalid($"its body is not valid {ContentEncoding} data after {raw.Bytes} bytes ({ex.Message}); {lost}", ex);
                    }
                }

                var time = _options.TimeProvider;
                var windowStart = time.GetTimestamp();
                long windowFrom = 0;
                int current = 0;
                Task<int>? pending = ReadChunkAsync(body, buffers[current]);
                try
                {
                    while (true)
                    {
                        int n = await pending.ConfigureAwait(false);
                        pending = null;
                        if (n == 0) break;
                        var received = raw.Bytes;
                        if (LowSpeedLimit > 0)
                        {
                            var now = time.GetTimestamp();
                            var span = time.GetElapsedTime(windowStart, now);
                            if (span >= LowSpeedTime)
                            {
                                if (received - windowFrom < LowSpeedLimit * span.TotalSeconds)
                                    throw new CxpaTimeoutException(
                                        $"The download of run {RunId} was too slow: {received - windowFrom} bytes in the last {span.TotalSeconds:0.#} s, under the floor of {LowSpeedLimit} bytes/s over {LowSpeedTime.TotalSeconds:0.#} s (-LowSpeedLimit, -LowSpeedTimeSeconds), after {received} bytes; {lost}.", RunId);
                                windowStart = now;
                                windowFrom = received;
                            }
                        }
                        var chunk = buffers[current];
                        current ^= 1;
                        pending = ReadChunkAsync(body, buffers[current]);
                        await write(chunk, n).ConfigureAwait(false);
                        written += n;
                        if (Decoded && ContentDecoding.TooExpanded(written, received))
                            throw new CxpaApiException(
                                $"The download of run {RunId} decoded ({ContentEncoding}) to {written} bytes from {received} received, more than {ContentDecoding.MaximumExpansion} times as many past the first {ContentDecoding.FreeDecodedBytes / (1024 * 1024)} MiB: refused as a decompression bomb; {lost}.",
                                200, "response_too_large", null, null, RunId, _request.Method.Method, _request.Route);
                        progress.Add(n, received);
                    }
                    // The decoder stops at the end of its data: read what follows (a checksum, padding) so that the count is whole.
                    if (Decoded)
                    {
                        var end = raw.Bytes;
                        while (await ReadChunkAsync(raw, buffers[current]).ConfigureAwait(false) > 0)
                        {
                            if (raw.Bytes - end > MaxTrailingBytes)
                                throw Invalid($"more than {MaxTrailingBytes} bytes follow the end of its {ContentEncoding} data; {lost}", null);
                        }
                        progress.Add(0, raw.Bytes);
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
                if (ContentLength.HasValue && raw.Bytes != ContentLength.GetValueOrDefault())
                    throw new CxpaDownloadException(BrokeOff(raw.Bytes, lost) + ".", RunId);
                return written;
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(buffers[0]);
                ArrayPool<byte>.Shared.Return(buffers[1]);
            }
        }

        /// <summary>An InvalidResponse error (a 200 answer that is malformed) about this download.</summary>
        private CxpaApiException Invalid(string what, Exception? inner)
            => new CxpaApiException($"The download of run {RunId} is not a valid answer: {what}.", 200, "invalid_response", null, null, RunId, _request.Method.Method, _request.Route, null, inner);

        private string BrokeOff(long written, string lost) => ContentLength.HasValue
            ? $"The download of run {RunId} broke off after {written} of {ContentLength.GetValueOrDefault()} bytes; {lost}, and the platform does not keep the file"
            : $"The download of run {RunId} broke off after {written} bytes; {lost}, and the platform does not keep the file";

        private static void MoveIntoPlace(string temp, string final, bool force)
        {
            if (!force) { NoOverwriteMove.Move(temp, final); return; }
#if NET8_0_OR_GREATER
            File.Move(temp, final, overwrite: true);
#else
            if (File.Exists(final)) File.Replace(temp, final, null);
            else File.Move(temp, final);
#endif
        }

        /// <summary>Closes the answer.</summary>
        public void Dispose() => _response?.Dispose();
    }
}
