using System.IO.Compression;
using System.Net;
using System.Text;
using Cxpa.Engine.Http;
using Cxpa.Engine.Tests.Support;
using Microsoft.Extensions.Time.Testing;
using Xunit;
using static Cxpa.Engine.Tests.Support.MutHttpDrive;

namespace Cxpa.Engine.Tests.Http;

/// <summary>
/// The transport's policies: header values checked before anything is sent, compressed JSON answers decoded within the
/// answer cap, the -Debug lines of the exchange with secrets masked, and transports pooled per proxy configuration.
/// </summary>
public sealed class TransportPolicyTests
{
    private const string RunRow = """{"id":7,"agent_id":42,"status":"running"}""";

    private sealed class Rig
    {
        public readonly FakeTimeProvider Time = new(Start);
        public readonly MockTransport Handler;
        public readonly MutHttpLog Log;
        public readonly CxpaCallOptions Options;

        public Rig(bool debug = false, string key = "cxpa_test_key", CxpaAuthKind kind = CxpaAuthKind.IngestApiKey)
        {
            Handler = new MockTransport(Time);
            Log = new MutHttpLog(verbose: false) { IsDebugEnabled = debug };
            Options = new CxpaCallOptions { Handler = Handler, TimeProvider = Time, Log = Log, RequestTimeout = TimeSpan.FromHours(1), ReadTimeout = TimeSpan.FromHours(1) };
            Client = new CxpaClient(new CxpaEndpoint(new Uri("https://cxpa.test/"), kind, Secret.FromString(key)), Options);
        }

        public CxpaClient Client { get; }
        public Task<T> Run<T>(Task<T> call) => Drive(Time, call);
    }

    private static byte[] Compress(string encoding, byte[] data)
    {
        var ms = new MemoryStream();
        using (Stream z = encoding switch
        {
            "gzip" => new GZipStream(ms, CompressionLevel.Fastest, leaveOpen: true),
            "deflate" => new ZLibStream(ms, CompressionLevel.Fastest, leaveOpen: true),
            _ => new BrotliStream(ms, CompressionLevel.Fastest, leaveOpen: true),
        })
            z.Write(data);
        return ms.ToArray();
    }

    private static Action<HttpResponseMessage> Encoded(string encoding, string json, HttpStatusCode status = HttpStatusCode.OK) => r =>
    {
        r.StatusCode = status;
        r.Content = new ByteArrayContent(Compress(encoding, Encoding.UTF8.GetBytes(json)));
        r.Content.Headers.TryAddWithoutValidation("Content-Type", "application/json");
        r.Content.Headers.ContentEncoding.Add(encoding);
    };

    // ---- compressed answers

    [Theory]
    [InlineData("gzip")]
    [InlineData("deflate")]
    [InlineData("br")]
    public async Task A_compressed_JSON_answer_is_decoded(string encoding)
    {
        var rig = new Rig();
        rig.Handler.Answer(HttpStatusCode.OK, shape: Encoded(encoding, RunRow));
        var run = await rig.Run(rig.Client.GetRunAsync(42, 7, default));
        Assert.Equal(7, run.RunId);
        Assert.Equal("gzip, deflate, br", string.Join(", ", rig.Handler.Requests[0].Message.Headers.AcceptEncoding));
    }

    [Fact]
    public async Task A_compressed_error_answer_keeps_the_platform_message()
    {
        var rig = new Rig();
        rig.Handler.Answer(HttpStatusCode.NotFound, shape: Encoded("gzip", """{"error":"no such run","code":"not_found"}""", HttpStatusCode.NotFound));
        var ex = await Assert.ThrowsAsync<CxpaApiException>(() => rig.Run(rig.Client.GetRunAsync(42, 7, default)));
        Assert.Equal(404, ex.Status);
        Assert.Equal("no such run", ex.ServerMessage);
    }

    [Fact]
    public async Task A_compression_bomb_is_refused_as_too_large_without_inflating_it_whole()
    {
        // 200 MB of zeros compress to a few hundred KB; the 16 MiB cap applies to the decoded bytes.
        var ms = new MemoryStream();
        using (var z = new GZipStream(ms, CompressionLevel.Fastest, leaveOpen: true))
        {
            var zeros = new byte[1 << 20];
            for (int i = 0; i < 200; i++) z.Write(zeros);
        }
        var source = new CountingStream(ms.ToArray());
        var rig = new Rig();
        rig.Handler.Answer(HttpStatusCode.OK, shape: r =>
        {
            r.Content = new StreamContent(source);
            r.Content.Headers.TryAddWithoutValidation("Content-Type", "application/json");
            r.Content.Headers.ContentEncoding.Add("gzip");
        });
        var ex = await Assert.ThrowsAsync<CxpaApiException>(() => rig.Run(rig.Client.GetRunAsync(42, 7, default)));
        Assert.Equal("response_too_large", ex.Code);
        Assert.Contains($"{CxpaCallOptions.DefaultMaximumResponseBytes}-byte limit", ex.Message);
        // Reading stopped at the cap: most of the compressed body was never read.
        Assert.True(source.Consumed < source.Size / 2, $"read {source.Consumed} of {source.Size} compressed bytes");
    }

    [Fact]
    public async Task A_download_answer_is_not_asked_compressed_and_the_transport_leaves_its_decoding_to_the_download()
    {
        var rig = new Rig();
        var gz = Compress("gzip", Encoding.UTF8.GetBytes("file bytes"));
        rig.Handler.Answer(HttpStatusCode.OK, shape: r =>
        {
            r.Content = new ByteArrayContent(gz);
            r.Content.Headers.TryAddWithoutValidation("Content-Type", "application/octet-stream");
            r.Content.Headers.ContentEncoding.Add("gzip");
            r.Headers.TryAddWithoutValidation("x-run-id", "9");
        });
        using var answer = await rig.Run(rig.Client.TriggerAndDownloadAsync(42, null, TimeSpan.FromSeconds(5), default));
        Assert.Empty(rig.Handler.Requests[0].Message.Headers.AcceptEncoding);
        // The transport leaves the body as sent (still gzip); the download decodes it once, as it is saved.
        Assert.Equal("gzip", answer.ContentEncoding);
        using var copy = new MemoryStream();
        await answer.CopyToAsync(copy, new Cxpa.Engine.Downloads.DownloadProgress(), default);
        Assert.Equal(Encoding.UTF8.GetBytes("file bytes"), copy.ToArray());
    }

    // ---- header values

    [Theory]
    [InlineData("tok\r\nX-Injected: 1")]
    [InlineData("tok\nX")]
    [InlineData("k\u00e9y")]
    [InlineData("k\u0000")]
    public async Task A_key_that_cannot_go_into_a_header_is_refused_before_anything_is_sent(string key)
    {
        var rig = new Rig(key: key);
        // A run start: before, a non-ASCII key failed inside the send and was reported as OutcomeUnknown.
        var ex = await Assert.ThrowsAsync<CxpaConfigurationException>(() => rig.Run(rig.Client.TriggerRunAsync(42, null, default)));
        Assert.Equal("InvalidHeaderValue", ex.ErrorId);
        Assert.False(ex.Message.Contains(key, StringComparison.Ordinal));
        Assert.Contains("nothing was sent", ex.Message);
        Assert.Empty(rig.Handler.Requests);
    }

    [Fact]
    public async Task A_credentials_token_with_a_line_break_is_refused_before_anything_is_sent()
    {
        var rig = new Rig(kind: CxpaAuthKind.AgentApiKey);
        rig.Client.Endpoint.CredentialsToken = Secret.FromString("tok\r\nX-Injected: 1");
        var ex = await Assert.ThrowsAsync<CxpaConfigurationException>(() => rig.Run(rig.Client.ResolveCredentialAsync("c1", 5, default)));
        Assert.Equal("InvalidHeaderValue", ex.ErrorId);
        Assert.Contains("credentials token", ex.Message);
        Assert.DoesNotContain("X-Injected", ex.Message);
        Assert.Empty(rig.Handler.Requests);
    }

    [Fact]
    public async Task The_transport_refuses_any_header_value_with_a_line_break_as_the_last_guard()
    {
        var rig = new Rig();
        var req = new TestRequest { Path = "api/x", Headers = new() { new("x-custom", "a\r\nAuthorization: Bearer stolen") } };
        var ex = await Assert.ThrowsAsync<CxpaConfigurationException>(() => Drive(rig.Time, CxpaTransport.For(rig.Handler).SendAsync(rig.Client.Endpoint, rig.Options, req, default)));
        Assert.Equal("InvalidHeaderValue", ex.ErrorId);
        Assert.Contains("x-custom", ex.Message);
        Assert.DoesNotContain("stolen", ex.Message);
        Assert.Empty(rig.Handler.Requests);
    }

    // ---- -Debug lines

    [Fact]
    public async Task Debug_shows_each_request_and_answer_with_the_secrets_masked()
    {
        var rig = new Rig(debug: true, kind: CxpaAuthKind.AgentApiKey, key: "agent_secret_key");
        rig.Client.Endpoint.CredentialsToken = Secret.FromString("cred_secret_token");
        rig.Handler.Answer(HttpStatusCode.ServiceUnavailable)
            .Answer(HttpStatusCode.OK, """{"type":"api_key","apiKey":"field_secret"}""", r => r.Headers.TryAddWithoutValidation("x-request-id", "req-123"));
        await rig.Run(rig.Client.ResolveCredentialAsync("c1", 5, default));
        var lines = rig.Log.Lines.Where(l => l.StartsWith("debug: ")).ToList();
        Assert.Equal(4, lines.Count);
        Assert.StartsWith("debug: HTTP request: GET https://cxpa.test/api/credentials/c1/resolve (attempt 1); headers: ", lines[0]);
        Assert.Contains("Authorization: ***", lines[0]);
        Assert.Contains("x-credentials-token: ***", lines[0]);
        Assert.StartsWith("debug: HTTP answer: 503 Service Unavailable to GET https://cxpa.test/api/credentials/c1/resolve (attempt 1) in ", lines[1]);
        Assert.Contains("(attempt 2)", lines[2]);
        Assert.Contains(", request id req-123;", lines[3]);
        Assert.Matches(@"in \d+ ms, content length \d+", lines[3]);
        Assert.All(rig.Log.Lines, l =>
        {
            Assert.DoesNotContain("agent_secret_key", l);
            Assert.DoesNotContain("cred_secret_token", l);
            Assert.DoesNotContain("field_secret", l);
        });
    }

    [Fact]
    public async Task Without_debug_no_debug_line_is_built()
    {
        var rig = new Rig(debug: false);
        rig.Handler.Answer(HttpStatusCode.OK, RunRow);
        await rig.Run(rig.Client.GetRunAsync(42, 7, default));
        Assert.DoesNotContain(rig.Log.Lines, l => l.StartsWith("debug: "));
    }

    // ---- pooled transports

    [Fact]
    public void Transports_are_pooled_per_distinct_proxy_configuration()
    {
        var a = new CxpaProxy(new Uri("http://proxy.test:8080"), "user", Secret.FromString("pw1"));
        var same = new CxpaProxy(new Uri("http://proxy.test:8080"), "user", Secret.FromString("pw1"));
        var other = new CxpaProxy(new Uri("http://proxy.test:8080"), "user", Secret.FromString("pw2"));
        Assert.Same(CxpaTransport.For(a), CxpaTransport.For(same));
        Assert.NotSame(CxpaTransport.For(a), CxpaTransport.For(other));
        Assert.NotSame(CxpaTransport.For(a), CxpaTransport.Default);
        Assert.Same(CxpaTransport.Default, CxpaTransport.For((CxpaProxy?)null));
        Assert.DoesNotContain("pw1", a.PoolKey);
        var ep = new CxpaEndpoint(new Uri("https://cxpa.test/"), CxpaAuthKind.IngestApiKey, Secret.FromString("k")) { Proxy = same };
        Assert.Same(CxpaTransport.For(a), new CxpaClient(ep).Transport);
        Assert.Same(CxpaTransport.Default, new CxpaClient(new CxpaEndpoint(new Uri("https://cxpa.test/"), CxpaAuthKind.IngestApiKey, Secret.FromString("k"))).Transport);
    }

    [Theory]
    [InlineData("ftp://proxy.test/")]
    [InlineData("http://user:pw@proxy.test/")]
    public void A_proxy_that_is_not_an_http_URL_without_user_info_is_refused(string url)
    {
        var ex = Assert.Throws<CxpaConfigurationException>(() => new CxpaProxy(new Uri(url)));
        Assert.Equal("InvalidProxy", ex.ErrorId);
    }

    /// <summary>A body over fixed bytes that counts how many were read.</summary>
    private sealed class CountingStream(byte[] data) : ReadOnlyBody
    {
        private int _at;
        public long Consumed => _at;
        public long Size => data.Length;

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken ct)
        {
            var n = Math.Min(buffer.Length, data.Length - _at);
            data.AsMemory(_at, n).CopyTo(buffer);
            _at += n;
            return new ValueTask<int>(n);
        }
    }
}
