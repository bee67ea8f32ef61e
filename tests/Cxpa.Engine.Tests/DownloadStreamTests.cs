using System.Net;
using System.Net.Http.Headers;
using Cxpa.Engine.Downloads;
using Cxpa.Engine.Http;
using Cxpa.Engine.Tests.Support;
using Xunit;

namespace Cxpa.Engine.Tests;

/// <summary>DownloadAnswer.CopyToAsync: a run's file into a caller's stream, over fake answers (no sockets).</summary>
public sealed class DownloadStreamTests
{
    private static byte[] Pattern(int n)
    {
        var b = new byte[n];
        for (var i = 0; i < n; i++) b[i] = (byte)((i * 31 + 7) % 256);
        return b;
    }

    /// <summary>An answer whose body is <paramref name="body"/>, declaring <paramref name="contentLength"/> (null: none, as chunked).</summary>
    private static DownloadAnswer Answer(Stream body, long? contentLength, long? runId = 1001, TimeSpan? readTimeout = null)
    {
        var content = new StreamContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/pdf");
        content.Headers.ContentLength = contentLength;
        content.Headers.TryAddWithoutValidation("Content-Disposition", "attachment; filename=\"q3 report.pdf\"");
        var response = new HttpResponseMessage(HttpStatusCode.OK) { Content = content };
        var options = new CxpaCallOptions { ReadTimeout = readTimeout ?? TimeSpan.FromSeconds(30) };
        return new DownloadAnswer(response, runId, false, new TestRequest { Method = HttpMethod.Post, Path = "api/agents/43/runs/trigger-and-download" }, options);
    }

    [Fact]
    public async Task Copies_the_whole_body_flushes_and_leaves_the_destination_open()
    {
        var data = Pattern(600_000);
        using var answer = Answer(new SlowBody(data, chunk: 70_000), data.Length);
        var dest = new RecordingStream();
        var progress = new DownloadProgress();

        var n = await answer.CopyToAsync(dest, progress, default);

        Assert.Equal(data.Length, n);
        Assert.Equal(data, dest.ToArray());
        Assert.Equal(data.Length, progress.BytesWritten);
        Assert.Equal(data.Length, progress.TotalBytes);
        Assert.Equal("q3 report.pdf", progress.FileName);
        Assert.True(dest.Flushes >= 1);
        Assert.False(dest.Disposed);
        Assert.True(dest.CanWrite);
        Assert.Equal("attachment; filename=\"q3 report.pdf\"", answer.ContentDisposition);
        Assert.Equal("q3 report.pdf", answer.SuggestedFileName);
    }

    [Fact]
    public async Task Copies_a_body_without_Content_Length_to_its_end()
    {
        var data = Pattern(300_000);
        using var answer = Answer(new SlowBody(data, chunk: 50_000), contentLength: null);
        var dest = new RecordingStream();
        Assert.Equal(data.Length, await answer.CopyToAsync(dest, null, default));
        Assert.Equal(data, dest.ToArray());
    }

    [Fact]
    public async Task Appends_after_what_the_destination_already_holds()
    {
        var data = Pattern(1000);
        using var answer = Answer(new MemoryStream(data), data.Length);
        var dest = new RecordingStream();
        dest.Write(new byte[] { 9, 9, 9 });
        await answer.CopyToAsync(dest, null, default);
        Assert.Equal(new byte[] { 9, 9, 9 }.Concat(data), dest.ToArray());
    }

    [Fact]
    public async Task A_body_shorter_than_Content_Length_is_a_download_error_with_the_run_id_and_the_stream_stays_open()
    {
        var data = Pattern(1000);
        using var answer = Answer(new MemoryStream(data), contentLength: 262_144, runId: 4242);
        var dest = new RecordingStream();

        var ex = await Assert.ThrowsAsync<CxpaDownloadException>(() => answer.CopyToAsync(dest, null, default));

        Assert.Equal(4242, ex.RunId);
        Assert.Contains("run 4242", ex.Message);
        Assert.Contains("1000 of 262144 bytes", ex.Message);
        Assert.Contains("destination stream", ex.Message);
        Assert.False(dest.Disposed);
        Assert.True(dest.CanWrite);
        Assert.Equal(data, dest.ToArray());
    }

    [Fact]
    public async Task A_body_that_breaks_off_is_a_download_error_and_the_stream_stays_open()
    {
        var data = Pattern(200_000);
        using var answer = Answer(new SlowBody(data, chunk: 50_000, failAfter: 100_000), data.Length, runId: 77);
        var dest = new RecordingStream();

        var ex = await Assert.ThrowsAsync<CxpaDownloadException>(() => answer.CopyToAsync(dest, null, default));

        Assert.Equal(77, ex.RunId);
        Assert.IsType<IOException>(ex.InnerException);
        Assert.False(dest.Disposed);
        Assert.Equal(data.Take(100_000), dest.ToArray());
    }

    [Fact]
    public async Task A_read_only_or_disposed_destination_is_refused_before_the_body_is_read()
    {
        var body = new SlowBody(Pattern(1000), chunk: 1000);
        using var answer = Answer(body, 1000);
        var readOnly = new MemoryStream(new byte[] { 1, 2 }, writable: false);
        var disposed = new MemoryStream();
        disposed.Dispose();

        var a = await Assert.ThrowsAsync<ArgumentException>(() => answer.CopyToAsync(readOnly, null, default));
        Assert.Equal("destination", a.ParamName);
        await Assert.ThrowsAsync<ArgumentException>(() => answer.CopyToAsync(disposed, null, default));
        await Assert.ThrowsAsync<ArgumentNullException>(() => answer.CopyToAsync(null!, null, default));
        Assert.Equal(0, body.Reads);
        Assert.Equal(new byte[] { 1, 2 }, readOnly.ToArray());
    }

    [Fact]
    public async Task Cancel_stops_the_copy_and_leaves_the_destination_open_with_what_was_written()
    {
        var data = Pattern(100_000);
        using var cts = new CancellationTokenSource();
        // The body hands out one chunk and then waits for more that never comes; the first write cancels.
        using var answer = Answer(new SlowBody(data, chunk: 40_000, hangAfter: 40_000), data.Length);
        var dest = new RecordingStream { OnWrite = () => cts.Cancel() };

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => answer.CopyToAsync(dest, null, cts.Token));

        Assert.False(dest.Disposed);
        Assert.True(dest.CanWrite);
        Assert.True(dest.Length <= 40_000);
    }

    [Fact]
    public async Task A_stalled_body_is_a_timeout_naming_the_run()
    {
        var data = Pattern(10_000);
        using var answer = Answer(new SlowBody(data, chunk: 5_000, hangAfter: 5_000), data.Length, runId: 55, readTimeout: TimeSpan.FromMilliseconds(200));
        var dest = new RecordingStream();
        var ex = await Assert.ThrowsAsync<CxpaTimeoutException>(() => answer.CopyToAsync(dest, null, default));
        Assert.Equal(55, ex.RunId);
        Assert.False(dest.Disposed);
        Assert.Equal(data.Take(5_000), dest.ToArray());
    }

    [Fact]
    public async Task A_timed_out_answer_has_nothing_to_copy()
    {
        using var answer = new DownloadAnswer(null, 9, true, new TestRequest { Method = HttpMethod.Post, Path = "x" }, new CxpaCallOptions());
        await Assert.ThrowsAsync<InvalidOperationException>(() => answer.CopyToAsync(new MemoryStream(), null, default));
    }

    /// <summary>A body read in chunks; it can fail with an IOException or hang (until cancelled) after some bytes.</summary>
    private sealed class SlowBody(byte[] data, int chunk, int failAfter = -1, int hangAfter = -1) : ReadOnlyBody
    {
        private int _pos;
        public int Reads { get; private set; }

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken ct = default)
        {
            Reads++;
            if (failAfter >= 0 && _pos >= failAfter) throw new IOException("The connection was reset.");
            if (hangAfter >= 0 && _pos >= hangAfter) await Task.Delay(Timeout.Infinite, ct);
            var n = Math.Min(Math.Min(chunk, buffer.Length), data.Length - _pos);
            if (failAfter >= 0) n = Math.Min(n, failAfter - _pos);
            if (hangAfter >= 0) n = Math.Min(n, hangAfter - _pos);
            data.AsSpan(_pos, n).CopyTo(buffer.Span);
            _pos += n;
            return n;
        }
    }

    /// <summary>A MemoryStream that records flushes and disposal, and can run an action on each write.</summary>
    private sealed class RecordingStream : MemoryStream
    {
        public int Flushes { get; private set; }
        public bool Disposed { get; private set; }
        public Action? OnWrite { get; init; }
        public override void Flush() { Flushes++; base.Flush(); }
        public override Task FlushAsync(CancellationToken ct) { Flushes++; return base.FlushAsync(ct); }
        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken ct)
        {
            var t = base.WriteAsync(buffer, offset, count, ct);
            OnWrite?.Invoke();
            return t;
        }
        protected override void Dispose(bool disposing) { Disposed = true; base.Dispose(disposing); }
    }
}
