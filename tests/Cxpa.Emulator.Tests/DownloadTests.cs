using Xunit;

namespace Cxpa.Emulator.Tests;

public class DownloadTests
{
    private static EmulatorConfig WithFileAgents()
    {
        var cfg = T.FastDemo();
        cfg.Agents.Add(new EmulatorAgentConfig
        {
            Id = 60, Name = "Chunked export", AgentSlug = "chunked", OutputKind = "file_download", QueuedMs = 5, DurationMs = 20,
            IngestApiKey = "k60", File = new EmulatorFileConfig
            {
                Name = "Bericht Q3.xlsx", NameStar = "Bericht Q3 – Übersicht.xlsx",
                ContentType = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", SizeBytes = 300_000, Chunked = true,
            },
        });
        cfg.Agents.Add(new EmulatorAgentConfig
        {
            Id = 61, Name = "Slow file", OutputKind = "file_download", DurationMs = 600_000, IngestApiKey = "k61",
            File = new EmulatorFileConfig { Name = "slow.bin", SizeBytes = 10 },
        });
        cfg.Agents.Add(new EmulatorAgentConfig
        {
            Id = 62, Name = "Broken file", OutputKind = "file_download", QueuedMs = 1, DurationMs = 5, Outcome = "failed",
            ErrorMessage = "Renderer crashed", IngestApiKey = "k62", File = new EmulatorFileConfig { Name = "x.pdf", SizeBytes = 10 },
        });
        cfg.Agents.Add(new EmulatorAgentConfig
        {
            Id = 63, Name = "Empty file", OutputKind = "file_download", QueuedMs = 1, DurationMs = 5, IngestApiKey = "k63",
            File = new EmulatorFileConfig { Name = "empty.txt", ContentType = "text/plain", SizeBytes = 0 },
        });
        return cfg;
    }

    [Fact]
    public async Task Download_streams_the_pattern_with_the_pinned_headers_and_records_metadata()
    {
        await using var s = await T.Start();
        using var c = T.Client(s, T.SharedKey);
        using var r = await c.SendAsync(new HttpRequestMessage(HttpMethod.Post, "/api/agents/43/runs/trigger-and-download") { Content = T.Body("""{"input": {"quarter": 3}}""") },
            HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(200, (int)r.StatusCode);
        Assert.Equal("application/pdf", r.Content.Headers.ContentType!.MediaType);
        Assert.Equal("attachment; filename=\"q3-report.pdf\"", string.Join(",", r.Content.Headers.GetValues("Content-Disposition")));
        Assert.Equal("q3-report.pdf", r.Content.Headers.ContentDisposition!.FileName!.Trim('"'));
        Assert.Equal(262_144, r.Content.Headers.ContentLength);
        var runId = long.Parse(r.Headers.GetValues("x-run-id").Single());
        var bytes = await r.Content.ReadAsByteArrayAsync();
        Assert.Equal(262_144, bytes.Length);
        Assert.Equal(-1, FilePattern.FirstMismatch(bytes));
        Assert.Equal((byte)7, bytes[0]);
        Assert.Equal((byte)38, bytes[1]);

        Assert.True(s.State.TryGetRun(runId, out var run));
        var row = run.ToRow();
        Assert.Equal("completed", (string?)row["status"]);
        Assert.Equal("q3-report.pdf", (string?)row["output_data"]!["filename"]);
        Assert.Equal("application/pdf", (string?)row["output_data"]!["contentType"]);
        Assert.Equal(262_144, (long)row["output_data"]!["bytes"]!);
        Assert.Equal(3, (long)row["input_data"]!["quarter"]!);
    }

    [Fact]
    public async Task Chunked_download_has_no_content_length_and_a_filename_star()
    {
        await using var s = await T.Start(WithFileAgents());
        using var c = T.Client(s, "k60");
        using var r = await c.SendAsync(new HttpRequestMessage(HttpMethod.Post, "/api/agents/60/runs/trigger-and-download") { Content = T.Body("{}") },
            HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(200, (int)r.StatusCode);
        Assert.Null(r.Content.Headers.ContentLength);
        Assert.True(r.Headers.TransferEncodingChunked);
        var cd = string.Join(",", r.Content.Headers.GetValues("Content-Disposition"));
        Assert.Equal("attachment; filename=\"Bericht Q3.xlsx\"; filename*=UTF-8''Bericht%20Q3%20%E2%80%93%20%C3%9Cbersicht.xlsx", cd);
        Assert.Equal("Bericht Q3 – Übersicht.xlsx", r.Content.Headers.ContentDisposition!.FileNameStar);
        var bytes = await r.Content.ReadAsByteArrayAsync();
        Assert.Equal(300_000, bytes.Length);
        Assert.Equal(-1, FilePattern.FirstMismatch(bytes));
    }

    [Fact]
    public async Task Download_on_a_json_agent_is_409_and_creates_no_run()
    {
        await using var s = await T.Start();
        using var c = T.Client(s, T.SharedKey);
        await (await c.Post("/api/agents/42/runs/trigger-and-download", "{}")).AssertError(409, "conflict");
        Assert.Equal(0, s.State.RunCount);
    }

    [Fact]
    public async Task Download_answers_202_when_the_window_elapses()
    {
        await using var s = await T.Start(WithFileAgents());
        using var c = T.Client(s, "k61");
        var body = await (await c.Post("/api/agents/61/runs/trigger-and-download", """{"timeoutMs": 100}""")).AssertOk(202);
        Assert.True((bool)body["timedOut"]!);
        Assert.True(s.State.TryGetRun((long)body["runId"]!, out var run));
        Assert.False(run.IsTerminal);
    }

    [Fact]
    public async Task Download_of_a_failed_run_is_a_502_error_naming_the_run()
    {
        await using var s = await T.Start(WithFileAgents());
        using var c = T.Client(s, "k62");
        var err = await (await c.Post("/api/agents/62/runs/trigger-and-download", "{}")).AssertError(502, "internal");
        Assert.Contains("Renderer crashed", (string?)err["error"]);
        Assert.Equal("failed", (string?)err["details"]!["status"]);
    }

    [Fact]
    public async Task Empty_file_downloads_as_zero_bytes()
    {
        await using var s = await T.Start(WithFileAgents());
        using var c = T.Client(s, "k63");
        using var r = await c.Post("/api/agents/63/runs/trigger-and-download", "{}");
        Assert.Equal(200, (int)r.StatusCode);
        Assert.Equal(0, r.Content.Headers.ContentLength);
        Assert.Empty(await r.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task Cut_download_sends_the_full_length_then_fewer_bytes_and_fails_the_run()
    {
        await using var s = await T.Start();
        var rule = s.Faults.CutDownload("POST /api/agents/*/runs/trigger-and-download", 100_000);
        using var c = T.FreshClient(s, T.SharedKey);
        using var r = await c.SendAsync(new HttpRequestMessage(HttpMethod.Post, "/api/agents/43/runs/trigger-and-download") { Content = T.Body("{}") },
            HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(200, (int)r.StatusCode);
        Assert.Equal(262_144, r.Content.Headers.ContentLength);
        var runId = long.Parse(r.Headers.GetValues("x-run-id").Single());
        var (received, error) = await ReadAll(r);
        Assert.NotNull(error);
        Assert.True(received.Length <= 100_000, $"received {received.Length}");
        Assert.True(received.Length < 262_144);
        Assert.Equal(-1, FilePattern.FirstMismatch(received));
        Assert.Equal(1, rule.Hits);

        await T.Eventually(() => s.State.TryGetRun(runId, out var run) && run.Status == "failed");
        var entry = s.Requests.Find("POST", "/api/agents/43/runs/trigger-and-download").Single();
        Assert.Equal("CutDownload 100000", entry.Fault);
        Assert.True(entry.Aborted);

        // The rule is spent: the next download is whole.
        using var again = await c.PostAsync("/api/agents/43/runs/trigger-and-download", T.Body("{}"));
        Assert.Equal(262_144, (await again.Content.ReadAsByteArrayAsync()).Length);
    }

    [Fact]
    public async Task Cut_chunked_download_breaks_the_chunked_stream()
    {
        await using var s = await T.Start(WithFileAgents());
        s.Faults.Add("POST /api/agents/60/runs/trigger-and-download:CutDownload:1:70000");
        using var c = T.FreshClient(s, "k60");
        using var r = await c.SendAsync(new HttpRequestMessage(HttpMethod.Post, "/api/agents/60/runs/trigger-and-download") { Content = T.Body("{}") },
            HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(200, (int)r.StatusCode);
        Assert.Null(r.Content.Headers.ContentLength);
        var (received, error) = await ReadAll(r);
        Assert.NotNull(error);
        Assert.True(received.Length <= 70_000);
        Assert.Equal(-1, FilePattern.FirstMismatch(received));
    }

    [Fact]
    public async Task Large_download_is_streamed_not_buffered()
    {
        var cfg = T.FastDemo();
        cfg.FindAgent(43)!.File!.SizeBytes = 64L * 1024 * 1024 + 17;
        await using var s = await T.Start(cfg);
        using var c = T.Client(s, T.SharedKey);
        using var r = await c.SendAsync(new HttpRequestMessage(HttpMethod.Post, "/api/agents/43/runs/trigger-and-download") { Content = T.Body("{}") },
            HttpCompletionOption.ResponseHeadersRead);
        await using var stream = await r.Content.ReadAsStreamAsync();
        var buffer = new byte[81_920];
        long total = 0; int n;
        while ((n = await stream.ReadAsync(buffer)) > 0)
        {
            Assert.Equal(-1, FilePattern.FirstMismatch(buffer.AsSpan(0, n), total));
            total += n;
        }
        Assert.Equal(64L * 1024 * 1024 + 17, total);
    }

    [Fact]
    public async Task Client_abort_mid_download_does_not_break_the_server()
    {
        var cfg = T.FastDemo();
        cfg.FindAgent(43)!.File!.SizeBytes = 256L * 1024 * 1024;
        await using var s = await T.Start(cfg);
        using (var socket = new System.Net.Sockets.Socket(System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp))
        {
            await socket.ConnectAsync("127.0.0.1", s.BaseUrl.Port);
            var request = "POST /api/agents/43/runs/trigger-and-download HTTP/1.1\r\nHost: 127.0.0.1\r\n" +
                          $"Authorization: Bearer {T.SharedKey}\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{{}}";
            await socket.SendAsync(System.Text.Encoding.ASCII.GetBytes(request));
            var buffer = new byte[65_536];
            int total = 0;
            while (total < 200_000) total += await socket.ReceiveAsync(buffer);
            socket.LingerState = new System.Net.Sockets.LingerOption(true, 0);   // close with a reset
        }
        await T.Eventually(() => s.Requests.Last is { Aborted: true }, 10_000);
        Assert.Equal(200, s.Requests.Last!.Status);
        using var c2 = T.Client(s, T.SharedKey);
        await (await c2.Post("/api/agents/42/runs/trigger", "{}")).AssertOk(201);
    }

    private static async Task<(byte[] Received, Exception? Error)> ReadAll(HttpResponseMessage r)
    {
        var ms = new MemoryStream();
        try
        {
            await using var stream = await r.Content.ReadAsStreamAsync();
            var buffer = new byte[16_384];
            int n;
            while ((n = await stream.ReadAsync(buffer)) > 0) ms.Write(buffer, 0, n);
            return (ms.ToArray(), null);
        }
        catch (Exception e) when (e is IOException or HttpRequestException)
        {
            return (ms.ToArray(), e);
        }
    }
}
