using System.Diagnostics;
using System.Text.Json;

namespace Cxpa.Benchmarks;

/// <summary>
/// The real pwsh: the local tool from .config/dotnet-tools.json (restored if needed), run as `dotnet &lt;PSHOME&gt;/pwsh.dll`
/// child processes with out/ first on PSModulePath, so `Import-Module Cxpa` finds the staged module by name.
/// </summary>
public sealed class PwshHost
{
    public string PwshDll { get; }
    public string Version { get; }
    private readonly Dictionary<string, string> _env;

    private PwshHost(string pwshDll, string version, string modulePath)
    {
        PwshDll = pwshDll;
        Version = version;
        _env = new Dictionary<string, string> { ["PSModulePath"] = modulePath, ["DOTNET_NOLOGO"] = "1" };
    }

    public static async Task<PwshHost> LocateAsync(string extraModuleFolder)
    {
        _ = Repo.ModulePath; // throws when the module is not staged
        var (code, output) = await ImportHost.ExecAsync("dotnet", new[] { "tool", "restore" }, Repo.Root);
        if (code != 0) throw new InvalidOperationException("dotnet tool restore failed:\n" + output);
        (code, output) = await ImportHost.ExecAsync("dotnet", new[] { "pwsh", "-NoProfile", "-NonInteractive", "-Command", "'@@home ' + $PSHOME; '@@version ' + $PSVersionTable.PSVersion" }, Repo.Root);
        if (code != 0) throw new InvalidOperationException("dotnet pwsh failed:\n" + output);
        string Value(string tag) => output.Split('\n').Select(l => l.Trim()).First(l => l.StartsWith(tag, StringComparison.Ordinal))[tag.Length..].Trim();
        var modulePath = string.Join(Path.PathSeparator, Path.Combine(Repo.Root, "out"), extraModuleFolder);
        return new PwshHost(Path.Combine(Value("@@home "), "pwsh.dll"), Value("@@version "), modulePath);
    }

    /// <summary>Runs one pwsh process (-Command text, or -File and its arguments); returns its wall time and stdout lines.</summary>
    public async Task<(double WallMs, string[] Lines)> RunAsync(params string[] args)
    {
        var sw = Stopwatch.StartNew();
        var (code, output) = await ImportHost.ExecAsync("dotnet", new[] { PwshDll, "-NoProfile", "-NonInteractive" }.Concat(args).ToArray(), Repo.Root, _env);
        var ms = sw.Elapsed.TotalMilliseconds;
        if (code != 0) throw new InvalidOperationException($"pwsh exited with {code}:\n{output}");
        return (ms, output.Split('\n').Select(l => l.TrimEnd('\r')).ToArray());
    }

    /// <summary>Runs tests/Cxpa.Benchmarks/Pwsh/Bench.ps1 with these arguments and returns its '@@result' objects.</summary>
    public async Task<List<JsonElement>> BenchAsync(params string[] args)
    {
        var script = Path.Combine(Repo.Root, "tests", "Cxpa.Benchmarks", "Pwsh", "Bench.ps1");
        var (_, lines) = await RunAsync(new[] { "-File", script }.Concat(args).ToArray());
        return lines.Where(l => l.StartsWith("@@result ", StringComparison.Ordinal))
            .Select(l => JsonDocument.Parse(l["@@result ".Length..]).RootElement.Clone()).ToList();
    }
}
