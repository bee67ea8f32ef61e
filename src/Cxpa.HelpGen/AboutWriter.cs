using System.Text;
using Markdig.Extensions.Tables;
using Markdig.Extensions.Yaml;
using Markdig.Syntax;

namespace Cxpa.HelpGen;

/// <summary>
/// An about_*.md page as about_*.help.txt: "TOPIC" with the name, each "## SECTION" as an upper-case heading at
/// column 0, "###" headings and paragraphs indented 4 and wrapped at 80 columns, code indented 8, tables as columns.
/// </summary>
internal static class AboutWriter
{
    private const int Width = 80;
    private const string Indent = "    ";

    public static string Render(string name, string markdown)
    {
        var doc = MarkdownText.Parse(markdown.TrimStart('\uFEFF'));
        var title = doc.OfType<HeadingBlock>().FirstOrDefault(h => h.Level == 1);
        if (title == null) throw new DocFormatException("no '# about_Name' heading.");
        var topic = MarkdownText.Inline(title.Inline);
        if (!topic.Equals(name, StringComparison.OrdinalIgnoreCase))
            throw new DocFormatException($"the page is titled '{topic}' but its file is '{name}.md'.");

        var sb = new StringBuilder();
        sb.Append("TOPIC\n").Append(Indent).Append(topic).Append('\n');
        var sections = CommandPage.Sections(doc, 2);
        if (!sections.Any(s => s.Title.Equals("SHORT DESCRIPTION", StringComparison.OrdinalIgnoreCase)))
            throw new DocFormatException("an about topic needs a '## SHORT DESCRIPTION' section.");
        foreach (var (heading, blocks) in sections)
        {
            sb.Append('\n').Append(heading.ToUpperInvariant()).Append('\n');
            var start = sb.Length;
            foreach (var b in blocks) Block(sb, b);
            // The first block sits right under its heading.
            if (sb.Length > start && sb[start] == '\n') sb.Remove(start, 1);
        }
        return sb.ToString().TrimEnd('\n').Replace("\n\n\n", "\n\n") + "\n";
    }

    private static void Block(StringBuilder sb, Block b)
    {
        switch (b)
        {
            case YamlFrontMatterBlock or ThematicBreakBlock:
                return;
            case HeadingBlock h:
                sb.Append('\n').Append(Indent).Append(MarkdownText.Inline(h.Inline)).Append('\n');
                return;
            case ParagraphBlock p:
                sb.Append('\n');
                Wrap(sb, MarkdownText.Inline(p.Inline), Indent, Indent);
                return;
            case FencedCodeBlock or CodeBlock:
                sb.Append('\n');
                foreach (var line in MarkdownText.Code((LeafBlock)b).Split('\n'))
                    sb.Append(line.Length == 0 ? "" : Indent + Indent + line).Append('\n');
                return;
            case ListBlock list:
                sb.Append('\n');
                int n = int.TryParse(list.OrderedStart, out var start) ? start : 1;
                foreach (var item in list.OfType<ListItemBlock>())
                {
                    var bullet = list.IsOrdered ? $"{n++}. " : "- ";
                    var parts = item.SelectMany(MarkdownText.Paragraphs).ToList();
                    if (parts.Count == 0) continue;
                    Wrap(sb, parts[0], Indent + bullet, Indent + new string(' ', bullet.Length));
                    foreach (var more in parts.Skip(1)) Wrap(sb, more, Indent + new string(' ', bullet.Length), Indent + new string(' ', bullet.Length));
                }
                return;
            case Table table:
                sb.Append('\n');
                TableText(sb, table);
                return;
            case QuoteBlock quote:
                foreach (var child in quote) Block(sb, child);
                return;
            default:
                foreach (var text in MarkdownText.Paragraphs(b))
                {
                    sb.Append('\n');
                    Wrap(sb, text, Indent, Indent);
                }
                return;
        }
    }

    /// <summary>Columns padded to the widest cell; a row wider than the page wraps its last column under itself.</summary>
    private static void TableText(StringBuilder sb, Table table)
    {
        var rows = table.OfType<TableRow>()
            .Select(r => (r.IsHeader, Cells: r.OfType<TableCell>().Select(c => string.Join(" ", c.SelectMany(MarkdownText.Paragraphs))).ToList()))
            .ToList();
        var cols = rows.Max(r => r.Cells.Count);
        var widths = new int[cols];
        for (int c = 0; c < cols - 1; c++) widths[c] = rows.Max(r => c < r.Cells.Count ? r.Cells[c].Length : 0);
        if (Indent.Length + widths.Sum() + 2 * (cols - 1) > Width / 2)
        {
            // Too wide for columns: one record per row, the first cell as its title, the others as "header: value".
            var header = rows.FirstOrDefault(r => r.IsHeader).Cells ?? new List<string>();
            foreach (var (_, cells) in rows.Where(r => !r.IsHeader))
            {
                Wrap(sb, cells.Count > 0 ? cells[0] : "", Indent, Indent);
                for (int c = 1; c < cells.Count; c++)
                {
                    var label = c < header.Count && header[c].Length > 0 ? header[c] + ": " : "";
                    Wrap(sb, label + cells[c], Indent + Indent, Indent + Indent + "  ");
                }
            }
            return;
        }
        foreach (var (isHeader, cells) in rows)
        {
            var prefix = new StringBuilder(Indent);
            for (int c = 0; c < cols - 1; c++) prefix.Append((c < cells.Count ? cells[c] : "").PadRight(widths[c] + 2));
            var last = cols - 1 < cells.Count ? cells[cols - 1] : "";
            var lead = prefix.ToString();
            if (lead.Length > Width - 20) { sb.Append(lead.TrimEnd()).Append('\n'); lead = Indent + Indent; }
            Wrap(sb, last, lead, new string(' ', lead.Length));
            if (isHeader)
            {
                var rule = new StringBuilder(Indent);
                for (int c = 0; c < cols - 1; c++) rule.Append(new string('-', Math.Max(1, widths[c]))).Append("  ");
                rule.Append(new string('-', Math.Max(1, Math.Min(Width - rule.Length, last.Length))));
                sb.Append(rule).Append('\n');
            }
        }
    }

    /// <summary>Word-wraps text (hard line breaks kept) at the page width.</summary>
    private static void Wrap(StringBuilder sb, string text, string first, string rest)
    {
        var lines = text.Split('\n');
        var prefix = first;
        foreach (var line in lines)
        {
            var current = new StringBuilder(prefix);
            var empty = true;
            foreach (var word in line.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            {
                if (!empty && current.Length + 1 + word.Length > Width)
                {
                    sb.Append(current.ToString().TrimEnd()).Append('\n');
                    current.Clear().Append(rest);
                    empty = true;
                }
                if (!empty) current.Append(' ');
                current.Append(word);
                empty = false;
            }
            sb.Append(current.ToString().TrimEnd()).Append('\n');
            prefix = rest;
        }
    }
}
