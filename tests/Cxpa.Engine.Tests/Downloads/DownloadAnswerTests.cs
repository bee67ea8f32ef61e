using System.Net;
using System.Net.Http.Headers;
using Cxpa.Engine.Downloads;
using Cxpa.Engine.Http;
using Cxpa.Engine.Tests.Support;
using Xunit;

namespace Cxpa.Engine.Tests.Downloads;

/// <summary>Shared set-up of the download tests: an answer over a fake body, a log, a folder of its own.</summary>
public abstract class MutdlDownloadTestBase : IDisposable
{
    protected readonly string Dir = Directory.CreateTempSubdirectory("cxpa-mutdl-").FullName;
    protected readonly MutdlLog Log = new();

    public void Dispose() => Directory.Delete(Dir, true);

    protected DownloadAnswer Answer(Stream body, long? contentLength, string? disposition = "attachment; filename=\"q3 report.pdf\"",
        long? runId = 4242, string? contentType = "application/pdf", TimeSpan? readTimeout = null, long? writeBehindStep = null)
    {
        var content = new StreamContent(body);
        if (contentType != null) content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        content.Headers.ContentLength = contentLength;
        if (disposition != null) content.Headers.TryAddWithoutValidation("Content-Disposition", disposition);
        var response = new HttpResponseMessage(HttpStatusCode.OK) { Content = content };
        var options = new CxpaCallOptions { ReadTimeout = readTimeout ?? TimeSpan.FromHours(1), Log = Log };
        var answer = new DownloadAnswer(response, runId, false, new TestRequest { Method = HttpMethod.Post, Path = "api/agents/43/runs/trigger-and-download" }, options);
        if (writeBehindStep is { } step) answer.WriteBehindStep = step;
        return answer;
    }

    protected string[] Names() => Directory.GetFileSystemEntries(Dir).Select(Path.GetFileName).OrderBy(n => n, StringComparer.Ordinal).ToArray()!;

    /// <summary>No temporary file of this folder is still registered for the process-exit clean-up.</summary>
    protected void AssertNothingRegistered() => Assert.DoesNotContain(TempFiles.Current, p => p.StartsWith(Dir, StringComparison.Ordinal));
}

/// <summary>DownloadAnswer: its headers, SaveAsync into a folder (names, Force, length checks, failures leave nothing) over fake bodies.</summary>
[Collection(MutdlTempFilesCollection.Name)]
public sealed class DownloadAnswerSaveTests : MutdlDownloadTestBase
{
    [Fact]
    public void The_answer_reads_its_headers()
    {
        using var a = Answer(new MemoryStream(), 1234, "attachment; filename=\"a.csv\"", runId: 9, contentType: "text/csv; charset=utf-8");
        Assert.Equal(9, a.RunId);
        Assert.False(a.TimedOut);
        Assert.Equal("text/csv; charset=utf-8", a.ContentType);
        Assert.Equal(1234, a.ContentLength);
        Assert.Equal("attachment; filename=\"a.csv\"", a.ContentDisposition);
        Assert.Equal("a.csv", a.SuggestedFileName);

        using var bare = Answer(new MemoryStream(), null, disposition: null, runId: null, contentType: null);
        Assert.Null(bare.RunId);
        Assert.Null(bare.ContentType);
        Assert.Null(bare.ContentLength);
        Assert.Null(bare.ContentDisposition);
        Assert.Null(bare.SuggestedFileName);
    }

    [Fact]
    public void Two_Content_Disposition_values_are_joined_with_a_comma()
    {
        var content = new ByteArrayContent(Array.Empty<byte>());
        content.Headers.TryAddWithoutValidation("Content-Disposition", "attachment");
        content.Headers.TryAddWithoutValidation("Content-Disposition", "filename=\"b.txt\"");
        using var a = new DownloadAnswer(new HttpResponseMessage(HttpStatusCode.OK) { Content = content }, 1, false, new TestRequest(), new CxpaCallOptions());
        Assert.Equal("attachment, filename=\"b.txt\"", a.ContentDisposition);
        Assert.Equal("b.txt", a.SuggestedFileName);
    }

    [Fact]
    public async Task A_timed_out_answer_has_no_file_to_save_and_disposes_cleanly()
    {
        var a = new DownloadAnswer(null, 9, true, new TestRequest(), new CxpaCallOptions());
        Assert.True(a.TimedOut);
        Assert.Equal(9, a.RunId);
        Assert.Null(a.ContentType);
        var ex = await Assert.ThrowsAsync<InvalidOperationException>(() => a.SaveAsync(Dir, "x.pdf", false, new DownloadProgress(), default));
        Assert.Contains("TimedOut", ex.Message);
        Assert.Empty(Names());
        a.Dispose();
    }

    [Fact]
    public void Disposing_the_answer_closes_its_body()
    {
        var body = new MutdlBody(MutdlBody.Pattern(10));
        var a = Answer(body, 10);
        a.Dispose();
        Assert.True(body.Disposed);
    }

    [Fact]
    public async Task A_save_writes_every_byte_and_reports_the_file_progress_and_log()
    {
        var data = MutdlBody.Pattern(700_000);
        var body = new MutdlBody(data, chunk: 90_000);
        using var a = Answer(body, data.Length, runId: 77);
        var progress = new DownloadProgress();

        var saved = await a.SaveAsync(Dir, "q3 report.pdf", false, progress, default);

        var path = Path.Combine(Dir, "q3 report.pdf");
        Assert.Equal(path, saved.Path);
        Assert.Equal(77, saved.RunId);
        Assert.Equal("application/pdf", saved.ContentType);
        Assert.Equal(data.Length, saved.Length);
        Assert.Equal("q3 report.pdf", saved.SuggestedFileName);
        Assert.Equal(data, File.ReadAllBytes(path));
        Assert.Equal(data.Length, progress.BytesWritten);
        Assert.Equal(data.Length, progress.TotalBytes);
        Assert.Equal("q3 report.pdf", progress.FileName);
        Assert.Equal(new[] { "q3 report.pdf" }, Names());
        Assert.Contains($"Saved {data.Length} bytes of run 77 to {path}.", Log.Lines);
        AssertNothingRegistered();
    }

    [Fact]
    public async Task A_body_without_Content_Length_and_an_empty_body_are_saved_whole()
    {
        var data = MutdlBody.Pattern(300_001);
        using (var a = Answer(new MutdlBody(data, chunk: 65_536), contentLength: null))
        {
            var progress = new DownloadProgress();
            var saved = await a.SaveAsync(Dir, "chunked.bin", false, progress, default);
            Assert.Equal(data, File.ReadAllBytes(saved.Path));
            Assert.Null(progress.TotalBytes);
            Assert.Equal(data.Length, saved.Length);
        }
        using (var a = Answer(new MemoryStream(), contentLength: 0))
        {
            var saved = await a.SaveAsync(Dir, "empty.bin", false, new DownloadProgress(), default);
            Assert.Equal(0, saved.Length);
            Assert.Empty(File.ReadAllBytes(saved.Path));
        }
        Assert.Equal(new[] { "chunked.bin", "empty.bin" }, Names());
    }

    [Fact]
    public async Task Without_Force_an_existing_file_is_kept_and_the_new_one_gets_a_free_name()
    {
        var old = Path.Combine(Dir, "q3 report.pdf");
        File.WriteAllText(old, "old");
        var data = MutdlBody.Pattern(5000);
        using var a = Answer(new MemoryStream(data), data.Length);
        var progress = new DownloadProgress();
        var saved = await a.SaveAsync(Dir, "q3 report.pdf", false, progress, default);
        Assert.Equal(Path.Combine(Dir, "q3 report (1).pdf"), saved.Path);
        Assert.Equal("old", File.ReadAllText(old));
        Assert.Equal(data, File.ReadAllBytes(saved.Path));
        Assert.Equal(new[] { "q3 report (1).pdf", "q3 report.pdf" }, Names());
    }

    [Fact]
    public async Task With_Force_an_existing_file_is_replaced()
    {
        var old = Path.Combine(Dir, "q3 report.pdf");
        File.WriteAllText(old, "old content that is longer than the new one, to be sure it is gone");
        var data = MutdlBody.Pattern(10);
        using var a = Answer(new MemoryStream(data), data.Length);
        var saved = await a.SaveAsync(Dir, "q3 report.pdf", true, new DownloadProgress(), default);
        Assert.Equal(old, saved.Path);
        Assert.Equal(data, File.ReadAllBytes(old));
        Assert.Equal(new[] { "q3 report.pdf" }, Names());
    }

    [Fact]
    public async Task A_name_that_leaves_the_folder_is_refused_before_the_body_is_read()
    {
        var body = new MutdlBody(MutdlBody.Pattern(100));
        using var a = Answer(body, 100);
        // The folder is a sub-folder of this test's own, so that even a broken check writes nowhere else.
        var inner = Directory.CreateDirectory(Path.Combine(Dir, "inner")).FullName;
        var ex = await Assert.ThrowsAsync<CxpaDownloadException>(() => a.SaveAsync(inner, "../escape.pdf", false, new DownloadProgress(), default));
        Assert.Contains("does not stay inside", ex.Message);
        Assert.Equal(0, body.Reads);
        Assert.Equal(new[] { "inner" }, Names());
        Assert.Empty(Directory.GetFileSystemEntries(inner));
    }

    [Fact]
    public async Task A_long_name_is_cut_to_255_bytes_keeping_the_extension_and_a_relative_folder_is_resolved()
    {
        var data = MutdlBody.Pattern(100);
        using var a = Answer(new MemoryStream(data), data.Length);
        var name = new string('x', 300) + ".pdf";
        var relative = Path.GetRelativePath(Environment.CurrentDirectory, Dir);
        var saved = await a.SaveAsync(relative, name, false, new DownloadProgress(), default);
        Assert.Equal(Path.Combine(Dir, new string('x', 251) + ".pdf"), saved.Path);
        Assert.True(Path.IsPathFullyQualified(saved.Path));
        Assert.Equal(data, File.ReadAllBytes(saved.Path));
    }

    [Fact]
    public async Task A_body_shorter_than_Content_Length_saves_nothing_and_says_so()
    {
        var existing = Path.Combine(Dir, "q3 report.pdf");
        File.WriteAllText(existing, "keep me");
        var data = MutdlBody.Pattern(1000);
        using var a = Answer(new MemoryStream(data), contentLength: 5000, runId: 31);
        var ex = await Assert.ThrowsAsync<CxpaDownloadException>(() => a.SaveAsync(Dir, "q3 report.pdf", true, new DownloadProgress(), default));
        Assert.Equal("The download of run 31 broke off after 1000 of 5000 bytes; nothing was saved, and the platform does not keep the file.", ex.Message);
        Assert.Equal(31, ex.RunId);
        Assert.Null(ex.TempFilePath);
        Assert.Equal(new[] { "q3 report.pdf" }, Names());
        Assert.Equal("keep me", File.ReadAllText(existing));
        AssertNothingRegistered();
    }

    [Fact]
    public async Task A_body_longer_than_Content_Length_saves_nothing()
    {
        var data = MutdlBody.Pattern(2000);
        using var a = Answer(new MemoryStream(data), contentLength: 1500, runId: 32);
        var ex = await Assert.ThrowsAsync<CxpaDownloadException>(() => a.SaveAsync(Dir, "x.bin", false, new DownloadProgress(), default));
        Assert.Contains("after 2000 of 1500 bytes", ex.Message);
        Assert.Empty(Names());
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_body_that_breaks_saves_nothing_and_names_the_cause(bool viaHttp)
    {
        var data = MutdlBody.Pattern(100_000);
        Func<Exception> fail = viaHttp ? () => new HttpRequestException("The response ended prematurely.") : () => new IOException("The connection was reset.");
        using var a = Answer(new MutdlBody(data, chunk: 30_000, stopAfter: 60_000, fail: fail), contentLength: null, runId: 33);
        var progress = new DownloadProgress();
        var ex = await Assert.ThrowsAsync<CxpaDownloadException>(() => a.SaveAsync(Dir, "x.bin", false, progress, default));
        var cause = viaHttp ? "The response ended prematurely." : "The connection was reset.";
        Assert.Equal($"The download of run 33 broke off after 60000 bytes; nothing was saved, and the platform does not keep the file ({cause}).", ex.Message);
        Assert.IsType(viaHttp ? typeof(HttpRequestException) : typeof(IOException), ex.InnerException);
        Assert.Equal(33, ex.RunId);
        Assert.Equal(60_000, progress.BytesWritten);
        Assert.Empty(Names());
        AssertNothingRegistered();
    }

    [Fact]
    public async Task A_stalled_body_is_a_timeout_naming_the_run_the_wait_and_the_bytes_so_far_and_saves_nothing()
    {
        var data = MutdlBody.Pattern(20_000);
        var body = new MutdlBody(data, chunk: 5_000, stopAfter: 15_000);
        using var a = Answer(body, data.Length, runId: 34, readTimeout: TimeSpan.FromMilliseconds(300));
        var ex = await Assert.ThrowsAsync<CxpaTimeoutException>(() => a.SaveAsync(Dir, "x.bin", false, new DownloadProgress(), default));
        Assert.Equal("The download of run 34 stalled: no data for 0.3 s after 15000 bytes.", ex.Message);
        Assert.Equal(34, ex.RunId);
        Assert.IsAssignableFrom<OperationCanceledException>(ex.InnerException);
        Assert.True(body.ReadCancelled);
        Assert.Empty(Names());
    }

    [Fact]
    public async Task A_cancelled_save_is_a_cancellation_not_a_timeout_and_saves_nothing()
    {
        var data = MutdlBody.Pattern(20_000);
        using var a = Answer(new MutdlBody(data, chunk: 5_000, stopAfter: 10_000), data.Length);
        using var cts = new CancellationTokenSource();
        var progress = new DownloadProgress();
        var save = a.SaveAsync(Dir, "x.bin", false, progress, cts.Token);
        // The body hangs after 10 000 bytes: the save is then waiting on its read.
        while (progress.BytesWritten < 10_000) await Task.Yield();
        cts.Cancel();
        var ex = await Assert.ThrowsAnyAsync<OperationCanceledException>(() => save);
        Assert.IsNotType<CxpaTimeoutException>(ex);
        Assert.Empty(Names());
        AssertNothingRegistered();
    }
}

/// <summary>DownloadAnswer.CopyToAsync into a caller's stream: what it says, and a failed write ends the read in flight.</summary>
public sealed class DownloadAnswerCopyTests : MutdlDownloadTestBase
{
    [Theory]
    [InlineData("attachment; filename=\"a.pdf\"", 5L, "a.pdf")]
    [InlineData(null, 12L, "run 12")]
    [InlineData(null, null, "output")]
    public async Task The_progress_names_the_suggested_file_or_the_run(string? disposition, long? runId, string expected)
    {
        var data = MutdlBody.Pattern(1000);
        using var a = Answer(new MemoryStream(data), data.Length, disposition, runId);
        var progress = new DownloadProgress();
        var dest = new MemoryStream();
        Assert.Equal(1000, await a.CopyToAsync(dest, progress, default));
        Assert.Equal(expected, progress.FileName);
        Assert.Equal(1000, progress.TotalBytes);
        Assert.Equal(1000, progress.BytesWritten);
        Assert.Equal(data, dest.ToArray());
    }

    [Fact]
    public async Task A_read_only_destination_is_refused_with_a_message_that_says_why()
    {
        using var a = Answer(new MemoryStream(MutdlBody.Pattern(10)), 10);
        var ex = await Assert.ThrowsAsync<ArgumentException>(() => a.CopyToAsync(new MemoryStream(new byte[1], writable: false), null, default));
        Assert.StartsWith("The destination stream cannot be written (CanWrite is false): it is read-only, closed or disposed.", ex.Message);
    }

    [Fact]
    public async Task A_copy_is_logged_with_its_size_and_run()
    {
        var data = MutdlBody.Pattern(4321);
        using var a = Answer(new MemoryStream(data), data.Length, runId: 8);
        await a.CopyToAsync(new MemoryStream(), null, default);
        Assert.Contains("Wrote 4321 bytes of run 8 to a stream.", Log.Lines);
    }

    [Fact]
    public async Task A_break_without_Content_Length_says_how_many_bytes_reached_the_stream()
    {
        var data = MutdlBody.Pattern(50_000);
        using var a = Answer(new MutdlBody(data, chunk: 10_000, stopAfter: 30_000, fail: () => new IOException("reset")), null, runId: 5);
        var dest = new MemoryStream();
        var ex = await Assert.ThrowsAsync<CxpaDownloadException>(() => a.CopyToAsync(dest, null, default));
        Assert.Equal("The download of run 5 broke off after 30000 bytes; the bytes before the break were written to the destination stream, and the platform does not keep the file (reset).", ex.Message);
        Assert.Equal(data.Take(30_000), dest.ToArray());
    }

    [Fact]
    public async Task A_timed_out_answer_checks_its_destination_first()
    {
        using var a = new DownloadAnswer(null, 9, true, new TestRequest(), new CxpaCallOptions());
        await Assert.ThrowsAsync<ArgumentNullException>(() => a.CopyToAsync(null!, null, default));
        var ex = await Assert.ThrowsAsync<InvalidOperationException>(() => a.CopyToAsync(new MemoryStream(), null, default));
        Assert.Contains("TimedOut", ex.Message);
    }

    [Fact]
    public async Task A_failed_write_ends_the_read_in_flight_and_is_what_the_caller_sees()
    {
        var data = MutdlBody.Pattern(100_000);
        // The second read hangs until cancelled; the first write fails while that read is in flight.
        var body = new MutdlBody(data, chunk: 40_000, stopAfter: 40_000);
        using var a = Answer(body, data.Length);
        var dest = new FailingStream();
        var ex = await Assert.ThrowsAsync<IOException>(() => a.CopyToAsync(dest, null, default));
        Assert.Equal("disk full", ex.Message);
        Assert.True(body.ReadCancelled);
        Assert.Equal(2, body.Reads);
    }

    private sealed class FailingStream : MemoryStream
    {
        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken ct) => Task.FromException(new IOException("disk full"));
    }
}
