using System.Diagnostics;
using System.Globalization;
using Cxpa.Emulator;

namespace Cxpa.Benchmarks;

/// <summary>
/// The emulator as a process of its own for the real-pwsh measures: this benchmark re-runs itself with --serve-emulator,
/// which starts <see cref="EmulatorServer"/> with the demo agents plus the three benchmark agents, prints its URL and runs
/// until its standard input closes. Zone tokens for the token measure are minted there, with the agent's own secret.
/// </summary>
public sealed class EmulatorProcess : IAsyncDisposable
{
    public const long InstantAgent = 910, FileAgent = 911, WaitAgent = 912;
    public const int WaitDurationMs = 350;

    private readonly Process _process;
    public Uri BaseUrl { get; }

    private EmulatorProcess(Process process, Uri baseUrl) { _process = process; BaseUrl = baseUrl; }

    public int ProcessId => _process.Id;

    public static EmulatorConfig Config(long fileBytes)
    {
        var cfg = EmulatorConfig.CreateDemo();
        cfg.Agents.Add(new EmulatorAgentConfig { Id = InstantAgent, Name = "Bench instant", AgentSlug = "bench-instant", QueuedMs = 0, DurationMs = 0 });
        cfg.Agents.Add(new EmulatorAgentConfig
        {
            Id = FileAgent, Name = "Bench file", AgentSlug = "bench-file", QueuedMs = 0, DurationMs = 0, OutputKind = "file_download",
            File = new EmulatorFileConfig { Name = "bench.bin", SizeBytes = fileBytes },
        });
        cfg.Agents.Add(new EmulatorAgentConfig { Id = WaitAgent, Name = "Bench wait", AgentSlug = "bench-wait", QueuedMs = 0, DurationMs = WaitDurationMs });
        return cfg;
    }

    /// <summary>The child side: --serve-emulator &lt;fileBytes&gt; &lt;tokenCount&gt; &lt;tokensFile&gt;.</summary>
    public static async Task<int> ServeAsync(string[] args)
    {
        var fileBytes = long.Parse(args[0], CultureInfo.InvariantCulture);
        var tokenCount = int.Parse(args[1], CultureInfo.InvariantCulture);
        await using var server = await EmulatorServer.StartAsync(Config(fileBytes));
        // Distinct valid tokens (one user each), two hours long: the token measure checks every one of them.
        File.WriteAllLines(args[2], Enumerable.Range(0, tokenCount).Select(_ => server.MintZoneToken(42, Guid.NewGuid().ToString(), TimeSpan.FromHours(2))));
        Console.WriteLine("listening on " + server.BaseUrl);
        Console.Out.Flush();
        while (await Console.In.ReadLineAsync() != null) { }
        return 0;
    }

    public static async Task<EmulatorProcess> StartAsync(long fileBytes, int tokenCount, string tokensFile)
    {
        var self = Environment.ProcessPath!;
        var psi = new ProcessStartInfo(self) { UseShellExecute = false, RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = false };
        if (Path.GetFileNameWithoutExtension(self).Equals("dotnet", StringComparison.OrdinalIgnoreCase)) psi.ArgumentList.Add(typeof(EmulatorProcess).Assembly.Location);
        foreach (var a in new[] { "--serve-emulator", fileBytes.ToString(CultureInfo.InvariantCulture), tokenCount.ToString(CultureInfo.InvariantCulture), tokensFile })
            psi.ArgumentList.Add(a);
        psi.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        var p = Process.Start(psi)!;
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        while (true)
        {
            var line = await p.StandardOutput.ReadLineAsync(cts.Token) ?? throw new InvalidOperationException("The emulator process exited before it listened.");
            const string marker = "listening on ";
            if (line.StartsWith(marker, StringComparison.Ordinal))
            {
                var emulator = new EmulatorProcess(p, new Uri(line[marker.Length..].Trim()));
                _ = p.StandardOutput.ReadToEndAsync();
                return emulator;
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            _process.StandardInput.Close();
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            await _process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException) { _process.Kill(true); }
        _process.Dispose();
    }
}
