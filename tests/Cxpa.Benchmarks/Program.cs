namespace Cxpa.Benchmarks;

/// <summary>
/// dotnet run -c Release --project tests/Cxpa.Benchmarks -- [--quick] [--out docs/performance.md] [--only import,zone,get,download,progress,wait,token] [--micro]
/// Diagnostics, not in the report: --only probe (the engine's GET against raw), --only probe-download (the engine's download against raw).
/// The real pwsh, side by side with what users would write instead (<see cref="PwshSuite"/>):
/// dotnet run -c Release --project tests/Cxpa.Benchmarks -- --pwsh [--quick] [--out docs/performance.md] [--only import,http,download,tokens,wait]
/// </summary>
public static class Program
{
    public static async Task<int> Main(string[] args)
    {
        if (args.Contains("--micro"))
        {
            BenchmarkDotNet.Running.BenchmarkRunner.Run<MicroBenchmarks>(args: args.Where(a => a != "--micro").ToArray());
            return 0;
        }
        if (args.Length > 0 && args[0] == "--serve-emulator") return await EmulatorProcess.ServeAsync(args[1..]);
        _ = Report.LoadAtStart;
        // The harness calls PowerShell from thread-pool threads and blocks one of them for as long as a pipeline runs
        // (pwsh runs its pipeline on a thread of its own). One more minimum pool thread gives the module's awaits the pool a
        // pwsh process would give them, instead of making them wait for the pool to grow.
        ThreadPool.GetMinThreads(out var workers, out var io);
        ThreadPool.SetMinThreads(workers + 1, io);
        var quick = args.Contains("--quick");
        string? outPath = null;
        string[]? only = null;
        for (int i = 0; i < args.Length - 1; i++)
        {
            if (args[i] == "--out") outPath = args[i + 1];
            if (args[i] == "--only") only = args[i + 1].Split(',', StringSplitOptions.RemoveEmptyEntries);
        }
        if (args.Contains("--pwsh"))
        {
            var pwsh = new PwshSuite(quick, only);
            var found = await pwsh.RunAllAsync();
            Emit(Report.RenderPwsh(found, quick, pwsh.PowerShellVersion, pwsh.PwshDll), outPath, Report.PwshStart, Report.PwshEnd);
            return 0;
        }
        var suite = new Suite(quick, only);
        var results = await suite.RunAllAsync();
        Emit(Report.Render(results, quick, suite.PowerShellVersion), outPath, Report.Start, Report.End);
        return 0;
    }

    private static void Emit(string md, string? outPath, string start, string end)
    {
        Console.WriteLine(md);
        if (outPath == null) return;
        var full = Path.GetFullPath(outPath);
        Report.WriteInto(full, md, start, end);
        Console.WriteLine("Written to " + full);
    }
}
