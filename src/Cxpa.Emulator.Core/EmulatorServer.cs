using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text.Json.Nodes;

namespace Cxpa.Emulator;

/// <summary>
/// A local emulator of the CXPA platform API (PLATFORM-API.md) on HttpListener (in the BCL: no ASP.NET Core, so it runs
/// inside pwsh as well as on the command line), on the loopback interface only. Start it with <see cref="StartAsync"/>;
/// dispose to stop: the listener closes and nothing is left listening.
/// </summary>
public sealed class EmulatorServer : IAsyncDisposable, IDisposable
{
    /// <summary>The ports tried when none is asked for (the dynamic range of RFC 6335).</summary>
    private const int FirstDynamicPort = 49152, LastDynamicPort = 65535, PortAttempts = 64;

    private readonly HttpListener _listener;
    private readonly CancellationTokenSource _stopping;
    private readonly EmulatorApi _api;
    private readonly ConcurrentDictionary<HttpListenerExchange, Task> _inFlight = new();
    private readonly Task _accepting;
    private int _disposed;

    private EmulatorServer(HttpListener listener, EmulatorConfig config, TimeProvider clock, Uri baseUrl, CancellationTokenSource stopping)
    {
        _listener = listener; Config = config; Clock = clock; BaseUrl = baseUrl; _stopping = stopping;
        Requests = new RequestLog();
        Faults = new FaultInjector();
        State = new EmulatorState(clock);
        var ctx = new EmulatorContext(config, State, Requests, Faults, clock, stopping.Token) { BaseUrl = baseUrl };
        _api = new EmulatorApi(ctx);
        _accepting = Task.Run(AcceptLoop);
    }

    /// <summary>Base address with a trailing slash, e.g. http://127.0.0.1:51234/ (http://localhost:51234/ on Windows).</summary>
    public Uri BaseUrl { get; }
    public EmulatorConfig Config { get; }
    /// <summary>Every request received (the /_emulator/ control surface excepted).</summary>
    public RequestLog Requests { get; }
    /// <summary>Injected faults.</summary>
    public FaultInjector Faults { get; }
    /// <summary>The runs.</summary>
    public EmulatorState State { get; }
    /// <summary>The clock runs progress on (<see cref="EmulatorConfig.Clock"/> or the system clock).</summary>
    public TimeProvider Clock { get; }
    /// <summary>Whether it still listens.</summary>
    public bool IsRunning => Volatile.Read(ref _disposed) == 0;

    /// <summary>
    /// Starts an emulator on the loopback interface, port <paramref name="port"/> (0 = a free port: ports of the dynamic
    /// range are tried until one binds, and the listener that bound it keeps it) with this config
    /// (null = <see cref="EmulatorConfig.CreateDemo"/>).
    /// </summary>
    /// <exception cref="EmulatorPortException">The port is in use, or may not be bound.</exception>
    /// <exception cref="InvalidDataException">The config is not valid.</exception>
    public static Task<EmulatorServer> StartAsync(EmulatorConfig? config = null, int port = 0, CancellationToken ct = default)
    {
        config ??= EmulatorConfig.CreateDemo();
        config.Validate();
        if (port < 0 || port > 65535) throw new ArgumentOutOfRangeException(nameof(port), "The port must be 0 (any free port) to 65535.");
        var clock = config.Clock ?? TimeProvider.System;
        HttpListenerException? last = null;
        for (int attempt = 0; attempt < (port == 0 ? PortAttempts : 1); attempt++)
        {
            ct.ThrowIfCancellationRequested();
            var candidate = port != 0 ? port : Random.Shared.Next(FirstDynamicPort, LastDynamicPort + 1);
            var baseUrl = new Uri($"http://{Host}:{candidate}/");
            var listener = new HttpListener { IgnoreWriteExceptions = false };
            listener.Prefixes.Add(baseUrl.ToString());
            try
            {
                listener.Start();
            }
            catch (Exception e) when (e is HttpListenerException or SocketException)
            {
                last = e as HttpListenerException ?? new HttpListenerException(((SocketException)e).ErrorCode, e.Message);
                listener.Close();
                continue;
            }
            var stopping = new CancellationTokenSource();
            return Task.FromResult(new EmulatorServer(listener, config, clock, baseUrl, stopping));
        }
        throw port == 0
            ? new EmulatorPortException(0, $"No free port on {Host} after {PortAttempts} attempts: {last?.Message}", last)
            : new EmulatorPortException(port, $"Port {port} on {Host} is in use or may not be bound: {last?.Message}", last);
    }

    /// <summary>
    /// The host of the listener's prefix: localhost on Windows (http.sys lets a user who is not an administrator bind
    /// http://localhost:port/ without a URL reservation), 127.0.0.1 elsewhere (the managed listener binds that address).
    /// </summary>
    internal static string Host => OperatingSystem.IsWindows() ? "localhost" : "127.0.0.1";

    private async Task AcceptLoop()
    {
        while (!_stopping.IsCancellationRequested)
        {
            HttpListenerContext context;
            try { context = await _listener.GetContextAsync().ConfigureAwait(false); }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException) { return; }
            var exchange = new HttpListenerExchange(context, _stopping.Token);
            _inFlight[exchange] = Task.Run(() => Handle(exchange));
        }
    }

    private async Task Handle(HttpListenerExchange x)
    {
        try
        {
            await _api.HandleAsync(x).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            // A defect of the emulator: 500 when nothing was sent yet, else the connection is cut.
            if (Config.ConsoleLogging) await Console.Error.WriteLineAsync($"emulator: {x.Method} {x.Path}: {e}").ConfigureAwait(false);
            if (!x.HasStarted)
            {
                try { await Reply.Error(new ApiException(500, "internal", "The emulator failed: " + e.Message)).WriteAsync(x).ConfigureAwait(false); }
                catch (Exception) { x.Abort(); }
            }
            else x.Abort();
        }
        finally
        {
            x.Complete();
            _inFlight.TryRemove(x, out _);
        }
    }

    /// <summary>Mints a zone token for this agent with its zone secret and audience (iat = the emulator clock).</summary>
    public string MintZoneToken(long agentId, string? userId = EmulatorConfig.DemoUserId, TimeSpan? lifetime = null)
    {
        var agent = Config.FindAgent(agentId) ?? throw new ArgumentException($"No agent {agentId}.", nameof(agentId));
        return Tokens.MintZoneToken(agent, Clock.GetUtcNow(), userId, lifetime ?? TimeSpan.FromMinutes(5));
    }

    /// <summary>Mints a credentials token {runId, agentId, exp} with the platform secret.</summary>
    public string MintCredentialsToken(long runId, long agentId, TimeSpan? lifetime = null)
    {
        var now = Clock.GetUtcNow();
        if (lifetime is { } l) now = now.Add(l).AddSeconds(-Config.CredentialsTokenLifetimeSeconds);
        return Tokens.MintCredentialsToken(Config, runId, agentId, now);
    }

    /// <summary>What GET /_emulator/demo answers: base url, keys per agent, a fresh zone token for agent 42 (or the first zoned agent).</summary>
    public JsonObject GetDemoInfo() => ControlRoutes.DemoInfo(Config, BaseUrl, Clock);

    /// <summary>
    /// Stops the server: waits and delays end at once (their connections are cut), answers being written get up to 2 s,
    /// then the listener closes and the port is free.
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        _stopping.Cancel();
        var pending = _inFlight.Values.ToArray();
        if (pending.Length > 0)
        {
            try { await Task.WhenAll(pending).WaitAsync(TimeSpan.FromSeconds(2)).ConfigureAwait(false); }
            catch (TimeoutException) { }
        }
        foreach (var x in _inFlight.Keys) x.Abort();
        try { _listener.Close(); }
        catch (ObjectDisposedException) { }
        try { await _accepting.ConfigureAwait(false); }
        catch (Exception e) when (e is HttpListenerException or ObjectDisposedException) { }
    }

    /// <summary>Stops the server (see <see cref="DisposeAsync"/>).</summary>
    public void Dispose() => DisposeAsync().AsTask().GetAwaiter().GetResult();
}
