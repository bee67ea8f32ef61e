using Cxpa.Emulator;
using Cxpa.Engine.Http;
using Cxpa.Engine.Time;
using Cxpa.Engine.Runs;
using Xunit;

namespace Cxpa.Engine.Tests;

/// <summary>The engine client against the emulator over real loopback HTTP.</summary>
public sealed class ClientTests : IAsyncLifetime
{
    private EmulatorServer _server = null!;
    public async Task InitializeAsync() => _server = await EmulatorServer.StartAsync();
    public async Task DisposeAsync() => await _server.DisposeAsync();

    private CxpaClient Client(int retries = 3, string? key = null) => new(
        new CxpaEndpoint(_server.BaseUrl, CxpaAuthKind.IngestApiKey, Secret.FromString(key ?? EmulatorConfig.DemoSharedIngestKey)),
        new CxpaCallOptions { MaximumRetryCount = retries, RetryInterval = TimeSpan.FromMilliseconds(1) });

    [Fact]
    public async Task Trigger_then_wait_reaches_completed()
    {
        var c = Client();
        var run = await c.TriggerRunAsync(42, new Dictionary<string, object?> { ["x"] = 1 }, default);
        var waiter = new RunWaiter(c, new[] { run }) { MinimumInterval = TimeSpan.FromMilliseconds(50) };
        var done = await waiter.NextAsync(default);
        Assert.Equal("completed", Assert.Single(done).Status);
        Assert.True(waiter.IsDone);
    }

    [Fact]
    public async Task Trigger_and_wait_answers_202_when_the_window_elapses()
    {
        var r = await Client().TriggerAndWaitAsync(47, null, TimeSpan.FromMilliseconds(300), default);
        Assert.True(r.TimedOut);
        Assert.True(r.RunId > 0);
        Assert.Null(r.Run);
    }

    [Fact]
    public async Task Api_errors_carry_status_code_message_and_run_id_but_not_the_key()
    {
        var ex = await Assert.ThrowsAsync<CxpaApiException>(() => Client(key: "secret-key-xyz").GetRunAsync(42, 5, default));
        Assert.Equal(401, ex.Status);
        Assert.Equal("unauthorized", ex.Code);
        Assert.Equal(5, ex.RunId);
        Assert.DoesNotContain("secret-key-xyz", ex.ToString());

        var nf = await Assert.ThrowsAsync<CxpaApiException>(() => Client().GetRunAsync(42, 123456, default));
        Assert.Equal(404, nf.Status);
        Assert.Contains("123456", nf.Message);
    }

    [Fact]
    public async Task A_trigger_reset_after_handling_is_not_resent()
    {
        _server.Faults.ResetAfterHandling("POST /api/agents/42/runs/trigger");
        var before = _server.State.RunsForAgent(42).Count;
        await Assert.ThrowsAsync<CxpaOutcomeUnknownException>(() => Client().TriggerRunAsync(42, null, default));
        Assert.Equal(before + 1, _server.State.RunsForAgent(42).Count);
        Assert.Equal(1, _server.Requests.Count("POST", "/api/agents/42/runs/trigger"));
    }

    [Fact]
    public async Task Refused_connection_is_retried_even_for_a_trigger()
    {
        // A port bound but not listening (so nothing else can take it meanwhile): every attempt is refused, so all
        // 1 + 2 attempts are made, then a clear error.
        using var closed = new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.InterNetwork, System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp);
        closed.Bind(new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, 0));
        var port = ((System.Net.IPEndPoint)closed.LocalEndPoint!).Port;
        var log = new ListLog();
        var c = new CxpaClient(new CxpaEndpoint(new Uri($"http://127.0.0.1:{port}/"), CxpaAuthKind.IngestApiKey, Secret.FromString("k")),
            new CxpaCallOptions { MaximumRetryCount = 2, RetryInterval = TimeSpan.FromMilliseconds(1), Log = log });
        var ex = await Assert.ThrowsAsync<CxpaConnectionException>(() => c.TriggerRunAsync(42, null, default));
        Assert.Contains("could not reach", ex.Message);
        Assert.Equal(2, log.Lines.Count(l => l.StartsWith("Retrying", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task Deadline_turns_into_a_timeout_naming_the_run()
    {
        _server.Faults.Delay("GET /api/agents/42/runs/*", 3000);
        var c = new CxpaClient(new CxpaEndpoint(_server.BaseUrl, CxpaAuthKind.IngestApiKey, Secret.FromString(EmulatorConfig.DemoSharedIngestKey)),
            new CxpaCallOptions { Deadline = WaitDeadline.At(DateTimeOffset.UtcNow.AddMilliseconds(400)) });
        var ex = await Assert.ThrowsAsync<CxpaTimeoutException>(() => c.GetRunAsync(42, 77, default));
        Assert.Equal(77, ex.RunId);
    }

    [Fact]
    public void Unencrypted_remote_urls_are_refused_unless_allowed()
    {
        Assert.Throws<CxpaConfigurationException>(() => new CxpaEndpoint(new Uri("http://cxpa.example.com"), CxpaAuthKind.IngestApiKey, Secret.FromString("k")));
        _ = new CxpaEndpoint(new Uri("http://cxpa.example.com"), CxpaAuthKind.IngestApiKey, Secret.FromString("k"), allowUnencryptedAuthentication: true);
        _ = new CxpaEndpoint(new Uri("http://localhost:5080"), CxpaAuthKind.IngestApiKey, Secret.FromString("k"));
        _ = new CxpaEndpoint(new Uri("http://[::1]:5080"), CxpaAuthKind.IngestApiKey, Secret.FromString("k"));
        Assert.Throws<CxpaConfigurationException>(() => new CxpaEndpoint(new Uri("ftp://x"), CxpaAuthKind.IngestApiKey, Secret.FromString("k")));
    }

    private sealed class ListLog : ICxpaLog
    {
        public readonly System.Collections.Concurrent.ConcurrentQueue<string> Lines = new();
        public bool IsVerboseEnabled => true;
        public bool IsDebugEnabled => false;
        public void Verbose(string message) => Lines.Enqueue(message);
        public void Debug(string message) => Lines.Enqueue(message);
    }
}
