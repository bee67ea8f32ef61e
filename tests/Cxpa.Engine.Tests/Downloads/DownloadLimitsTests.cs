using System.IO.Compression;
using System.Net;
using System.Net.Http.Headers;
using Cxpa.Engine.Downloads;
using Cxpa.Engine.Http;
using Cxpa.Engine.Tests.Support;
using Microsoft.Extensions.Time.Testing;
using Xunit;

namespace Cxpa.Engine.Tests.Downloads;

/// <summary>
/// What a download saves when its body has a Content-Encoding (decoded, the length checked on the bytes received, a bomb
/// refused), the low-speed floor on a fake clock, and a Content-Length no file can have.
/// </summary>
[Collection(MutdlTempFilesCollection.Name)]
public sealed class DownloadLimitsTests : MutdlDownloadTestBase
{
    private static readonly DateTimeOffset Start = new(2026, 12, 1, 9, 0, 0, TimeSpan.Zero);

    private static byte[] Gzip(byte[] data)
    {
        using var ms = new MemoryStream();
        using (var gz = new GZipStream(ms, CompressionLevel.Optimal, leaveOpen: true)) gz.Write(data);
        return ms.ToArray();
    }

    private static byte[] Zlib(byte[] data)
    {
        using var ms = new MemoryStream();
        using (var z = new ZLibStream(ms, CompressionLevel.Optimal, leaveOpen: true)) z.Write(data);
        return ms.ToArray();
    }

    private static byte[] Brotli(byte[] data)
    {
        using var ms = new MemoryStream();
        using (var b = new BrotliStream(ms, CompressionLevel.Optimal, leaveOpen: true)) b.Write(data);
        return ms.ToArray();
    }

    private DownloadAnswer Encoded(Stream body, long? contentLength, string encoding, TimeProvider? time = null)
    {
        var content = new StreamContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue("text/csv");
        content.Headers.ContentLength = contentLength;
        if (encoding.Length > 0) content.Headers.TryAddWithoutValidation("Content-Encoding", encoding);
        content.Headers.TryAddWithoutValidation("Content-Disposition", "attachment; filename=\"data.csv\"");
        var options = new CxpaCallOptions { ReadTimeout = TimeSpan.FromHours(1), Log = Log, TimeProvider = time ?? TimeProvider.System };
        return new DownloadAnswer(new HttpResponseMessage(HttpStatusCode.OK) { Content = content }, 77, false,
            new TestRequest { Method = HttpMethod.Post, Path = "api/agents/43/runs/trigger-and-download" }, options);
    }

    public static TheoryData<string> Codecs() => new() { "gzip", "x-gzip", "deflate", "br", "GZIP", "identity, gzip" };

    [Theory]
    [MemberData(nameof(Codecs))]
    public async Task A_compressed_body_is_saved_decoded_and_its_length_checked_on_the_bytes_received(string encoding)
    {
        var data = MutdlBody.Pattern(300_000);
        var plain = encoding.Trim().ToLowerInvariant();
        var sent = plain switch { "deflate" => Zlib(data), "br" => Brotli(data), _ => Gzip(data) };
        using var a = Encoded(new MutdlBody(sent, chunk: 4096), sent.Length, encoding);
        Assert.True(a.Decoded);
        var progress = new DownloadProgress();

        var saved = await a.SaveAsync(Dir, "data.csv", false, progress, default);

        Assert.Equal(data, File.ReadAllBytes(saved.Path));
        Assert.Equal(data.Length, saved.Length);
        Assert.Equal(data.Length, progress.BytesWritten);
        Assert.Equal(sent.Length, progress.BytesReceived);
        Assert.Equal(new[] { "data.csv" }, Names());
    }

    [Fact]
    public async Task Two_encodings_are_undone_last_applied_first()
    {
        var data = MutdlBody.Pattern(50_000);
        var sent = Gzip(Zlib(data));
        using var a = Encoded(new MemoryStream(sent), sent.Length, "deflate, gzip");
        var dest = new MemoryStream();
        Assert.Equal(data.Length, await a.CopyToAsync(dest, null, default));
        Assert.Equal(data, dest.ToArray());
    }

    [Fact]
    public async Task A_compressed_body_cut_short_of_its_Content_Length_saves_nothing()
    {
        var sent = Gzip(MutdlBody.Pattern(200_000));
        using var a = Encoded(new MutdlBody(sent), sent.Length + 100, "gzip");
        var ex = await Assert.ThrowsAsync<CxpaDownloadException>(() => a.SaveAsync(Dir, "data.csv", false, new DownloadProgress(), default));
        Assert.Contains($"after {sent.Length} of {sent.Length + 100} bytes", ex.Message);
        Assert.Empty(Names());
    }

    [Fact]
    public async Task A_body_that_is_not_what_its_encoding_says_is_InvalidResponse_and_saves_nothing()
    {
        var sent = MutdlBody.Pattern(10_000);
        using var a = Encoded(new MemoryStream(sent), sent.Length, "gzip");
        var ex = await Assert.ThrowsAsync<CxpaApiException>(() => a.SaveAsync(Dir, "data.csv", false, new DownloadProgress(), default));
        Assert.Equal(200, ex.Status);
        Assert.Equal("invalid_response", ex.Code);
        Assert.Equal(77, ex.RunId);
        Assert.Contains("not valid gzip data", ex.Message);
        Assert.Empty(Names());
        AssertNothingRegistered();
    }

    [Fact]
    public async Task A_decompression_bomb_is_refused_before_it_fills_the_disk()
    {
        // 64 MiB of zeros gzip to about 64 KiB: over 100 times past the first 16 MiB.
        var sent = Gzip(new byte[64 * 1024 * 1024]);
        using var a = Encoded(new MemoryStream(sent), sent.Length, "gzip");
        var ex = await Assert.ThrowsAsync<CxpaApiException>(() => a.SaveAsync(Dir, "data.csv", false, new DownloadProgress(), default));
        Assert.Equal("response_too_large", ex.Code);
        Assert.Equal(200, ex.Status);
        Assert.Contains("decompression bomb", ex.Message);
        Assert.Empty(Names());
        AssertNothingRegistered();
    }

    [Fact]
    public async Task A_file_that_compresses_well_within_the_ratio_is_saved()
    {
        var data = new byte[8 * 1024 * 1024];
        var sent = Gzip(data);
        using var a = Encoded(new MemoryStream(sent), sent.Length, "gzip");
        var saved = await a.SaveAsync(Dir, "zeros.bin", false, new DownloadProgress(), default);
        Assert.Equal(data.Length, new FileInfo(saved.Path).Length);
    }

    [Theory]
    [InlineData("compress")]
    [InlineData("zstd")]
    [InlineData("gzip, x-unknown")]
    public async Task An_encoding_that_cannot_be_undone_is_saved_as_received(string encoding)
    {
        var sent = MutdlBody.Pattern(5000);
        using var a = Encoded(new MemoryStream(sent), sent.Length, encoding);
        Assert.False(a.Decoded);
        Assert.NotNull(a.ContentEncoding);
        var saved = await a.SaveAsync(Dir, "data.csv", false, new DownloadProgress(), default);
        Assert.Equal(sent, File.ReadAllBytes(saved.Path));
    }

    [Fact]
    public async Task Data_after_the_end_of_the_compressed_file_is_read_and_counted_but_not_without_end()
    {
        var data = MutdlBody.Pattern(1000);
        var gz = Gzip(data);
        var withTail = gz.Concat(new byte[DownloadAnswer.MaxTrailingBytes + 10]).ToArray();
        using var a = Encoded(new MemoryStream(withTail), null, "deflate");
        // A gzip member read as zlib is not valid: the encoding is checked, not guessed.
        await Assert.ThrowsAsync<CxpaApiException>(() => a.CopyToAsync(new MemoryStream(), null, default));

        var zl = Zlib(data);
        using var b = Encoded(new MemoryStream(zl.Concat(new byte[2 * DownloadAnswer.MaxTrailingBytes]).ToArray()), null, "deflate");
        var ex = await Assert.ThrowsAsync<CxpaApiException>(() => b.CopyToAsync(new MemoryStream(), null, default));
        Assert.Contains("follow the end of its deflate data", ex.Message);
    }

    /// <summary>A body that sends one byte per read and moves the fake clock by <paramref name="gap"/> before each.</summary>
    private sealed class Trickle(FakeTimeProvider time, TimeSpan gap, int total) : ReadOnlyBody
    {
        public int Sent { get; private set; }
        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken ct = default)
        {
            if (Sent >= total) return new ValueTask<int>(0);
            time.Advance(gap);
            buffer.Span[0] = (byte)'x';
            Sent++;
            return new ValueTask<int>(1);
        }
    }

    [Fact]
    public async Task A_body_that_trickles_one_byte_a_second_is_a_Timeout_after_the_window_and_saves_nothing()
    {
        var time = new FakeTimeProvider(Start);
        var body = new Trickle(time, TimeSpan.FromSeconds(1), 1_000_000);
        using var a = Encoded(body, 1_000_000, "", time);
        Assert.Equal(1024, a.LowSpeedLimit);
        Assert.Equal(TimeSpan.FromSeconds(60), a.LowSpeedTime);

        var ex = await Assert.ThrowsAsync<CxpaTimeoutException>(() => a.SaveAsync(Dir, "slow.bin", false, new DownloadProgress(), default));

        Assert.Equal(60, body.Sent);
        Assert.Equal(77, ex.RunId);
        Assert.Contains("too slow: 60 bytes in the last 60 s, under the floor of 1024 bytes/s over 60 s", ex.Message);
        Assert.Empty(Names());
        AssertNothingRegistered();
    }

    [Fact]
    public async Task The_floor_and_window_are_settable_and_a_body_at_the_floor_is_saved()
    {
        var time = new FakeTimeProvider(Start);
        // 1 byte every 100 ms is 10 bytes/s: over a floor of 10 bytes/s in 1 s windows it is saved whole.
        var body = new Trickle(time, TimeSpan.FromMilliseconds(100), 100);
        using var a = Encoded(body, 100, "", time);
        a.LowSpeedLimit = 10;
        a.LowSpeedTime = TimeSpan.FromSeconds(1);
        var dest = new MemoryStream();
        Assert.Equal(100, await a.CopyToAsync(dest, null, default));

        var slower = new Trickle(time, TimeSpan.FromMilliseconds(101), 100);
        using var b = Encoded(slower, 100, "", time);
        b.LowSpeedLimit = 10;
        b.LowSpeedTime = TimeSpan.FromSeconds(1);
        await Assert.ThrowsAsync<CxpaTimeoutException>(() => b.CopyToAsync(new MemoryStream(), null, default));
        Assert.Equal(10, slower.Sent);
    }

    [Fact]
    public async Task A_floor_of_zero_turns_the_check_off()
    {
        var time = new FakeTimeProvider(Start);
        var body = new Trickle(time, TimeSpan.FromSeconds(30), 5);
        using var a = Encoded(body, 5, "", time);
        a.LowSpeedLimit = 0;
        Assert.Equal(5, await a.CopyToAsync(new MemoryStream(), null, default));
        Assert.Throws<ArgumentOutOfRangeException>(() => a.LowSpeedLimit = -1);
        Assert.Throws<ArgumentOutOfRangeException>(() => a.LowSpeedTime = TimeSpan.Zero);
    }

    [Fact]
    public async Task A_Content_Length_of_2_to_the_63_minus_1_is_a_Cxpa_error_and_saves_nothing()
    {
        var data = MutdlBody.Pattern(1000);
        using var a = Encoded(new MemoryStream(data), long.MaxValue, "");
        var ex = await Assert.ThrowsAnyAsync<CxpaException>(() => a.SaveAsync(Dir, "huge.bin", false, new DownloadProgress(), default));
        Assert.Equal(77, ex.RunId);
        Assert.Empty(Names());
        AssertNothingRegistered();
    }
}
