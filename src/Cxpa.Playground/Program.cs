using System.Diagnostics;
using Cxpa.Emulator;

namespace Cxpa.Playground;

/// <summary>
/// Starts the emulator in this process, then runs a script (default examples/Quickstart.ps1) in the real pwsh, the
/// repository's local tool (.config/dotnet-tools.json), with out/ first on PSModulePath so <c>Import-Module Cxpa</c> finds
/// the staged module by name. The script's output, errors, warnings and progress are pwsh's own: what a user sees.
/// Usage: dotnet run --project src/Cxpa.Playground [-- [script.ps1 ...] [--verbose]]
/// </summary>
public static class Program
{
    public static async Task<int> Main(string[] args)
    {
        var root = FindRepoRoot();
        var verbose = args.Contains("--verbose");
        var scripts = args.Where(a => !a.StartsWith("--", StringComparison.Ordinal)).Select(Path.GetFullPath).ToList();
        if (scripts.Count == 0) scripts.Add(Path.Combine(root, "examples", "Quickstart.ps1"));
        if (!File.Exists(Path.Combine(root, "out", "Cxpa", "Cxpa.psd1")))
        {
            Console.Error.WriteLine("The module is not staged in out/Cxpa: run 'dotnet build src/Cxpa.PowerShell' first.");
            return 2;
        }
        foreach (var missing in scripts.Where(s => !File.Exists(s)))
        {
            Console.Error.WriteLine($"No such script: {missing}");
            return 2;
        }
        if (Dotnet(root, "tool", "restore") is var restored && restored != 0)
        {
            Console.Error.WriteLine("'dotnet tool restore' failed: the local pwsh (.config/dotnet-tools.json) is not available.");
            return restored;
        }

        await using var emulator = await EmulatorServer.StartAsync();
        Console.WriteLine($"Emulator listening on {emulator.BaseUrl}");
        int failures = 0;
        foreach (var script in scripts)
        {
            Console.WriteLine();
            Console.WriteLine($"=== {Path.GetRelativePath(root, script)} (pwsh)");
            Console.WriteLine();
            var code = await RunInPwshAsync(root, script, emulator, verbose);
            if (code != 0) { failures++; Console.Error.WriteLine($"{Path.GetFileName(script)} ended with exit code {code}."); }
        }
        Console.WriteLine();
        Console.WriteLine(failures == 0 ? "All scripts ran without errors." : $"{failures} script(s) reported errors.");
        return failures == 0 ? 0 : 1;
    }

    /// <summary>
    /// Runs one script in a new pwsh with what a platform hands a runbook (the URL and the emulator's demo secrets) in its
    /// environment. As in a runbook, $ErrorActionPreference is Stop: an error the script does not handle ends it with
    /// exit code 1, while errors it silences on purpose (-ErrorAction SilentlyContinue) do not.
    /// </summary>
    private static async Task<int> RunInPwshAsync(string root, string script, EmulatorServer emulator, bool verbose)
    {
        var command = string.Join("; ",
            "$ErrorActionPreference = 'Stop'",
            verbose ? "$VerbosePreference = 'Continue'" : "$VerbosePreference = 'SilentlyContinue'",
            "Set-StrictMode -Version 3.0",
            "Import-Module Cxpa",
            "Set-Location -LiteralPath $env:CXPA_PLAYGROUND_DIR",
            "& $env:CXPA_PLAYGROUND_SCRIPT");
        var psi = new ProcessStartInfo("dotnet") { WorkingDirectory = root, UseShellExecute = false };
        foreach (var a in new[] { "tool", "run", "pwsh", "--", "-NoProfile", "-NonInteractive", "-Command", command }) psi.ArgumentList.Add(a);
        var modules = Path.Combine(root, "out");
        var existing = Environment.GetEnvironmentVariable("PSModulePath");
        psi.Environment["PSModulePath"] = string.IsNullOrEmpty(existing) ? modules : modules + Path.PathSeparator + existing;
        psi.Environment["CXPA_PLAYGROUND_SCRIPT"] = script;
        psi.Environment["CXPA_PLAYGROUND_DIR"] = Path.GetDirectoryName(script)!;
        psi.Environment["CXPA_API_URL"] = emulator.BaseUrl.ToString();
        psi.Environment["CXPA_INGEST_KEY"] = EmulatorConfig.DemoSharedIngestKey;
        psi.Environment["ZONE_JWT_SECRET"] = EmulatorConfig.DemoZoneSecret;
        psi.Environment["AUDIENCE_ID"] = EmulatorConfig.DemoZoneAudience;
        using var process = Process.Start(psi)!;
        await process.WaitForExitAsync();
        return process.ExitCode;
    }

    private static int Dotnet(string root, params string[] args)
    {
        var psi = new ProcessStartInfo("dotnet") { WorkingDirectory = root, UseShellExecute = false, RedirectStandardOutput = true };
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var process = Process.Start(psi)!;
        process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        return process.ExitCode;
    }

    private static string FindRepoRoot()
    {
        foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
        {
            var dir = new DirectoryInfo(start);
            while (dir != null && !File.Exists(Path.Combine(dir.FullName, "Cxpa.psd1"))) dir = dir.Parent;
            if (dir != null) return dir.FullName;
        }
        throw new InvalidOperationException("Run the Playground from inside the repository (Cxpa.psd1 not found).");
    }
}
