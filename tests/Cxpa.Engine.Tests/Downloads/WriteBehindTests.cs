using System.Net;
using System.Net.Http.Headers;
using Cxpa.Engine.Downloads;
using Cxpa.Engine.Http;
using Cxpa.Engine.Tests.Support;
using Xunit;

namespace Cxpa.Engine.Tests.Downloads;

/// <summary>
/// WriteBehind (the background flushes of a save) and SaveAsync with it: the saved file is complete, the flushes ran while
/// the bytes arrived, and a cancelled or failed save leaves nothing behind.
/// </summary>
public sealed class WriteBehindTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("cxpa-behind-").FullName;

    public void Dispose() => Directory.Delete(_dir, true);

    private static byte[] Pattern(int n)
    {
        var b = new byte[n];
        for (var i = 0; i < n; i++) b[i] = (byte)((i * 31 + 7) % 256);
        return b;
    }

    private static DownloadAnswer Answer(Stream body, long? contentLength, long step)
    {
        var content = new StreamContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/pdf");
        content.Headers.ContentLength = contentLength;
        content.Headers.TryAddWithoutValidation("Content-Disposition", "attachment; filename=\"report.pdf\"");
        var response = new HttpResponseMessage(HttpStatusCode.OK) { Content = content };
        var options = new CxpaCallOptions { ReadTimeout = TimeSpan.FromSeconds(60) };
        return new DownloadAnswer(response, 4242, false, new CxpaRequest { Method = HttpMethod.Post, Path = "api/agents/43/runs/trigger-and-download" }, options)
        {
            WriteBehindStep = step,
        };
    }

    private string[] Names() => Directory.GetFileSystemEntries(_dir).Select(Path.GetFileName).OrderBy(n => n, StringComparer.Ordinal).ToArray()!;

    [Fact]
    public void Flushes_start_once_a_step_is_written_and_the_file_keeps_every_byte_of_the_writing_handle()
    {
        var path = Path.Combine(_dir, "file.partial");
        var data = Pattern(1_000_000);
        using (var fs = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.Delete | FileShare.Write, 1, FileOptions.None))
        {
            using (var behind = new WriteBehind(path, step: 100_000))
            {
                Assert.True(behind.Active);
                fs.Write(data, 0, 50_000);
                behind.Written(50_000);
                Assert.Equal(0, behind.Started);
                for (var at = 50_000; at < data.Length; at += 50_000)
                {
                    fs.Write(data, at, 50_000);
                    behind.Written(at + 50_000);
                }
                Assert.InRange(behind.Started, 1, 10);
            }
            fs.Flush(true);
        }
        Assert.Equal(data, File.ReadAllBytes(path));
    }

    [Fact]
    public void A_step_that_is_not_positive_is_refused()
    {
        var path = Path.Combine(_dir, "file.partial");
        File.WriteAllBytes(path, new byte[1]);
        Assert.Throws<ArgumentOutOfRangeException>(() => new WriteBehind(path, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new WriteBehind(path, -1));
    }

    [Fact]
    public void Without_a_file_to_open_nothing_is_flushed_and_nothing_fails()
    {
        using var behind = new WriteBehind(Path.Combine(_dir, "missing.partial"), step: 10);
        Assert.False(behind.Active);
        behind.Written(1_000);
        Assert.Equal(0, behind.Started);
        Assert.Empty(Names());
    }

    /// <summary>The files under <paramref name="dir"/> this process has open (Linux: the links in /proc/self/fd).</summary>
    private static string[] OpenUnder(string dir) => Directory.GetFiles("/proc/self/fd")
        .Select(fd =>
        {
            try { return new FileInfo(fd).LinkTarget; }
            catch (IOException) { return null; } // closed between the listing and the read
        })
        .Where(t => t != null && t.StartsWith(dir + Path.DirectorySeparatorChar, StringComparison.Ordinal))
        .ToArray()!;

    [OpenHandlesFact]
    public void The_second_handle_is_open_while_flushing_and_closed_by_dispose_before_the_writing_handle()
    {
        var path = Path.Combine(_dir, "file.partial");
        using (var fs = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.Delete | FileShare.Write, 1, FileOptions.None))
        {
            Assert.Single(OpenUnder(_dir));
            var behind = new WriteBehind(path, step: 10);
            Assert.Equal(new[] { path, path }, OpenUnder(_dir));
            fs.Write(Pattern(100), 0, 100);
            behind.Written(100);
            behind.Dispose();
            Assert.Equal(1, behind.Started);
            Assert.Equal(new[] { path }, OpenUnder(_dir));
        }
        Assert.Empty(OpenUnder(_dir));
    }

    [OpenHandlesFact]
    public async Task No_handle_of_the_file_stays_open_after_a_save_that_succeeded_broke_off_or_was_cancelled()
    {
        var data = Pattern(1_000_000);
        using (var done = Answer(new MemoryStream(data), data.Length, step: 64 * 1024))
            await done.SaveAsync(_dir, "report.pdf", false, new DownloadProgress(), default);
        Assert.Empty(OpenUnder(_dir));

        using (var broken = Answer(new MemoryStream(data), data.Length + 1000, step: 64 * 1024))
            await Assert.ThrowsAsync<CxpaDownloadException>(() => broken.SaveAsync(_dir, "other.pdf", false, new DownloadProgress(), default));
        Assert.Empty(OpenUnder(_dir));

        using var cts = new CancellationTokenSource();
        var body = new CancellingBody(data, cancelAt: 600_000, () =>
        {
            Assert.Equal(2, OpenUnder(_dir).Length); // the writing handle and the second handle, while the bytes arrive
            cts.Cancel();
        });
        using (var cancelled = Answer(body, data.Length, step: 64 * 1024))
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cancelled.SaveAsync(_dir, "third.pdf", false, new DownloadProgress(), cts.Token));
        Assert.Empty(OpenUnder(_dir));
        Assert.Equal(new[] { "report.pdf" }, Names());
    }

    [Fact]
    public async Task A_save_flushes_while_the_bytes_arrive_and_the_saved_file_is_complete()
    {
        var data = Pattern(2_000_000);
        using var answer = Answer(new MemoryStream(data), data.Length, step: 256 * 1024);

        var saved = await answer.SaveAsync(_dir, "report.pdf", false, new DownloadProgress(), default);

        Assert.True(answer.WriteBehindFlushes >= 1, "no background flush started");
        Assert.Equal(data, File.ReadAllBytes(saved.Path));
        Assert.Equal(new[] { "report.pdf" }, Names());
        Assert.DoesNotContain(TempFiles.Current, p => p.StartsWith(_dir, StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_save_cancelled_after_background_flushes_leaves_nothing_behind()
    {
        var data = Pattern(1_000_000);
        using var cts = new CancellationTokenSource();
        string? temp = null;
        var body = new CancellingBody(data, cancelAt: 600_000, () =>
        {
            temp = Assert.Single(Directory.GetFiles(_dir, "*.partial"));
            Assert.Contains(temp, TempFiles.Current);
            cts.Cancel();
        });
        using var answer = Answer(body, data.Length, step: 64 * 1024);

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => answer.SaveAsync(_dir, "report.pdf", false, new DownloadProgress(), cts.Token));

        Assert.NotNull(temp);
        Assert.True(answer.WriteBehindFlushes >= 1, "no background flush started");
        Assert.Empty(Names());
        Assert.DoesNotContain(temp, TempFiles.Current);
    }

    [Fact]
    public async Task A_body_that_breaks_off_after_background_flushes_leaves_nothing_behind()
    {
        var data = Pattern(1_000_000);
        // Content-Length promises more than the body holds: the save fails once the body ends.
        using var answer = Answer(new MemoryStream(data), data.Length + 1000, step: 64 * 1024);

        var ex = await Assert.ThrowsAsync<CxpaDownloadException>(() => answer.SaveAsync(_dir, "report.pdf", false, new DownloadProgress(), default));

        Assert.Contains("broke off", ex.Message);
        Assert.True(answer.WriteBehindFlushes >= 1, "no background flush started");
        Assert.Empty(Names());
        Assert.DoesNotContain(TempFiles.Current, p => p.StartsWith(_dir, StringComparison.Ordinal));
    }

    /// <summary>A body that gives its bytes up to <paramref name="cancelAt"/>, then calls <paramref name="cancel"/> and honours the read's token.</summary>
    private sealed class CancellingBody(byte[] data, int cancelAt, Action cancel) : ReadOnlyBody
    {
        private int _pos;

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken ct = default)
        {
            if (_pos >= cancelAt)
            {
                cancel();
                ct.ThrowIfCancellationRequested();
                throw new InvalidOperationException("The read was not cancelled.");
            }
            var n = Math.Min(Math.Min(32_768, buffer.Length), cancelAt - _pos);
            data.AsSpan(_pos, n).CopyTo(buffer.Span);
            _pos += n;
            return new ValueTask<int>(n);
        }
    }
}

/// <summary>A fact that needs /proc/self/fd (Linux) to see which files the process has open; skipped elsewhere.</summary>
public sealed class OpenHandlesFactAttribute : FactAttribute
{
    public OpenHandlesFactAttribute()
    {
        if (!Directory.Exists("/proc/self/fd")) Skip = "no /proc/self/fd here to list the open files";
    }
}
