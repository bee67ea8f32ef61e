using System.Diagnostics;
using System.Management.Automation;
using System.Management.Automation.Runspaces;

namespace Cxpa.Benchmarks;

/// <summary>
/// dotnet run -c Release --project tests/Cxpa.Benchmarks -- [--quick] [--out docs/performance.md] [--only import,get,download,progress,wait,token] [--micro]
/// </summary>
public static class Program
{
    public static async Task<int> Main(string[] args)
    {
        if (args.Length > 0 && args[0] == "--child-import") return ChildImport.Run(args);
        if (args.Contains("--micro"))
        {
            BenchmarkDotNet.Running.BenchmarkRunner.Run<MicroBenchmarks>(args: args.Where(a => a != "--micro").ToArray());
            return 0;
        }
        _ = Report.LoadAtStart;
        var quick = args.Contains("--quick");
        string? outPath = null;
        string[]? only = null;
        for (int i = 0; i < args.Length - 1; i++)
        {
            if (args[i] == "--out") outPath = args[i + 1];
            if (args[i] == "--only") only = args[i + 1].Split(',', StringSplitOptions.RemoveEmptyEntries);
        }
        var suite = new Suite(quick, only);
        var results = await suite.RunAllAsync();
        var md = Report.Render(results, quick, suite.PowerShellVersion);
        Console.WriteLine(md);
        if (outPath != null)
        {
            var full = Path.GetFullPath(outPath);
            Report.WriteInto(full, md);
            Console.WriteLine("Written to " + full);
        }
        return 0;
    }
}

/// <summary>The child process of the import measure: opens a default runspace, with or without Import-Module Cxpa, and exits.</summary>
public static class ChildImport
{
    public static int Run(string[] args)
    {
        var with = args.Length > 1 && args[1] == "with";
        var iss = InitialSessionState.CreateDefault2();
        using var rs = RunspaceFactory.CreateRunspace(iss);
        rs.Open();
        using var ps = PowerShell.Create();
        ps.Runspace = rs;
        if (with) ps.AddCommand("Import-Module").AddParameter("Name", args[2]);
        else ps.AddScript("$null");
        ps.Invoke();
        if (ps.HadErrors)
        {
            Console.Error.WriteLine(string.Join("; ", ps.Streams.Error));
            return 2;
        }
        var identity = AppDomain.CurrentDomain.GetAssemblies().Any(a => a.GetName().Name == "Microsoft.IdentityModel.JsonWebTokens");
        Console.WriteLine("identitymodel-loaded=" + identity);
        return 0;
    }

    /// <summary>The command line that starts this program again.</summary>
    public static ProcessStartInfo StartInfo(params string[] args)
    {
        var exe = Environment.ProcessPath!;
        var psi = new ProcessStartInfo { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        if (Path.GetFileNameWithoutExtension(exe).Equals("dotnet", StringComparison.OrdinalIgnoreCase))
        {
            psi.FileName = exe;
            psi.ArgumentList.Add(typeof(ChildImport).Assembly.Location);
        }
        else psi.FileName = exe;
        foreach (var a in args) psi.ArgumentList.Add(a);
        psi.Environment["POWERSHELL_TELEMETRY_OPTOUT"] = "1";
        psi.Environment["POWERSHELL_UPDATECHECK"] = "Off";
        return psi;
    }
}
