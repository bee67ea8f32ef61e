using System.Collections;
using System.Collections.Generic;
using System.Text;

namespace Cxpa
{
    /// <summary>
    /// Makes text from the platform or from an agent safe to write to a terminal: every C0 control character (U+0000 to
    /// U+001F, except tab, and line feed where a newline fits) and DEL becomes its visible Control Picture (ESC is shown as
    /// U+241B, so an escape sequence is printed instead of obeyed), every C1 control character (U+0080 to U+009F) and every
    /// lone surrogate becomes U+FFFD. The module passes every server- or agent-sourced string it writes to a message, a view,
    /// progress or verbose through here; the objects' own properties keep the text as received.
    /// </summary>
    public static class TerminalText
    {
        /// <summary>
        /// The text with control characters made visible; tab, line feed and CR LF are kept. Null stays null.
        /// For messages and multi-line values.
        /// </summary>
        public static string? Clean(string? text) => Clean(text, true);

        /// <summary>The text on one line: as <see cref="Clean(string?)"/>, and a line feed is shown as U+240A too. For table cells, status, progress and verbose lines.</summary>
        public static string? CleanLine(string? text) => Clean(text, false);

        /// <summary>A value as a list view shows it (a string as it is, a dictionary as {[k, v]}, a sequence as {a, b}, anything else by its string form), cleaned.</summary>
        public static string? CleanValue(object? value)
        {
            switch (value)
            {
                case null: return null;
                case string s: return Clean(s);
                case IDictionary d:
                    var entries = new List<string>();
                    foreach (DictionaryEntry e in d) entries.Add("[" + e.Key + ", " + e.Value + "]");
                    return Clean("{" + string.Join(", ", entries) + "}");
                case IEnumerable seq:
                    var parts = new List<string>();
                    foreach (var item in seq) parts.Add(item?.ToString() ?? "");
                    return Clean("{" + string.Join(", ", parts) + "}");
                default: return Clean(value.ToString());
            }
        }

        private static bool IsClean(string text, bool allowNewline)
        {
            for (var i = 0; i < text.Length; i++)
                if (Replacement(text, i, allowNewline) != null) return false;
            return true;
        }

        private static string? Clean(string? text, bool allowNewline)
        {
            if (text == null || IsClean(text, allowNewline)) return text;
            var sb = new StringBuilder(text.Length + 8);
            for (var i = 0; i < text.Length; i++)
            {
                var c = text[i];
                if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
                {
                    sb.Append(c).Append(text[++i]);
                    continue;
                }
                var r = Replacement(text, i, allowNewline);
                if (r != null) sb.Append(r.Value);
                else sb.Append(c);
            }
            return sb.ToString();
        }

        /// <summary>What the character at <paramref name="i"/> is shown as, or null when it is shown as it is.</summary>
        private static char? Replacement(string text, int i, bool allowNewline)
        {
            var c = text[i];
            if (c < 0x20)
            {
                if (c == '\t' || (c == '\n' && allowNewline)) return null;
                if (c == '\r' && allowNewline && i + 1 < text.Length && text[i + 1] == '\n') return null;
                return (char)(0x2400 + c);
            }
            if (c < 0x7F) return null;
            if (c == 0x7F) return '\u2421';
            if (c <= 0x9F) return '\uFFFD';
            if (char.IsHighSurrogate(c)) return i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]) ? (char?)null : '\uFFFD';
            if (char.IsLowSurrogate(c)) return i > 0 && char.IsHighSurrogate(text[i - 1]) ? (char?)null : '\uFFFD';
            return null;
        }
    }
}
