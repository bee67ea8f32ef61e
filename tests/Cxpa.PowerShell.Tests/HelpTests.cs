using System.Text.RegularExpressions;

namespace Cxpa.PowerShell.Tests;

/// <summary>
/// The docs pages against the code: every cmdlet has a page in the platyPS layout, and each page's parameters and their
/// yaml blocks match the cmdlet's real parameters. What Get-Help shows from the generated help is proven in the real pwsh
/// against the installed module (tests/Cxpa.Pester/Help.Tests.ps1).
/// </summary>
public sealed class HelpTests
{
    private static IReadOnlyList<string> Names => ModuleManifest.Cmdlets;

    public static TheoryData<string> Cmdlets => new(Names);

    private static string DocsDir => Path.Combine(PowerShellHost.RepoRoot, "docs");

    [Fact]
    public void EveryExportedCmdletHasAPage_AndEveryPageAnExportedCmdlet()
    {
        var r = PowerShellHost.Run("(Get-Command -Module Cxpa -CommandType Cmdlet).Name");
        Assert.Empty(r.Errors);
        var exported = r.Output.Select(o => o.ToString()).ToHashSet(StringComparer.OrdinalIgnoreCase);
        Assert.NotEmpty(exported);

        var pages = Directory.EnumerateFiles(DocsDir, "*.md")
            // The Cxpa.Emulator module's pages live in docs/ too (Module Name: Cxpa.Emulator); this module's say Cxpa.
            .Where(f => DocPage.IsCommandPage(File.ReadAllText(f)) && File.ReadAllText(f).Contains("\nModule Name: Cxpa\n", StringComparison.Ordinal))
            .Select(f => Path.GetFileNameWithoutExtension(f))
            .ToHashSet(StringComparer.OrdinalIgnoreCase);
        Assert.Empty(exported.Except(pages, StringComparer.OrdinalIgnoreCase).Select(n => $"{n} has no docs/{n}.md"));
        Assert.Empty(pages.Except(exported, StringComparer.OrdinalIgnoreCase).Select(n => $"docs/{n}.md documents no exported cmdlet"));
        Assert.Equal(Names.Order(StringComparer.OrdinalIgnoreCase), exported.Order(StringComparer.OrdinalIgnoreCase));

        // Every cmdlet class in the assembly is in the manifest's list (a new cmdlet left out of CmdletsToExport fails here).
        var compiled = PowerShellHost.Run("""
            (Get-Command -Module Cxpa -CommandType Cmdlet | Select-Object -First 1).ImplementingType.Assembly.GetExportedTypes() |
                ForEach-Object { $_.GetCustomAttributes([System.Management.Automation.CmdletAttribute], $false) } |
                ForEach-Object { $_.VerbName + '-' + $_.NounName }
            """);
        Assert.Empty(compiled.Errors);
        Assert.Equal(Names.Order(StringComparer.OrdinalIgnoreCase), compiled.Output.Select(o => o.ToString()).Order(StringComparer.OrdinalIgnoreCase));
    }

    /// <summary>
    /// Parameters in code (Get-Command, minus the common parameters) and on the page must be the same, and each yaml
    /// block must agree with the code for the sets it names: type, required, position, pipeline input, aliases.
    /// </summary>
    [Fact]
    public void DocsPages_MatchTheParametersInCode()
    {
        var r = PowerShellHost.Run("""
            $common = [System.Management.Automation.PSCmdlet]::CommonParameters
            foreach ($c in Get-Command -Module Cxpa -CommandType Cmdlet) {
                foreach ($p in $c.Parameters.Values) {
                    if ($common -contains $p.Name) { continue }
                    $t = $p.ParameterType
                    $u = [Nullable]::GetUnderlyingType($t); if ($u) { $t = $u }
                    foreach ($k in $p.ParameterSets.Keys) {
                        $s = $p.ParameterSets[$k]
                        $pipe = @(); if ($s.ValueFromPipelineByPropertyName) { $pipe += 'ByPropertyName' }; if ($s.ValueFromPipeline) { $pipe += 'ByValue' } # platyPS's order
                        $set = if ($k -eq '__AllParameterSets') { '(All)' } else { $k }
                        $pos = if ($s.Position -lt 0) { 'Named' } else { [string]$s.Position }
                        $pipeText = if ($pipe) { 'True (' + ($pipe -join ', ') + ')' } else { 'False' }
                        $c.Name + '|' + $p.Name + '|' + $set + '|' + $t.Name + '|' + $s.IsMandatory + '|' + $pos + '|' + $pipeText + '|' + ($p.Aliases -join ', ') + '|' + ($c.ParameterSets.Count)
                    }
                }
            }
            """);
        Assert.Empty(r.Errors);
        var rows = r.Output.Select(o => o.ToString().Split('|')).ToList();
        Assert.NotEmpty(rows);

        var problems = new List<string>();
        foreach (var byCmdlet in rows.GroupBy(x => x[0], StringComparer.OrdinalIgnoreCase))
        {
            var file = Path.Combine(DocsDir, byCmdlet.Key + ".md");
            if (!File.Exists(file)) { problems.Add($"{byCmdlet.Key}: no docs page"); continue; }
            var page = DocPage.Load(file);
            var inCode = byCmdlet.Select(x => x[1]).ToHashSet(StringComparer.OrdinalIgnoreCase);
            foreach (var missing in inCode.Where(p => !page.Parameters.ContainsKey(p)))
                problems.Add($"{byCmdlet.Key}: -{missing} exists in code but not in docs/{byCmdlet.Key}.md");
            foreach (var extra in page.Parameters.Keys.Where(p => !inCode.Contains(p)))
                problems.Add($"{byCmdlet.Key}: docs/{byCmdlet.Key}.md documents -{extra}, which the cmdlet does not have");

            foreach (var x in byCmdlet)
            {
                var (name, set, type, mandatory, position, pipeline, aliases, setCount) = (x[1], x[2], x[3], bool.Parse(x[4]), x[5], x[6], x[7], int.Parse(x[8]));
                if (!page.Parameters.TryGetValue(name, out var blocks)) continue;
                // A parameter in every set of a one-set cmdlet, or in all sets, is documented as (All).
                var yaml = blocks.FirstOrDefault(b => b.Sets.Contains(set, StringComparer.OrdinalIgnoreCase))
                           ?? blocks.FirstOrDefault(b => b.Sets.Contains("(All)") && (set == "(All)" || setCount == 1));
                if (yaml == null) { problems.Add($"{byCmdlet.Key} -{name}: no yaml block names the parameter set '{set}'"); continue; }
                void Check(string what, string doc, string code)
                {
                    if (!string.Equals(doc, code, StringComparison.OrdinalIgnoreCase))
                        problems.Add($"{byCmdlet.Key} -{name} ({set}): {what} is '{doc}' in the docs but '{code}' in code");
                }
                Check("Type", yaml.Type, type);
                Check("Required", yaml.Required, mandatory.ToString());
                Check("Position", yaml.Position, position);
                Check("Accept pipeline input", yaml.Pipeline, pipeline);
                Check("Aliases", yaml.Aliases, aliases);
            }
        }
        Assert.True(problems.Count == 0, "Docs and code disagree:\n" + string.Join("\n", problems));
    }

    [Theory]
    [MemberData(nameof(Cmdlets))]
    public void DocsPage_HasThePlatyPSLayout(string name)
    {
        var text = File.ReadAllText(Path.Combine(DocsDir, name + ".md"));
        Assert.True(DocPage.IsCommandPage(text), $"{name}.md has no platyPS front matter.");
        Assert.Contains("external help file: Cxpa.PowerShell.dll-Help.xml", text);
        Assert.Contains("Module Name: Cxpa", text);
        Assert.Contains($"\n# {name}\n", text);
        Assert.Contains($"\nonline version: {OnlineUrl(name)}\n", text);
        var order = new[] { "## SYNOPSIS", "## SYNTAX", "## DESCRIPTION", "## EXAMPLES", "## PARAMETERS", "### CommonParameters", "## INPUTS", "## OUTPUTS", "## NOTES", "## RELATED LINKS" };
        var at = order.Select(h => text.IndexOf("\n" + h + "\n", StringComparison.Ordinal)).ToList();
        Assert.All(at.Zip(order), x => Assert.True(x.First >= 0, $"{name}.md lacks '{x.Second}'."));
        Assert.Equal(at.Order(), at);
        Assert.True(Regex.Matches(text, @"\n### Example \d+: .+\n\n```powershell\n").Count >= 2, $"{name}.md needs two '### Example N: title' with a powershell block.");
        Assert.Contains("ErrorId", text, StringComparison.Ordinal);
    }

    private static string OnlineUrl(string name) => $"https://github.com/cxpa/cxpa-powershell/blob/main/docs/{name}.md";

    private static string Line(List<string> lines, string prefix) =>
        lines.FirstOrDefault(l => l.StartsWith(prefix, StringComparison.Ordinal))?[prefix.Length..] ?? throw new Xunit.Sdk.XunitException($"no {prefix} line in: {string.Join("\n", lines)}");

    /// <summary>The parts of a docs page the tests compare: synopsis, syntax block count, parameters with their yaml blocks.</summary>
    private sealed class DocPage
    {
        public string Synopsis { get; private set; } = "";
        public string OnlineVersion { get; private set; } = "";
        public int SyntaxBlocks { get; private set; }
        public Dictionary<string, List<Yaml>> Parameters { get; } = new(StringComparer.OrdinalIgnoreCase);

        public sealed record Yaml(string Type, List<string> Sets, string Required, string Position, string Pipeline, string Aliases);

        public static bool IsCommandPage(string text) =>
            text.StartsWith("---", StringComparison.Ordinal) && Regex.IsMatch(text.Split("\n---", 2)[0], @"(?m)^external help file:");

        public static DocPage Load(string path)
        {
            Assert.True(File.Exists(path), $"{path} does not exist.");
            var lines = File.ReadAllText(path).Replace("\r\n", "\n").Split('\n');
            var page = new DocPage();
            string section = "";
            string? param = null;
            for (int i = 0; i < lines.Length; i++)
            {
                var line = lines[i];
                if (section == "" && line.StartsWith("online version:", StringComparison.Ordinal)) page.OnlineVersion = line["online version:".Length..].Trim();
                if (line.StartsWith("## ", StringComparison.Ordinal)) { section = line[3..].Trim(); param = null; continue; }
                if (section == "SYNOPSIS" && line.Trim().Length > 0) page.Synopsis = (page.Synopsis + " " + line.Trim()).Trim();
                if (section == "SYNTAX" && line.StartsWith("```", StringComparison.Ordinal) && i + 1 < lines.Length && !lines[i + 1].StartsWith("```", StringComparison.Ordinal) && lines[i + 1].Trim().Length > 0 && line.Trim() == "```")
                {
                    page.SyntaxBlocks++;
                    while (i + 1 < lines.Length && lines[++i].Trim() != "```") { }
                    continue;
                }
                if (section != "PARAMETERS") continue;
                if (line.StartsWith("### -", StringComparison.Ordinal)) { param = line[5..].Trim(); page.Parameters[param] = new List<Yaml>(); continue; }
                if (line.StartsWith("### ", StringComparison.Ordinal)) { param = null; continue; }
                if (param != null && line.Trim() == "```yaml")
                {
                    var d = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
                    while (++i < lines.Length && lines[i].Trim() != "```")
                    {
                        var c = lines[i].IndexOf(':');
                        if (c > 0) d[lines[i][..c].Trim()] = lines[i][(c + 1)..].Trim();
                    }
                    string Get(string k) => d.TryGetValue(k, out var v) ? v : "";
                    page.Parameters[param].Add(new Yaml(Get("Type"), Get("Parameter Sets").Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).ToList(),
                        Get("Required"), Get("Position"), Get("Accept pipeline input"), Get("Aliases")));
                }
            }
            return page;
        }
    }
}
