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

    public static string Render(List<MeasureResult> results, bool quick, string psVersion)
    {
        var sb = new StringBuilder();
        var mem = GC.GetGCMemoryInfo().TotalAvailableMemoryBytes;
        sb.AppendLine($"Measured {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC{(quick ? " (--quick: small sizes, not the issue's figures)" : "")}.");
        sb.AppendLine();
        sb.AppendLine($"- Machine: {Environment.ProcessorCount} cores, {mem / (1024.0 * 1024 * 1024):0.0} GiB memory, {RuntimeInformation.OSDescription} ({RuntimeInformation.OSArchitecture})");
        sb.AppendLine($"- .NET: {RuntimeInformation.FrameworkDescription}; PowerShell {psVersion} hosted in-process (System.Management.Automation); module imported from out/Cxpa/Cxpa.psd1");
        sb.AppendLine($"- Load average (1, 5, 15 min) at the start: {LoadAtStart}; at the end: {Load()} (other work shares this machine; the ratios alternate baseline and module round by round so both see the same load).");
        sb.AppendLine("- The emulator (Kestrel, in the same process) shares the cores with the client: every figure includes the server's work on both sides.");
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
        return sb.ToString().TrimEnd() + Environment.NewLine;
    }

    public static void WriteInto(string path, string md)
    {
        var block = Start + Environment.NewLine + md + End;
        string text;
        if (File.Exists(path))
        {
            var old = File.ReadAllText(path);
            var a = old.IndexOf("<!-- results:start", StringComparison.Ordinal);
            var b = old.IndexOf(End, StringComparison.Ordinal);
            text = a >= 0 && b > a ? old[..a] + block + old[(b + End.Length)..] : old.TrimEnd() + Environment.NewLine + Environment.NewLine + block + Environment.NewLine;
        }
        else text = "# Performance" + Environment.NewLine + Environment.NewLine + block + Environment.NewLine;
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
    }
}
