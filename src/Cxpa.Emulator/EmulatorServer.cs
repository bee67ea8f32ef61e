using System.Net;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace Cxpa.Emulator;

/// <summary>
/// A local emulator of the CXPA platform API (PLATFORM-API.md), bound to 127.0.0.1.
/// Start it in-process with <see cref="StartAsync"/>; dispose to stop.
/// </summary>
public sealed class EmulatorServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private int _disposed;

    private EmulatorServer(WebApplication app, EmulatorConfig config, TimeProvider clock, Uri baseUrl)
    {
        _app = app; Config = config; Clock = clock; BaseUrl = baseUrl;
    }

    /// <summary>Base address with a trailing slash, e.g. http://127.0.0.1:51234/.</summary>
    public Uri BaseUrl { get; }
    public EmulatorConfig Config { get; }
    /// <summary>Every request received (the /_emulator/ control surface excepted).</summary>
    public RequestLog Requests { get; private set; } = null!;
    /// <summary>Injected faults.</summary>
    public FaultInjector Faults { get; private set; } = null!;
    /// <summary>The runs.</summary>
    public EmulatorState State { get; private set; } = null!;
    /// <summary>The clock runs progress on (<see cref="EmulatorConfig.Clock"/> or the system clock).</summary>
    public TimeProvider Clock { get; }

    /// <summary>
    /// Starts an emulator on 127.0.0.1:<paramref name="port"/> (0 = an ephemeral port) with this config
    /// (null = <see cref="EmulatorConfig.CreateDemo"/>).
    /// </summary>
    public static async Task<EmulatorServer> StartAsync(EmulatorConfig? config = null, int port = 0, CancellationToken ct = default)
    {
        config ??= EmulatorConfig.CreateDemo();
        config.Validate();
        if (port < 0 || port > 65535) throw new ArgumentOutOfRangeException(nameof(port));
        var clock = config.Clock ?? TimeProvider.System;

        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions
        {
            Args = Array.Empty<string>(),
            ApplicationName = typeof(EmulatorServer).Assembly.GetName().Name,
            ContentRootPath = AppContext.BaseDirectory,
            EnvironmentName = "Production",
        });
        builder.Logging.ClearProviders();
        if (config.ConsoleLogging)
        {
            builder.Logging.AddSimpleConsole(o => o.SingleLine = true);
            builder.Logging.SetMinimumLevel(LogLevel.Warning);
        }
        else
        {
            builder.Logging.SetMinimumLevel(LogLevel.None);
        }
        // The emulator never owns the process: no Ctrl+C / SIGTERM hooks (an embedding host or Program handles those).
        builder.Services.AddSingleton<IHostLifetime, EmbeddedLifetime>();
        builder.WebHost.ConfigureKestrel(o =>
        {
            o.AddServerHeader = false;
            o.Limits.MaxRequestBodySize = 16 * 1024 * 1024;
            o.Listen(IPAddress.Loopback, port, l => l.Protocols = HttpProtocols.Http1);
        });

        var app = builder.Build();
        var log = new RequestLog();
        var faults = new FaultInjector();
        var state = new EmulatorState(clock);
        var api = new EmulatorApi(config, state, log, faults, clock);
        api.Map(app);

        await app.StartAsync(ct).ConfigureAwait(false);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault()
                      ?? throw new InvalidOperationException("Kestrel reported no address.");
        var baseUrl = new Uri(address.TrimEnd('/') + "/");
        var server = new EmulatorServer(app, config, clock, baseUrl) { Requests = log, Faults = faults, State = state };
        api.BaseUrl = baseUrl;
        return server;
    }

    /// <summary>Mints a zone token for this agent with its zone secret and audience (iat = the emulator clock).</summary>
    public string MintZoneToken(long agentId, string? userId = EmulatorConfig.DemoUserId, TimeSpan? lifetime = null)
    {
        var agent = Config.FindAgent(agentId) ?? throw new ArgumentException($"No agent {agentId}.", nameof(agentId));
        return Tokens.MintZoneToken(agent, Clock.GetUtcNow(), userId, lifetime ?? TimeSpan.FromMinutes(5));
    }

    /// <summary>Mints a credentials token {runId, agentId, exp} with the platform secret. Null while ZoneTokens is not implemented.</summary>
    public string? MintCredentialsToken(long runId, long agentId, TimeSpan? lifetime = null)
    {
        var now = Clock.GetUtcNow();
        if (lifetime is { } l) now = now.Add(l).AddSeconds(-Config.CredentialsTokenLifetimeSeconds);
        return Tokens.MintCredentialsToken(Config, runId, agentId, now);
    }

    /// <summary>What GET /_emulator/demo answers: base url, keys per agent, a fresh zone token for agent 42 (or the first zoned agent).</summary>
    public JsonObject GetDemoInfo() => EmulatorApi.DemoInfo(Config, BaseUrl, Clock);

    private sealed class EmbeddedLifetime : IHostLifetime
    {
        public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;
        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }

    /// <summary>Stops the server.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        try { await _app.StopAsync(TimeSpan.FromSeconds(2)).ConfigureAwait(false); }
        catch (OperationCanceledException) { }
        await _app.DisposeAsync().ConfigureAwait(false);
    }
}
