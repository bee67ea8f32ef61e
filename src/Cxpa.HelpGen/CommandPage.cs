using System.Text.RegularExpressions;
using Markdig.Extensions.Yaml;
using Markdig.Syntax;

namespace Cxpa.HelpGen;

/// <summary>A cmdlet page in the platyPS layout, parsed.</summary>
public sealed class CommandPage
{
    public string Name { get; private set; } = "";
    public string ExternalHelpFile { get; private set; } = "";
    public string ModuleName { get; private set; } = "";
    /// <summary>The front matter's "online version": the page's URL for Get-Help -Online ("" when there is none).</summary>
    public string OnlineVersion { get; private set; } = "";
    public string Synopsis { get; private set; } = "";
    public List<string> Description { get; } = new();
    public List<SyntaxDoc> Syntax { get; } = new();
    public List<ParameterDoc> Parameters { get; } = new();
    public bool CommonParameters { get; private set; }
    public List<ExampleDoc> Examples { get; } = new();
    public List<TypeDoc> Inputs { get; } = new();
    public List<TypeDoc> Outputs { get; } = new();
    public List<string> Notes { get; } = new();
    public List<(string Text, string Uri)> RelatedLinks { get; } = new();

    public string Verb => Name.Contains('-') ? Name[..Name.IndexOf('-')] : Name;
    public string Noun => Name.Contains('-') ? Name[(Name.IndexOf('-') + 1)..] : "";

    private static readonly Regex FrontMatterKey = new(@"^\s*external help file\s*:", RegexOptions.Multiline | RegexOptions.IgnoreCase);
    private static readonly Regex ParamToken = new(@"(?<![\w-])-(?<name>[A-Za-z][A-Za-z0-9]*)\b");

    /// <summary>A page whose front matter names an external help file.</summary>
    public static bool IsCommandPage(string text)
    {
        var t = text.TrimStart('\uFEFF');
        if (!t.StartsWith("---", StringComparison.Ordinal)) return false;
        var end = t.IndexOf("\n---", 3, StringComparison.Ordinal);
        return end > 0 && FrontMatterKey.IsMatch(t[..end]);
    }

    public static CommandPage Parse(string text, string fileName)
    {
        var doc = MarkdownText.Parse(text.TrimStart('\uFEFF'));
        var page = new CommandPage();
        var front = doc.OfType<YamlFrontMatterBlock>().FirstOrDefault() ?? throw new DocFormatException("no front matter.");
        foreach (var (key, value) in YamlLines(MarkdownText.Code(front)))
        {
            if (key.Equals("external help file", StringComparison.OrdinalIgnoreCase)) page.ExternalHelpFile = value;
            else if (key.Equals("Module Name", StringComparison.OrdinalIgnoreCase)) page.ModuleName = value;
            else if (key.Equals("online version", StringComparison.OrdinalIgnoreCase)) page.OnlineVersion = value;
        }
        if (page.ExternalHelpFile.Length == 0) throw new DocFormatException("the front matter has no 'external help file'.");

        var title = doc.OfType<HeadingBlock>().FirstOrDefault(h => h.Level == 1) ?? throw new DocFormatException("no '# Name' heading.");
        page.Name = MarkdownText.Inline(title.Inline);
        if (!string.Equals(page.Name, fileName, StringComparison.OrdinalIgnoreCase))
            throw new DocFormatException($"the page is named '{page.Name}' but its file is '{fileName}.md'.");

        foreach (var (section, blocks) in Sections(doc, 2))
        {
            switch (section.ToUpperInvariant())
            {
                case "SYNOPSIS": page.Synopsis = string.Join(" ", blocks.SelectMany(MarkdownText.Paragraphs)); break;
                case "SYNTAX": page.ParseSyntax(blocks); break;
                case "DESCRIPTION": page.Description.AddRange(blocks.SelectMany(MarkdownText.Paragraphs)); break;
                case "EXAMPLES": page.ParseExamples(blocks); break;
                case "PARAMETERS": page.ParseParameters(blocks); break;
                case "INPUTS": page.Inputs.AddRange(Types(blocks)); break;
                case "OUTPUTS": page.Outputs.AddRange(Types(blocks)); break;
                case "NOTES": page.Notes.AddRange(blocks.SelectMany(MarkdownText.Paragraphs)); break;
                case "RELATED LINKS": page.ParseLinks(blocks); break;
                default: throw new DocFormatException($"unknown section '## {section}'.");
            }
        }

        if (page.Synopsis.Length == 0) throw new DocFormatException("## SYNOPSIS is empty.");
        if (page.Description.Count == 0) throw new DocFormatException("## DESCRIPTION is empty.");
        if (page.Syntax.Count == 0) throw new DocFormatException("## SYNTAX has no code block.");
        foreach (var p in page.Parameters)
        {
            if (p.Description.Count == 0) throw new DocFormatException($"parameter -{p.Name} has no description.");
            if (p.Meta.Count == 0) throw new DocFormatException($"parameter -{p.Name} has no yaml block.");
        }
        if (page.OnlineVersion.Length > 0)
        {
            if (!Uri.TryCreate(page.OnlineVersion, UriKind.Absolute, out var online) || (online.Scheme != Uri.UriSchemeHttps && online.Scheme != Uri.UriSchemeHttp))
                throw new DocFormatException($"'online version: {page.OnlineVersion}' is not an http(s) URL.");
            // Get-Help -Online opens the first related link with a URI: it must be the page's online version.
            var first = page.RelatedLinks.FirstOrDefault(l => l.Uri.Length > 0).Uri;
            if (!string.Equals(first, page.OnlineVersion, StringComparison.Ordinal))
                throw new DocFormatException($"the first URL under ## RELATED LINKS must be the online version, [Online Version:]({page.OnlineVersion}); it is '{first ?? ""}'.");
        }
        foreach (var s in page.Syntax)
            foreach (var n in s.ParameterNames)
                if (!page.Parameters.Any(p => p.Name.Equals(n, StringComparison.OrdinalIgnoreCase)))
                    throw new DocFormatException($"the syntax of set '{s.SetName}' names -{n}, which ## PARAMETERS does not document.");
        return page;
    }

    /// <summary>Splits blocks at headings of a level: (heading text, blocks up to the next heading of that level or higher).</summary>
    internal static List<(string Title, List<Block> Blocks)> Sections(IEnumerable<Block> blocks, int level)
    {
        var result = new List<(string, List<Block>)>();
        List<Block>? current = null;
        foreach (var b in blocks)
        {
            if (b is HeadingBlock h && h.Level <= level)
            {
                if (h.Level == level)
                {
                    current = new List<Block>();
                    result.Add((MarkdownText.Inline(h.Inline), current));
                }
                else current = null;
                continue;
            }
            current?.Add(b);
        }
        return result;
    }

    private static IEnumerable<(string Key, string Value)> YamlLines(string yaml)
    {
        foreach (var raw in yaml.Split('\n'))
        {
            var line = raw.Trim();
            if (line.Length == 0 || line == "---" || line.StartsWith('#')) continue;
            var colon = line.IndexOf(':');
            if (colon <= 0) continue;
            yield return (line[..colon].Trim(), line[(colon + 1)..].Trim());
        }
    }

    private void ParseSyntax(List<Block> blocks)
    {
        var sets = Sections(blocks, 3);
        if (sets.Count == 0) sets.Add(("(All)", blocks));
        foreach (var (heading, body) in sets)
        {
            var code = body.OfType<FencedCodeBlock>().FirstOrDefault() ?? throw new DocFormatException($"syntax '{heading}' has no code block.");
            var isDefault = heading.EndsWith("(Default)", StringComparison.OrdinalIgnoreCase);
            var set = isDefault ? heading[..^"(Default)".Length].Trim() : heading.Trim();
            var line = MarkdownText.Code(code).Replace('\n', ' ');
            var s = new SyntaxDoc { SetName = set, IsDefault = isDefault, Line = line };
            foreach (Match m in ParamToken.Matches(line))
            {
                var name = m.Groups["name"].Value;
                if (!s.ParameterNames.Contains(name, StringComparer.OrdinalIgnoreCase)) s.ParameterNames.Add(name);
            }
            if (!line.StartsWith(Name + " ", StringComparison.OrdinalIgnoreCase) && !line.Equals(Name, StringComparison.OrdinalIgnoreCase))
                throw new DocFormatException($"the syntax of set '{set}' does not start with {Name}.");
            CommonParameters |= line.Contains("<CommonParameters>", StringComparison.Ordinal);
            Syntax.Add(s);
        }
    }

    private void ParseExamples(List<Block> blocks)
    {
        foreach (var (title, body) in Sections(blocks, 3))
        {
            var ex = new ExampleDoc { Title = title };
            var codeSeen = false;
            foreach (var b in body)
            {
                if (b is FencedCodeBlock code)
                {
                    ex.Code = ex.Code.Length == 0 ? MarkdownText.Code(code) : ex.Code + "\n\n" + MarkdownText.Code(code);
                    codeSeen = true;
                    continue;
                }
                (codeSeen ? ex.Remarks : ex.Introduction).AddRange(MarkdownText.Paragraphs(b));
            }
            if (ex.Code.Length == 0) throw new DocFormatException($"example '{title}' has no code block.");
            Examples.Add(ex);
        }
    }

    private void ParseParameters(List<Block> blocks)
    {
        foreach (var (title, body) in Sections(blocks, 3))
        {
            if (title.Equals("CommonParameters", StringComparison.OrdinalIgnoreCase))
            {
                CommonParameters = true;
                continue;
            }
            if (!title.StartsWith('-')) throw new DocFormatException($"parameter heading '### {title}' must be '### -Name'.");
            var p = new ParameterDoc { Name = title[1..].Trim() };
            foreach (var b in body)
            {
                if (b is FencedCodeBlock code && string.Equals(code.Info, "yaml", StringComparison.OrdinalIgnoreCase))
                    p.Meta.Add(Meta(MarkdownText.Code(code), p.Name));
                else p.Description.AddRange(MarkdownText.Paragraphs(b));
            }
            Parameters.Add(p);
        }
    }

    private static ParameterMeta Meta(string yaml, string parameter)
    {
        var d = YamlLines(yaml).ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.OrdinalIgnoreCase);
        string Get(string key, string fallback) => d.TryGetValue(key, out var v) && v.Length > 0 ? v : fallback;
        bool Bool(string key) => bool.TryParse(Get(key, "False"), out var b) ? b : throw new DocFormatException($"-{parameter}: '{key}' must be True or False.");
        List<string> ListOf(string key) => Get(key, "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToList();
        if (!d.ContainsKey("Type")) throw new DocFormatException($"-{parameter}: the yaml block has no Type.");
        var position = Get("Position", "Named");
        if (!position.Equals("Named", StringComparison.OrdinalIgnoreCase) && !int.TryParse(position, out _))
            throw new DocFormatException($"-{parameter}: Position must be Named or a number.");
        return new ParameterMeta
        {
            Type = Get("Type", "Object"),
            Sets = ListOf("Parameter Sets") is { Count: > 0 } sets ? sets : new List<string> { "(All)" },
            Aliases = ListOf("Aliases"),
            Required = Bool("Required"),
            Position = position,
            DefaultValue = Get("Default value", "None"),
            PipelineInput = Get("Accept pipeline input", "False"),
            Globbing = Bool("Accept wildcard characters"),
        };
    }

    private static IEnumerable<TypeDoc> Types(List<Block> blocks)
    {
        foreach (var (title, body) in Sections(blocks, 3))
        {
            var t = new TypeDoc { Name = title };
            t.Description.AddRange(body.SelectMany(MarkdownText.Paragraphs));
            yield return t;
        }
    }

    private void ParseLinks(List<Block> blocks)
    {
        foreach (var link in Links(blocks))
        {
            if (link.IsImage) continue;
            var text = MarkdownText.Inline(link);
            var uri = link.Url ?? "";
            if (text.Length == 0) throw new DocFormatException($"a related link to '{uri}' has no text.");
            // Links between pages (Get-CxpaRun.md) become link text only, as Get-Help resolves them by name.
            if (!uri.StartsWith("http://", StringComparison.OrdinalIgnoreCase) && !uri.StartsWith("https://", StringComparison.OrdinalIgnoreCase))
            {
                LinkedPages.Add(uri);
                uri = "";
            }
            RelatedLinks.Add((text, uri));
        }
    }

    /// <summary>The relative targets of the related links (Get-CxpaRun.md, about_Cxpa.md), for checking that the pages exist.</summary>
    public List<string> LinkedPages { get; } = new();

    /// <summary>Every link in the blocks, in document order (the inlines of paragraphs, headings and list items).</summary>
    private static IEnumerable<Markdig.Syntax.Inlines.LinkInline> Links(IEnumerable<Block> blocks)
    {
        foreach (var b in blocks)
        {
            if (b is LeafBlock { Inline: not null } leaf)
                foreach (var l in Links(leaf.Inline))
                    yield return l;
            else if (b is ContainerBlock container)
                foreach (var l in Links(container))
                    yield return l;
        }
    }

    private static IEnumerable<Markdig.Syntax.Inlines.LinkInline> Links(Markdig.Syntax.Inlines.ContainerInline inline)
    {
        for (var c = inline.FirstChild; c != null; c = c.NextSibling)
        {
            if (c is Markdig.Syntax.Inlines.LinkInline link) yield return link;
            else if (c is Markdig.Syntax.Inlines.ContainerInline inner)
                foreach (var l in Links(inner))
                    yield return l;
        }
    }
}
