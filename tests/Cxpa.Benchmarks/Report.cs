using System.Runtime.InteropServices;
using System.Text;

namespace Cxpa.Benchmarks;

/// <summary>Renders the results as markdown and writes them between the result markers of docs/performance.md.</summary>
public static class Report
{
    public const string Start = "<!-- results:start (written by tests/Cxpa.Benchmarks; text outside the markers is kept) -->";
    public const string End = "<!-- results:end -->";

    public static string LoadAtStart = Load();

    public static string Load() => File.Exists("/proc/loadavg") ? string.Join(" ", File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "n/a";

    public static string Render(List<MeasureResult> results, bool quick, string psVersion) => Compose(results, quick ? " (--quick: small sizes, not the issue's figures)" : "",
        $"- .NET: {RuntimeInformation.FrameworkDescription}; PowerShell {psVersion} hosted in-process (System.Management.Automation); module imported from out/Cxpa/Cxpa.psd1",
        $"- Load average (1, 5, 15 min) at the start: {LoadAtStart}; at the end: {Load()} (other work shares this machine; the ratios alternate baseline and module round by round so both see the same load).",
        "- The emulator (Kestrel, in the same process) shares the cores with the client: every figure includes the server's work on both sides.");

    /// <summary>The real-pwsh results (--pwsh): machine, load, versions, then the same table and notes.</summary>
    public static string RenderPwsh(List<MeasureResult> results, bool quick, string psVersion, string pwshDll) => Compose(results, quick ? " (--quick: small sizes and few rounds, not the issue's figures)" : "",
        $"- pwsh {psVersion} (the local tool, `{Path.GetFileName(Path.GetDirectoryName(pwshDll))}/pwsh.dll` run by `dotnet`, {RuntimeInformation.FrameworkDescription} here); `Import-Module Cxpa` finds out/Cxpa/Cxpa.psd1 by name (out/ first on PSModulePath)",
        $"- Load average (1, 5, 15 min) at the start: {LoadAtStart}; at the end: {Load()} (other work shares this machine; the sides of each measure run in the same pwsh process, their order rotated round by round, so they see the same load).",
        "- The emulator runs as a process of its own on the same two cores: every figure includes the server's work, on both sides.");

    /// <summary>The date, the machine (cores, memory, OS), the given lines, then the table and the notes.</summary>
    private static string Compose(List<MeasureResult> results, string quickNote, params string[] lines)
    {
        var sb = new StringBuilder();
        var mem = GC.GetGCMemoryInfo().TotalAvailableMemoryBytes;
        sb.AppendLine($"Measured {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC{quickNote}.");
        sb.AppendLine();
        sb.AppendLine($"- Machine: {Environment.ProcessorCount} cores, {mem / (1024.0 * 1024 * 1024):0.0} GiB memory, {RuntimeInformation.OSDescription} ({RuntimeInformation.OSArchitecture})");
        foreach (var l in lines) sb.AppendLine(l);
        AppendResults(sb, results);
        return sb.ToString().TrimEnd() + Environment.NewLine;
    }

    private static void AppendResults(StringBuilder sb, List<MeasureResult> results)
    {
        sb.AppendLine();
        sb.AppendLine("| measure | baseline | module | ratio | target | met? |");
        sb.AppendLine("|---|---|---|---|---|---|");
        foreach (var r in results)
            sb.AppendLine($"| {r.Title} | {r.Baseline} | {r.Module} | {r.Ratio} | {r.Target} | {(r.Met == null ? "—" : r.Met.Value ? "yes" : "**no**")} |");
        sb.AppendLine();
        foreach (var r in results)
        {
            if (r.Notes.Count == 0) continue;
            sb.AppendLine($"**{r.Title}**");
            sb.AppendLine();
            foreach (var n in r.Notes) sb.AppendLine("- " + n);
            sb.AppendLine();
        }
    }

    public const string PwshStart = "<!-- pwsh-results:start (written by tests/Cxpa.Benchmarks --pwsh; text outside the markers is kept) -->";
    public const string PwshEnd = "<!-- pwsh-results:end -->";

    /// <summary>Writes <paramref name="md"/> between the markers (the text before the first space of <paramref name="start"/> finds an older start marker).</summary>
    public static void WriteInto(string path, string md, string start, string end)
    {
        var startPrefix = start[..start.IndexOf(' ', 5)];
        var block = start + Environment.NewLine + md + end;
        string text;
        if (File.Exists(path))
        {
            var old = File.ReadAllText(path);
            var a = old.IndexOf(startPrefix, StringComparison.Ordinal);
            var b = old.IndexOf(end, StringComparison.Ordinal);
            text = a >= 0 && b > a ? old[..a] + block + old[(b + end.Length)..] : old.TrimEnd() + Environment.NewLine + Environment.NewLine + block + Environment.NewLine;
        }
        else text = "# Performance" + Environment.NewLine + Environment.NewLine + block + Environment.NewLine;
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
    }
}
