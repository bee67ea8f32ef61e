using System.Text;
using System.Xml;

namespace Cxpa.HelpGen;

/// <summary>Writes parsed pages as one MAML help file (the schema Get-Help reads for compiled cmdlets).</summary>
internal static class MamlWriter
{
    private const string Msh = "http://msh";
    private const string Maml = "http://schemas.microsoft.com/maml/2004/10";
    private const string Command = "http://schemas.microsoft.com/maml/dev/command/2004/10";
    private const string Dev = "http://schemas.microsoft.com/maml/dev/2004/10";
    private const string MsHelp = "http://msdn.microsoft.com/mshelp";

    public static string Write(IEnumerable<CommandPage> pages)
    {
        var sb = new StringBuilder();
        var settings = new XmlWriterSettings
        {
            Indent = true,
            IndentChars = "  ",
            Encoding = new UTF8Encoding(false),
            NewLineChars = "\n",
            NewLineHandling = NewLineHandling.Replace,
        };
        using (var sw = new Utf8StringWriter(sb))
        using (var w = XmlWriter.Create(sw, settings))
        {
            w.WriteStartDocument();
            w.WriteStartElement("helpItems", Msh);
            w.WriteAttributeString("schema", "maml");
            foreach (var p in pages) WriteCommand(w, p);
            w.WriteEndElement();
            w.WriteEndDocument();
        }
        return sb.ToString() + "\n";
    }

    private static void WriteCommand(XmlWriter w, CommandPage p)
    {
        w.WriteStartElement("command", "command", Command);
        w.WriteAttributeString("xmlns", "maml", null, Maml);
        w.WriteAttributeString("xmlns", "command", null, Command);
        w.WriteAttributeString("xmlns", "dev", null, Dev);
        w.WriteAttributeString("xmlns", "MSHelp", null, MsHelp);

        w.WriteStartElement("command", "details", Command);
        w.WriteElementString("command", "name", Command, p.Name);
        w.WriteElementString("command", "verb", Command, p.Verb);
        w.WriteElementString("command", "noun", Command, p.Noun);
        Description(w, new[] { p.Synopsis });
        w.WriteEndElement();

        Description(w, p.Description);

        w.WriteStartElement("command", "syntax", Command);
        foreach (var s in p.Syntax)
        {
            w.WriteStartElement("command", "syntaxItem", Command);
            w.WriteElementString("maml", "name", Maml, p.Name);
            foreach (var name in s.ParameterNames)
            {
                var doc = p.Parameters.First(x => x.Name.Equals(name, StringComparison.OrdinalIgnoreCase));
                var meta = doc.For(s.SetName) ?? doc.Meta[0];
                Parameter(w, doc, meta, inSyntax: true);
            }
            w.WriteEndElement();
        }
        w.WriteEndElement();

        w.WriteStartElement("command", "parameters", Command);
        foreach (var doc in p.Parameters)
        {
            // One entry per parameter: required if it is required in any set; the position of the first block that has one.
            var first = doc.Meta[0];
            var merged = new ParameterMeta
            {
                Type = first.Type,
                Sets = doc.Meta.SelectMany(m => m.Sets).ToList(),
                Aliases = first.Aliases,
                Required = doc.Meta.Any(m => m.Required),
                Position = doc.Meta.Select(m => m.Position).FirstOrDefault(x => !x.Equals("Named", StringComparison.OrdinalIgnoreCase)) ?? "Named",
                DefaultValue = first.DefaultValue,
                PipelineInput = doc.Meta.Select(m => m.PipelineInput).FirstOrDefault(x => !x.Equals("False", StringComparison.OrdinalIgnoreCase)) ?? "False",
                Globbing = doc.Meta.Any(m => m.Globbing),
            };
            Parameter(w, doc, merged, inSyntax: false);
        }
        w.WriteEndElement();

        w.WriteStartElement("command", "inputTypes", Command);
        foreach (var t in p.Inputs) TypeEntry(w, "inputType", t);
        w.WriteEndElement();

        w.WriteStartElement("command", "returnValues", Command);
        foreach (var t in p.Outputs) TypeEntry(w, "returnValue", t);
        w.WriteEndElement();

        w.WriteStartElement("maml", "alertSet", Maml);
        w.WriteStartElement("maml", "alert", Maml);
        foreach (var n in p.Notes) Para(w, n);
        w.WriteEndElement();
        w.WriteEndElement();

        w.WriteStartElement("command", "examples", Command);
        foreach (var ex in p.Examples)
        {
            w.WriteStartElement("command", "example", Command);
            w.WriteElementString("maml", "title", Maml, $"-------------------------- {ex.Title} --------------------------");
            if (ex.Introduction.Count > 0)
            {
                w.WriteStartElement("maml", "introduction", Maml);
                foreach (var i in ex.Introduction) Para(w, i);
                w.WriteEndElement();
            }
            w.WriteElementString("dev", "code", Dev, ex.Code);
            w.WriteStartElement("dev", "remarks", Dev);
            foreach (var r in ex.Remarks) Para(w, r);
            w.WriteEndElement();
            w.WriteEndElement();
        }
        w.WriteEndElement();

        w.WriteStartElement("command", "relatedLinks", Command);
        foreach (var (text, uri) in p.RelatedLinks)
        {
            w.WriteStartElement("maml", "navigationLink", Maml);
            w.WriteElementString("maml", "linkText", Maml, text);
            w.WriteElementString("maml", "uri", Maml, uri);
            w.WriteEndElement();
        }
        w.WriteEndElement();

        w.WriteEndElement();
    }

    private static void Parameter(XmlWriter w, ParameterDoc doc, ParameterMeta meta, bool inSyntax)
    {
        var isSwitch = meta.Type.Equals("SwitchParameter", StringComparison.OrdinalIgnoreCase);
        w.WriteStartElement("command", "parameter", Command);
        w.WriteAttributeString("required", meta.Required ? "true" : "false");
        w.WriteAttributeString("variableLength", meta.Type.EndsWith("[]", StringComparison.Ordinal) ? "true" : "false");
        w.WriteAttributeString("globbing", meta.Globbing ? "true" : "false");
        w.WriteAttributeString("pipelineInput", meta.PipelineInput);
        w.WriteAttributeString("position", meta.Position.Equals("Named", StringComparison.OrdinalIgnoreCase) ? "named" : meta.Position);
        w.WriteAttributeString("aliases", meta.Aliases.Count > 0 ? string.Join(", ", meta.Aliases) : "none");
        w.WriteElementString("maml", "name", Maml, doc.Name);
        Description(w, doc.Description);
        if (!isSwitch || !inSyntax)
        {
            w.WriteStartElement("command", "parameterValue", Command);
            w.WriteAttributeString("required", isSwitch ? "false" : "true");
            w.WriteAttributeString("variableLength", "false");
            w.WriteString(meta.Type);
            w.WriteEndElement();
        }
        w.WriteStartElement("dev", "type", Dev);
        w.WriteElementString("maml", "name", Maml, meta.Type);
        w.WriteElementString("maml", "uri", Maml, "");
        w.WriteEndElement();
        w.WriteElementString("dev", "defaultValue", Dev, meta.DefaultValue);
        w.WriteEndElement();
    }

    private static void TypeEntry(XmlWriter w, string element, TypeDoc t)
    {
        w.WriteStartElement("command", element, Command);
        w.WriteStartElement("dev", "type", Dev);
        w.WriteElementString("maml", "name", Maml, t.Name);
        w.WriteEndElement();
        Description(w, t.Description);
        w.WriteEndElement();
    }

    private static void Description(XmlWriter w, IEnumerable<string> paragraphs)
    {
        w.WriteStartElement("maml", "description", Maml);
        foreach (var p in paragraphs) Para(w, p);
        w.WriteEndElement();
    }

    private static void Para(XmlWriter w, string text) => w.WriteElementString("maml", "para", Maml, text);

    private sealed class Utf8StringWriter(StringBuilder sb) : StringWriter(sb)
    {
        public override Encoding Encoding => new UTF8Encoding(false);
    }
}
