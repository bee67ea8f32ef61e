using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Runspaces;
using Cxpa.Emulator;

namespace Cxpa.Playground;

/// <summary>
/// Hosts the real PowerShell engine, starts the emulator in-process, imports the staged module and runs a script
/// (default examples/Quickstart.ps1), rendering output, errors, warnings, verbose lines and progress to the terminal.
/// Usage: dotnet run --project src/Cxpa.Playground [-- [script.ps1 ...] [--verbose]]
/// </summary>
public static class Program
{
    public static async Task<int> Main(string[] args)
    {
        var root = FindRepoRoot();
        var verbose = args.Contains("--verbose");
        var scripts = args.Where(a => !a.StartsWith("--", StringComparison.Ordinal)).ToList();
        if (scripts.Count == 0) scripts.Add(Path.Combine(root, "examples", "Quickstart.ps1"));
        var module = Path.Combine(root, "out", "Cxpa", "Cxpa.psd1");
        if (!File.Exists(module))
        {
            Console.Error.WriteLine($"The module is not staged at {module}: run 'dotnet build src/Cxpa.PowerShell' first.");
            return 2;
        }

        await using var emulator = await EmulatorServer.StartAsync();
        Console.WriteLine($"Emulator listening on {emulator.BaseUrl} (demo ingest key: {EmulatorConfig.DemoSharedIngestKey})");
        int failures = 0;
        foreach (var script in scripts)
        {
            var path = Path.GetFullPath(script);
            if (!File.Exists(path)) { Console.Error.WriteLine($"No such script: {path}"); failures++; continue; }
            Console.WriteLine();
            Console.WriteLine($"=== {Path.GetRelativePath(root, path)}");
            failures += RunScript(path, module, emulator, verbose) ? 0 : 1;
        }
        Console.WriteLine();
        Console.WriteLine(failures == 0 ? "All scripts ran without errors." : $"{failures} script(s) reported errors.");
        return failures == 0 ? 0 : 1;
    }

    /// <summary>Runs one script; true when it wrote no error and did not throw.</summary>
    public static bool RunScript(string path, string module, EmulatorServer emulator, bool verbose)
    {
        var iss = InitialSessionState.CreateDefault2();
        iss.ImportPSModule(new[] { module });
        iss.EnvironmentVariables.Add(new SessionStateVariableEntry("CXPA_API_URL", emulator.BaseUrl.ToString(), ""));
        using var rs = RunspaceFactory.CreateRunspace(iss);
        rs.Open();
        // What a platform would hand the script: the URL and demo secrets.
        Environment.SetEnvironmentVariable("CXPA_API_URL", emulator.BaseUrl.ToString());
        Environment.SetEnvironmentVariable("CXPA_INGEST_KEY", EmulatorConfig.DemoSharedIngestKey);
        Environment.SetEnvironmentVariable("ZONE_JWT_SECRET", EmulatorConfig.DemoZoneSecret);
        Environment.SetEnvironmentVariable("AUDIENCE_ID", EmulatorConfig.DemoZoneAudience);
        rs.SessionStateProxy.Path.SetLocation(Path.GetDirectoryName(path)!);
        using var ps = PowerShell.Create();
        ps.Runspace = rs;
        int errors = 0;
        ps.Streams.Error.DataAdded += (s, e) =>
        {
            errors++;
            var rec = ((PSDataCollection<ErrorRecord>)s!)[e.Index];
            Write(ConsoleColor.Red, $"ERROR [{rec.FullyQualifiedErrorId.Split(',')[0]} / {rec.CategoryInfo.Category}] {rec.ErrorDetails?.Message ?? rec.Exception.Message}");
        };
        ps.Streams.Warning.DataAdded += (s, e) => Write(ConsoleColor.Yellow, "WARNING: " + ((PSDataCollection<WarningRecord>)s!)[e.Index].Message);
        ps.Streams.Information.DataAdded += (s, e) => Console.WriteLine(((PSDataCollection<InformationRecord>)s!)[e.Index].MessageData);
        ps.Streams.Verbose.DataAdded += (s, e) => { if (verbose) Write(ConsoleColor.DarkGray, "VERBOSE: " + ((PSDataCollection<VerboseRecord>)s!)[e.Index].Message); };
        ps.Streams.Progress.DataAdded += (s, e) =>
        {
            var p = ((PSDataCollection<ProgressRecord>)s!)[e.Index];
            if (p.RecordType == ProgressRecordType.Processing)
                Write(ConsoleColor.Cyan, $"  … {p.Activity}: {p.StatusDescription}" + (p.PercentComplete >= 0 ? $" [{p.PercentComplete}%]" : ""));
        };
        var output = new PSDataCollection<PSObject>();
        output.DataAdded += (s, e) => Render(((PSDataCollection<PSObject>)s!)[e.Index]);
        ps.AddCommand("Set-StrictMode").AddParameter("Version", "3.0").AddStatement();
        ps.AddScript(File.ReadAllText(path));
        try
        {
            ps.Invoke(null, output);
        }
        catch (RuntimeException ex)
        {
            errors++;
            Write(ConsoleColor.Red, $"TERMINATING ERROR [{ex.ErrorRecord?.FullyQualifiedErrorId}] {ex.ErrorRecord?.ErrorDetails?.Message ?? ex.Message}");
        }
        return errors == 0;
    }

    private static void Render(PSObject o)
    {
        if (o is null) { Console.WriteLine(); return; }
        if (o.BaseObject is string or ValueType) { Console.WriteLine(o.BaseObject); return; }
        var name = o.TypeNames.Count > 0 ? o.TypeNames[0] : o.BaseObject.GetType().FullName;
        Console.WriteLine($"[{name}]");
        foreach (var p in o.Properties)
        {
            if (!p.IsGettable) continue;
            object? v;
            try { v = p.Value; } catch { continue; }
            if (v is System.Security.SecureString) v = "System.Security.SecureString";
            Console.WriteLine($"  {p.Name,-14}: {Short(v)}");
        }
    }

    private static string Short(object? v)
    {
        switch (v)
        {
            case null: return "";
            case PSObject po when po.BaseObject is PSCustomObject:
                return "@{" + string.Join("; ", po.Properties.Select(p => $"{p.Name}={Short(p.Value)}")) + "}";
            case PSObject po: return Short(po.BaseObject);
            case string s: return s.Length > 120 ? s[..117] + "..." : s;
            case IDictionary d: return "@{" + string.Join("; ", d.Keys.Cast<object>().Select(k => $"{k}={Short(d[k])}")) + "}";
            case IEnumerable e: return "{" + string.Join(", ", e.Cast<object?>().Select(Short)) + "}";
            default: return v.ToString() ?? "";
        }
    }

    private static void Write(ConsoleColor color, string text)
    {
        var old = Console.ForegroundColor;
        Console.ForegroundColor = color;
        Console.WriteLine(text);
        Console.ForegroundColor = old;
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
