using System.Text.RegularExpressions;
using Cxpa.Engine.Http;

namespace Cxpa.HelpGen;

/// <summary>
/// The one source of the help text that several pages share (docs/shared-parameters.md), expanded into each page before it
/// is parsed:
/// <list type="bullet">
/// <item><description>a line that is only a link to <c>shared-parameters.md#anchor</c> becomes that section's text (its
/// <c>## heading</c>'s GitHub anchor);</description></item>
/// <item><description><c>{retried-statuses:Idempotent}</c> and <c>{retried-statuses:UntilReached}</c> become the statuses
/// that retry rule resends, read from the engine's classifier (<see cref="RetryRules"/>), so the help names what the
/// code does.</description></item>
/// </list>
/// </summary>
public sealed class SharedHelp
{
    public const string FileName = "shared-parameters.md";

    private static readonly Regex Include = new(@"^\[[^\]\n]*\]\(" + Regex.Escape(FileName) + @"#(?<anchor>[\w-]+)\)[ \t]*$", RegexOptions.Multiline);
    private static readonly Regex Statuses = new(@"\{retried-statuses:(?<mode>[A-Za-z]+)\}");

    private readonly Dictionary<string, string> _sections = new(StringComparer.Ordinal);

    /// <summary>The sections of docs/shared-parameters.md by anchor (none when the file does not exist).</summary>
    public static SharedHelp Load(string docsDir)
    {
        var shared = new SharedHelp();
        var path = Path.Combine(docsDir, FileName);
        if (!File.Exists(path)) return shared;
        string? anchor = null;
        var body = new List<string>();
        void Close()
        {
            if (anchor == null) return;
            if (!shared._sections.TryAdd(anchor, string.Join("\n", body).Trim()))
                throw new DocFormatException($"{FileName} has two sections with the anchor #{anchor}.");
        }
        foreach (var line in File.ReadAllText(path).Replace("\r\n", "\n").Split('\n'))
        {
            if (line.StartsWith("## ", StringComparison.Ordinal))
            {
                Close();
                anchor = Anchor(line[3..]);
                body.Clear();
            }
            else if (line.StartsWith("# ", StringComparison.Ordinal)) { Close(); anchor = null; }
            else if (anchor != null) body.Add(line);
        }
        Close();
        return shared;
    }

    /// <summary>The anchors this source defines.</summary>
    public IReadOnlyCollection<string> Anchors => _sections.Keys;

    /// <summary>A page's text with its shared sections and status lists filled in.</summary>
    public string Expand(string text)
    {
        text = Include.Replace(text.Replace("\r\n", "\n"), m =>
            _sections.TryGetValue(m.Groups["anchor"].Value, out var section)
                ? section
                : throw new DocFormatException($"'{m.Value.Trim()}' names no section of {FileName}."));
        return Statuses.Replace(text, m => List(m.Groups["mode"].Value));
    }

    /// <summary>The statuses a retry rule resends, as prose: "429", "408, 429, 502, 503 or 504".</summary>
    public static string List(string mode)
    {
        if (!Enum.TryParse<RetryMode>(mode, ignoreCase: false, out var rule) || rule == RetryMode.Never)
            throw new DocFormatException($"{{retried-statuses:{mode}}} names no retry rule (Idempotent or UntilReached).");
        var statuses = RetryRules.RetriedStatuses(rule).Select(s => s.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToList();
        return statuses.Count switch
        {
            0 => "no status",
            1 => statuses[0],
            _ => string.Join(", ", statuses.Take(statuses.Count - 1)) + " or " + statuses[^1],
        };
    }

    /// <summary>GitHub's anchor of a heading: lower case, punctuation other than '-' and '_' dropped, spaces to '-'.</summary>
    public static string Anchor(string heading)
    {
        var chars = heading.Trim().ToLowerInvariant().Where(c => char.IsLetterOrDigit(c) || c is '-' or '_' or ' ').Select(c => c == ' ' ? '-' : c);
        return new string(chars.ToArray());
    }
}
