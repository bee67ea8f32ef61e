using Cxpa.Engine.Downloads;
using Cxpa.Engine.Tests.Support;
using Xunit;

namespace Cxpa.Engine.Tests.Downloads;

/// <summary>
/// WriteBehind (the background flushes of a save) and SaveAsync with it: the saved file is complete, the flushes ran while
/// the bytes arrived, and a cancelled or failed save leaves nothing behind.
/// </summary>
[Collection(MutdlTempFilesCollection.Name)]
public sealed class WriteBehindTests : MutdlDownloadTestBase
{
    [Fact]
    public void Flushes_start_once_a_step_is_written_and_the_file_keeps_every_byte_of_the_writing_handle()
    {
        var path = Path.Combine(Dir, "file.partial");
        var data = MutdlBody.Pattern(1_000_000);
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
        var path = Path.Combine(Dir, "file.partial");
        File.WriteAllBytes(path, new byte[1]);
        Assert.Throws<ArgumentOutOfRangeException>(() => new WriteBehind(path, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new WriteBehind(path, -1));
    }

    [Fact]
    public void Without_a_file_to_open_nothing_is_flushed_and_nothing_fails()
    {
        using var behind = new WriteBehind(Path.Combine(Dir, "missing.partial"), step: 10);
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
        var path = Path.Combine(Dir, "file.partial");
        using (var fs = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.Delete | FileShare.Write, 1, FileOptions.None))
        {
            Assert.Single(OpenUnder(Dir));
            var behind = new WriteBehind(path, step: 10);
            Assert.Equal(new[] { path, path }, OpenUnder(Dir));
            fs.Write(MutdlBody.Pattern(100), 0, 100);
            behind.Written(100);
            behind.Dispose();
            Assert.Equal(1, behind.Started);
            Assert.Equal(new[] { path }, OpenUnder(Dir));
        }
        Assert.Empty(OpenUnder(Dir));
    }

    [OpenHandlesFact]
    public async Task No_handle_of_the_file_stays_open_after_a_save_that_succeeded_broke_off_or_was_cancelled()
    {
        var data = MutdlBody.Pattern(1_000_000);
        using (var done = Answer(new MemoryStream(data), data.Length, writeBehindStep: 64 * 1024))
            await done.SaveAsync(Dir, "report.pdf", false, new DownloadProgress(), default);
        Assert.Empty(OpenUnder(Dir));

        using (var broken = Answer(new MemoryStream(data), data.Length + 1000, writeBehindStep: 64 * 1024))
            await Assert.ThrowsAsync<CxpaDownloadException>(() => broken.SaveAsync(Dir, "other.pdf", false, new DownloadProgress(), default));
        Assert.Empty(OpenUnder(Dir));

        using var cts = new CancellationTokenSource();
        var body = new CancellingBody(data, cancelAt: 600_000, () =>
        {
            Assert.Equal(2, OpenUnder(Dir).Length); // the writing handle and the second handle, while the bytes arrive
            cts.Cancel();
        });
        using (var cancelled = Answer(body, data.Length, writeBehindStep: 64 * 1024))
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cancelled.SaveAsync(Dir, "third.pdf", false, new DownloadProgress(), cts.Token));
        Assert.Empty(OpenUnder(Dir));
        Assert.Equal(new[] { "report.pdf" }, Names());
    }

    [Fact]
    public async Task A_save_flushes_while_the_bytes_arrive_and_the_saved_file_is_complete()
    {
        var data = MutdlBody.Pattern(2_000_000);
        using var answer = Answer(new MemoryStream(data), data.Length, writeBehindStep: 256 * 1024);

        var saved = await answer.SaveAsync(Dir, "report.pdf", false, new DownloadProgress(), default);

        Assert.True(answer.WriteBehindFlushes >= 1, "no background flush started");
        Assert.Equal(data, File.ReadAllBytes(saved.Path));
        Assert.Equal(new[] { "report.pdf" }, Names());
        AssertNothingRegistered();
    }

    [Fact]
    public async Task A_save_cancelled_after_background_flushes_leaves_nothing_behind()
    {
        var data = MutdlBody.Pattern(1_000_000);
        using var cts = new CancellationTokenSource();
        string? temp = null;
        var body = new CancellingBody(data, cancelAt: 600_000, () =>
        {
            temp = Assert.Single(Directory.GetFiles(Dir, "*.partial"));
            Assert.Contains(temp, TempFiles.Current);
            cts.Cancel();
        });
        using var answer = Answer(body, data.Length, writeBehindStep: 64 * 1024);

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => answer.SaveAsync(Dir, "report.pdf", false, new DownloadProgress(), cts.Token));

        Assert.NotNull(temp);
        Assert.True(answer.WriteBehindFlushes >= 1, "no background flush started");
        Assert.Empty(Names());
        Assert.DoesNotContain(temp, TempFiles.Current);
    }

    [Fact]
    public async Task A_body_that_breaks_off_after_background_flushes_leaves_nothing_behind()
    {
        var data = MutdlBody.Pattern(1_000_000);
        // Content-Length promises more than the body holds: the save fails once the body ends.
        using var answer = Answer(new MemoryStream(data), data.Length + 1000, writeBehindStep: 64 * 1024);

        var ex = await Assert.ThrowsAsync<CxpaDownloadException>(() => answer.SaveAsync(Dir, "report.pdf", false, new DownloadProgress(), default));

        Assert.Contains("broke off", ex.Message);
        Assert.True(answer.WriteBehindFlushes >= 1, "no background flush started");
        Assert.Empty(Names());
        AssertNothingRegistered();
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
