using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;

namespace Cxpa.Benchmarks;

/// <summary>
/// The import measure's child processes: tests/Cxpa.Benchmarks.ImportHost, built as is (JIT) and published ReadyToRun for
/// this machine's runtime identifier (as pwsh ships).
/// </summary>
public static class ImportHost
{
    public sealed record Result(double Without, double With, double WithoutMin, double WithoutMax, double WithMin, double WithMax, string IdentityModelLoaded)
    {
        public double Added => With - Without;
    }

    public sealed record Split(int Rounds, double FirstImport, double Cxpa);

    private static string Project => Path.Combine(Repo.Root, "tests", "Cxpa.Benchmarks.ImportHost");

    /// <summary>Builds (or publishes ReadyToRun) the host and returns the path of its dll.</summary>
    public static async Task<string> BuildAsync(bool readyToRun)
    {
        var outDir = Path.Combine(Project, "bin", readyToRun ? "bench-r2r" : "bench-jit");
        var args = readyToRun
            ? new[] { "publish", Project, "-c", "Release", "-r", RuntimeInformation.RuntimeIdentifier, "--self-contained", "false", "-p:PublishReadyToRun=true", "-o", outDir, "-nologo", "-v", "q" }
            : new[] { "build", Project, "-c", "Release", "-o", outDir, "-nologo", "-v", "q" };
        var (code, output) = await ExecAsync("dotnet", args);
        if (code != 0) throw new InvalidOperationException("Building the import host failed:\n" + output);
        return Path.Combine(outDir, "Cxpa.Benchmarks.ImportHost.dll");
    }

    /// <summary>Alternates `without` and `with` child processes (ABBA); the first pair warms the file cache and is dropped.</summary>
    public static async Task<Result> MeasureAsync(string host, string module, int runs)
    {
        var with = new List<double>();
        var without = new List<double>();
        var identity = "?";
        for (int i = -1; i < runs; i++)
        {
            var (a, b) = await Stats.AbbaAsync(i, () => TimeChildAsync(host, "without"), () => TimeChildAsync(host, "with", module));
            identity = b.Output.Trim().Replace("identitymodel-loaded=", "");
            if (i < 0) continue;
            without.Add(a.Ms);
            with.Add(b.Ms);
        }
        return new Result(Stats.Median(without), Stats.Median(with), without.Min(), without.Max(), with.Min(), with.Max(), identity);
    }

    /// <summary>Inside one process: the first Import-Module of any module (an empty .psm1), then Import-Module Cxpa.</summary>
    public static async Task<Split> SplitAsync(string host, string module, int rounds)
    {
        var dir = Directory.CreateTempSubdirectory("cxpa-bench-import-").FullName;
        try
        {
            var empty = Path.Combine(dir, "Empty.psm1");
            File.WriteAllText(empty, "$x = 1\n");
            var script = $$"""
                $sw = [System.Diagnostics.Stopwatch]::StartNew()
                Import-Module '{{empty}}'
                $t0 = $sw.Elapsed.TotalMilliseconds
                Import-Module '{{module}}'
                $t1 = $sw.Elapsed.TotalMilliseconds
                'split=' + $t0.ToString([cultureinfo]::InvariantCulture) + ';' + ($t1 - $t0).ToString([cultureinfo]::InvariantCulture)
                """;
            var first = new List<double>();
            var cxpa = new List<double>();
            for (int i = 0; i < rounds; i++)
            {
                var (_, output) = await TimeChildAsync(host, "script", script);
                var line = output.Split('\n').First(l => l.StartsWith("split=", StringComparison.Ordinal))["split=".Length..].Trim().Split(';');
                first.Add(double.Parse(line[0], CultureInfo.InvariantCulture));
                cxpa.Add(double.Parse(line[1], CultureInfo.InvariantCulture));
            }
            return new Split(rounds, Stats.Median(first), Stats.Median(cxpa));
        }
        finally { Directory.Delete(dir, true); }
    }

    private static async Task<(double Ms, string Output)> TimeChildAsync(string host, params string[] args)
    {
        var sw = Stopwatch.StartNew();
        var (code, output) = await ExecAsync("dotnet", new[] { host }.Concat(args).ToArray());
        var ms = sw.Elapsed.TotalMilliseconds;
        if (code != 0) throw new InvalidOperationException($"The import host ({string.Join(' ', args)}) failed: {output}");
        return (ms, output);
    }

    /// <summary>Runs a process to its end (telemetry and update checks off); returns its exit code and stdout + stderr.</summary>
    internal static async Task<(int Code, string Output)> ExecAsync(string exe, string[] args, string? cwd = null, IReadOnlyDictionary<string, string>? env = null)
    {
        var psi = new ProcessStartInfo(exe) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        if (cwd != null) psi.WorkingDirectory = cwd;
        foreach (var a in args) psi.ArgumentList.Add(a);
        psi.Environment["POWERSHELL_TELEMETRY_OPTOUT"] = "1";
        psi.Environment["POWERSHELL_UPDATECHECK"] = "Off";
        psi.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        foreach (var (k, v) in env ?? new Dictionary<string, string>()) psi.Environment[k] = v;
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        await p.WaitForExitAsync();
        return (p.ExitCode, await stdout + await stderr);
    }
}
