using System.Text;

namespace Cxpa.HelpGen;

/// <summary>
/// dotnet Cxpa.HelpGen.dll &lt;docsDir&gt; &lt;outDir&gt;: every docs page with platyPS front matter ("external help file")
/// becomes a command:command of its MAML file (Cxpa.PowerShell.dll-Help.xml); every about_*.md becomes
/// about_*.help.txt. Other pages (guides) are skipped. Text shared by several pages comes from docs/shared-parameters.md
/// (<see cref="SharedHelp"/>). Exit code 1 names each malformed page.
/// </summary>
public static class Program
{
    public static int Main(string[] args)
    {
        if (args.Length != 2 || args[0] is "-h" or "--help")
        {
            Console.Error.WriteLine("Usage: Cxpa.HelpGen <docsDir> <outDir>");
            return args.Length == 1 && args[0] is "-h" or "--help" ? 0 : 2;
        }
        var docsDir = Path.GetFullPath(args[0]);
        var outDir = Path.GetFullPath(args[1]);
        if (!Directory.Exists(docsDir))
        {
            Console.Error.WriteLine($"error: docs directory '{docsDir}' not found.");
            return 2;
        }

        var errors = new List<string>();
        SharedHelp shared;
        try { shared = SharedHelp.Load(docsDir); }
        catch (DocFormatException e)
        {
            Console.Error.WriteLine($"{Path.Combine(docsDir, SharedHelp.FileName)}: error: {e.Message}");
            return 1;
        }
        var pages = new List<CommandPage>();
        var abouts = new List<(string Name, string Text)>();
        foreach (var file in Directory.EnumerateFiles(docsDir, "*.md").OrderBy(f => f, StringComparer.Ordinal))
        {
            var text = File.ReadAllText(file);
            var name = Path.GetFileNameWithoutExtension(file);
            try
            {
                text = shared.Expand(text);
                if (name.StartsWith("about_", StringComparison.OrdinalIgnoreCase))
                    abouts.Add((name, AboutWriter.Render(name, text)));
                else if (CommandPage.IsCommandPage(text))
                    pages.Add(CommandPage.Parse(text, name));
            }
            catch (DocFormatException e)
            {
                errors.Add($"{file}: error: {e.Message}");
            }
        }

        // A related link to another page must name an existing page, by the name Get-Help resolves it with.
        foreach (var page in pages)
            foreach (var target in page.LinkedPages)
            {
                var file = target.Split('#')[0];
                if (!file.EndsWith(".md", StringComparison.OrdinalIgnoreCase) || !File.Exists(Path.Combine(docsDir, file)))
                    errors.Add($"{Path.Combine(docsDir, page.Name + ".md")}: error: the related link '{target}' names no page in {docsDir}.");
                else if (!page.RelatedLinks.Any(l => l.Uri.Length == 0 && l.Text.Equals(Path.GetFileNameWithoutExtension(file), StringComparison.OrdinalIgnoreCase)))
                    errors.Add($"{Path.Combine(docsDir, page.Name + ".md")}: error: the related link to '{target}' must be titled {Path.GetFileNameWithoutExtension(file)}.");
            }

        var byHelpFile = pages.GroupBy(p => p.ExternalHelpFile, StringComparer.OrdinalIgnoreCase).ToList();
        foreach (var dup in pages.GroupBy(p => p.Name, StringComparer.OrdinalIgnoreCase).Where(g => g.Count() > 1))
            errors.Add($"{docsDir}: error: more than one page documents {dup.Key}.");
        if (errors.Count > 0)
        {
            foreach (var e in errors) Console.Error.WriteLine(e);
            return 1;
        }

        Directory.CreateDirectory(outDir);
        var utf8 = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false);
        foreach (var g in byHelpFile)
        {
            var path = Path.Combine(outDir, g.Key);
            WriteIfChanged(path, MamlWriter.Write(g.OrderBy(p => p.Name, StringComparer.Ordinal)), utf8);
            Console.WriteLine($"Cxpa.HelpGen: {g.Count()} commands -> {path}");
        }
        foreach (var (name, text) in abouts)
        {
            var path = Path.Combine(outDir, name + ".help.txt");
            WriteIfChanged(path, text, utf8);
            Console.WriteLine($"Cxpa.HelpGen: {name} -> {path}");
        }
        return 0;
    }

    /// <summary>Writes the file; an unchanged file is only touched, so MSBuild's Inputs/Outputs check sees it up to date.</summary>
    private static void WriteIfChanged(string path, string content, Encoding encoding)
    {
        if (File.Exists(path) && File.ReadAllText(path, encoding) == content)
        {
            File.SetLastWriteTimeUtc(path, DateTime.UtcNow);
            return;
        }
        File.WriteAllText(path, content, encoding);
    }
}
