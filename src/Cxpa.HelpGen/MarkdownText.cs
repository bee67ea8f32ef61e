using System.Text;
using Markdig;
using Markdig.Extensions.Tables;
using Markdig.Extensions.Yaml;
using Markdig.Syntax;
using Markdig.Syntax.Inlines;

namespace Cxpa.HelpGen;

/// <summary>Markdown to plain text: the parser pipeline and the conversions both writers share.</summary>
internal static class MarkdownText
{
    public static readonly MarkdownPipeline Pipeline = new MarkdownPipelineBuilder()
        .UseYamlFrontMatter()
        .UsePipeTables()
        .Build();

    public static MarkdownDocument Parse(string text) => Markdown.Parse(text.Replace("\r\n", "\n"), Pipeline);

    /// <summary>The plain text of inlines: code spans and emphasis lose their markers, links keep their text.</summary>
    public static string Inline(ContainerInline? inline)
    {
        if (inline == null) return "";
        var sb = new StringBuilder();
        Append(sb, inline);
        return sb.ToString().Trim();
    }

    private static void Append(StringBuilder sb, Inline inline)
    {
        switch (inline)
        {
            case LiteralInline lit: sb.Append(lit.Content.ToString()); break;
            case CodeInline code: sb.Append(code.Content); break;
            case AutolinkInline auto: sb.Append(auto.Url); break;
            case LineBreakInline br: sb.Append(br.IsHard ? "\n" : " "); break;
            case HtmlEntityInline ent: sb.Append(ent.Transcoded.ToString()); break;
            case HtmlInline: break;
            case LinkInline link when link.IsImage: break;
            case ContainerInline container:
                for (var c = container.FirstChild; c != null; c = c.NextSibling) Append(sb, c);
                break;
        }
    }

    /// <summary>The code of a fenced or indented block, without a trailing newline.</summary>
    public static string Code(LeafBlock block)
    {
        var lines = new List<string>();
        foreach (var line in block.Lines.Lines.Take(block.Lines.Count)) lines.Add(line.Slice.ToString());
        return string.Join("\n", lines).TrimEnd();
    }

    /// <summary>A block as paragraphs of plain text (a list gives one paragraph per item, a table one per row).</summary>
    public static IEnumerable<string> Paragraphs(Block block)
    {
        switch (block)
        {
            case YamlFrontMatterBlock:
                yield break;
            case HeadingBlock h:
                yield return Inline(h.Inline);
                break;
            case ParagraphBlock p:
                yield return Inline(p.Inline);
                break;
            case FencedCodeBlock or CodeBlock:
                yield return Code((LeafBlock)block);
                break;
            case ListBlock list:
            {
                int n = int.TryParse(list.OrderedStart, out var start) ? start : 1;
                foreach (var item in list.OfType<ListItemBlock>())
                {
                    var bullet = list.IsOrdered ? $"{n++}. " : "- ";
                    var parts = item.SelectMany(Paragraphs).ToList();
                    if (parts.Count == 0) continue;
                    yield return bullet + parts[0];
                    foreach (var more in parts.Skip(1)) yield return "  " + more;
                }
                break;
            }
            case Table table:
                foreach (var row in table.OfType<TableRow>())
                {
                    var cells = row.OfType<TableCell>().Select(c => string.Join(" ", c.SelectMany(Paragraphs))).ToList();
                    if (row.IsHeader) continue;
                    yield return string.Join(": ", cells.Take(1)) + (cells.Count > 1 ? " " : "") + string.Join("; ", cells.Skip(1));
                }
                break;
            case QuoteBlock quote:
                foreach (var child in quote) foreach (var p in Paragraphs(child)) yield return p;
                break;
            case ThematicBreakBlock:
                yield break;
            case ContainerBlock container:
                foreach (var child in container) foreach (var p in Paragraphs(child)) yield return p;
                break;
        }
    }
}
