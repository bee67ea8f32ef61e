using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Cxpa.Engine.Downloads;
using Cxpa.Engine.Http;
using Cxpa.Engine.Tests.Support;
using Xunit;

namespace Cxpa.Engine.Tests;

/// <summary>DownloadAnswer.SaveAsync into a folder, over fake answers (no sockets): temporary names, long names, a failed move, process-exit clean-up.</summary>
public sealed class DownloadSaveTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("cxpa-save-").FullName;

    public void Dispose() => Directory.Delete(_dir, true);

    private static byte[] Pattern(int n)
    {
        var b = new byte[n];
        for (var i = 0; i < n; i++) b[i] = (byte)((i * 31 + 7) % 256);
        return b;
    }

    private static DownloadAnswer Answer(Stream body, long? contentLength, string disposition = "attachment; filename=\"q3 report.pdf\"")
    {
        var content = new StreamContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/pdf");
        content.Headers.ContentLength = contentLength;
        content.Headers.TryAddWithoutValidation("Content-Disposition", disposition);
        var response = new HttpResponseMessage(HttpStatusCode.OK) { Content = content };
        var options = new CxpaCallOptions { ReadTimeout = TimeSpan.FromSeconds(60) };
        return new DownloadAnswer(response, 4242, false, new TestRequest { Method = HttpMethod.Post, Path = "api/agents/43/runs/trigger-and-download" }, options);
    }

    private string[] Names() => Directory.GetFileSystemEntries(_dir).Select(Path.GetFileName).OrderBy(n => n, StringComparer.Ordinal).ToArray()!;

    [Fact]
    public async Task A_filename_star_of_200_e_acute_is_saved_under_a_name_of_at_most_255_bytes()
    {
        var data = Pattern(100_000);
        var header = "attachment; filename*=UTF-8''" + string.Concat(Enumerable.Repeat("%C3%A9", 200)) + ".pdf";
        using var answer = Answer(new MemoryStream(data), data.Length, header);
        Assert.Equal(400 + 4, Encoding.UTF8.GetByteCount(new string('é', 200) + ".pdf"));

        var saved = await answer.SaveAsync(_dir, answer.SuggestedFileName!, false, new DownloadProgress(), default);

        var name = Path.GetFileName(saved.Path);
        Assert.True(Encoding.UTF8.GetByteCount(name) <= 255);
        Assert.EndsWith(".pdf", name);
        Assert.StartsWith(new string('é', 100), name);
        Assert.Equal(data, File.ReadAllBytes(saved.Path));
        Assert.Equal(new[] { name }, Names());
    }

    [Fact]
    public async Task A_second_long_name_gets_a_collision_suffix_within_255_bytes()
    {
        var data = Pattern(1000);
        var header = "attachment; filename*=UTF-8''" + string.Concat(Enumerable.Repeat("%E6%8A%A5", 200)) + ".xlsx";
        using var first = Answer(new MemoryStream(data), data.Length, header);
        using var second = Answer(new MemoryStream(data), data.Length, header);
        var a = await first.SaveAsync(_dir, first.SuggestedFileName!, false, new DownloadProgress(), default);
        var b = await second.SaveAsync(_dir, second.SuggestedFileName!, false, new DownloadProgress(), default);
        Assert.NotEqual(a.Path, b.Path);
        Assert.EndsWith(" (1).xlsx", b.Path);
        Assert.True(Encoding.UTF8.GetByteCount(Path.GetFileName(b.Path)) <= 255);
        Assert.Equal(data, File.ReadAllBytes(b.Path));
    }

    [Fact]
    public async Task The_temporary_file_has_a_short_name_of_its_own_and_is_registered_while_the_bytes_arrive()
    {
        var data = Pattern(300_000);
        var longName = new string('a', 190) + ".pdf";
        using var answer = Answer(new HangingBody(data, hangAfter: 100_000), data.Length, $"attachment; filename=\"{longName}\"");
        using var cts = new CancellationTokenSource();
        var progress = new DownloadProgress();
        var save = answer.SaveAsync(_dir, longName, false, progress, cts.Token);

        var temp = await WaitForTempAsync(progress, 100_000);
        var name = Path.GetFileName(temp);
        Assert.Matches("^\\.cxpa-[0-9a-f]{8}\\.partial$", name);
        Assert.Equal(new[] { name }, Names());
        Assert.Contains(temp, TempFiles.Current);

        cts.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => save);
        Assert.Empty(Names());
        Assert.DoesNotContain(temp, TempFiles.Current);
    }

    [Fact]
    public async Task The_process_exit_clean_up_cancels_the_download_and_deletes_its_temporary_file()
    {
        var data = Pattern(300_000);
        using var answer = Answer(new HangingBody(data, hangAfter: 50_000), data.Length);
        var progress = new DownloadProgress();
        var save = answer.SaveAsync(_dir, "q3 report.pdf", false, progress, default);

        var temp = await WaitForTempAsync(progress, 50_000);
        TempFiles.DeleteAll(close: false);

        Assert.False(File.Exists(temp));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => save);
        Assert.Empty(Names());
    }

    [Fact]
    public async Task A_failed_move_after_every_byte_arrived_keeps_the_complete_file_and_names_it()
    {
        var data = Pattern(200_000);
        using var answer = Answer(new MemoryStream(data), data.Length);
        // The target became a directory while the bytes arrived: the move into place fails.
        var target = Path.Combine(_dir, "q3 report.pdf");
        Directory.CreateDirectory(target);
        File.WriteAllText(Path.Combine(target, "inside.txt"), "x");

        var ex = await Assert.ThrowsAsync<CxpaDownloadException>(() => answer.SaveAsync(_dir, "q3 report.pdf", true, new DownloadProgress(), default));

        Assert.NotNull(ex.TempFilePath);
        Assert.Equal(_dir, Path.GetDirectoryName(ex.TempFilePath));
        Assert.True(File.Exists(ex.TempFilePath));
        Assert.Equal(data, File.ReadAllBytes(ex.TempFilePath!));
        Assert.Contains(ex.TempFilePath!, ex.Message);
        Assert.Contains("run 4242", ex.Message);
        Assert.Contains($"All {data.Length} bytes", ex.Message);
        Assert.Equal(4242, ex.RunId);
        Assert.True(ex.InnerException is IOException || ex.InnerException is UnauthorizedAccessException);
        Assert.DoesNotContain(ex.TempFilePath!, TempFiles.Current);
        Assert.True(Directory.Exists(target));
    }

    [Fact]
    public async Task Without_Force_a_directory_in_the_way_gives_a_free_name()
    {
        var data = Pattern(1000);
        using var answer = Answer(new MemoryStream(data), data.Length);
        Directory.CreateDirectory(Path.Combine(_dir, "q3 report.pdf"));
        var saved = await answer.SaveAsync(_dir, "q3 report.pdf", false, new DownloadProgress(), default);
        Assert.Equal(Path.Combine(_dir, "q3 report (1).pdf"), saved.Path);
        Assert.Equal(data, File.ReadAllBytes(saved.Path));
    }

    [Fact]
    public void The_folder_probe_leaves_nothing_and_fails_for_a_folder_that_cannot_be_written()
    {
        DownloadFolder.Probe(_dir);
        Assert.Empty(Names());
        Assert.ThrowsAny<IOException>(() => DownloadFolder.Probe(Path.Combine(_dir, "missing")));
        if (OperatingSystem.IsLinux())
        {
            // sysfs refuses new files to every user, root included.
            var ex = Record.Exception(() => DownloadFolder.Probe("/sys"));
            Assert.True(ex is UnauthorizedAccessException || ex is IOException, ex?.GetType().Name);
        }
    }

    private async Task<string> WaitForTempAsync(DownloadProgress progress, long bytes)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (progress.BytesWritten < bytes)
        {
            Assert.True(DateTime.UtcNow < deadline, "the download did not get going");
            await Task.Delay(10);
        }
        var temps = Directory.GetFiles(_dir, "*.partial");
        Assert.Single(temps);
        return temps[0];
    }

    /// <summary>A body that gives its bytes up to <paramref name="hangAfter"/>, then waits until the read is cancelled.</summary>
    private sealed class HangingBody(byte[] data, int hangAfter) : ReadOnlyBody
    {
        private int _pos;

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken ct = default)
        {
            if (_pos >= hangAfter) await Task.Delay(Timeout.Infinite, ct);
            var n = Math.Min(Math.Min(16_384, buffer.Length), hangAfter - _pos);
            data.AsSpan(_pos, n).CopyTo(buffer.Span);
            _pos += n;
            return n;
        }
    }
}
