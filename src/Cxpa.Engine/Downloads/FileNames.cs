using System;
using System.Globalization;
using System.IO;
using System.Text;
using System.Text.RegularExpressions;

namespace Cxpa.Engine.Downloads
{
    /// <summary>Safe file names from Content-Disposition.</summary>
    public static class FileNames
    {
        private static readonly char[] Invalid = { '<', '>', ':', '"', '/', '\\', '|', '?', '*' };
        private static readonly Regex Reserved = new Regex(@"^(CON|PRN|AUX|NUL|CONIN\$|CONOUT\$|COM[0-9¹²³]|LPT[0-9¹²³])[ .]*(\..*)?$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant);
        private const int MaxLength = 200;
        /// <summary>The longest file name, in UTF-8 bytes, that common file systems take (ext4, XFS, APFS, NTFS in UTF-16 units).</summary>
        public const int MaxNameBytes = 255;
        /// <summary>The longest extension kept when a name is cut, in UTF-8 bytes; a longer "extension" is cut with the stem.</summary>
        private const int MaxExtensionBytes = 32;
        /// <summary>The prefix and suffix of temporary download files: ".cxpa-&lt;8 hex&gt;.partial".</summary>
        public const string TempPrefix = ".cxpa-";
        /// <summary>The suffix of temporary download files.</summary>
        public const string TempSuffix = ".partial";

        /// <summary>
        /// The file name of a Content-Disposition header (RFC 6266: filename* per RFC 5987 before filename), sanitized; null
        /// when none. The header is read as a disposition type followed by ";"-separated parameters, each a name, "=" and a
        /// token or quoted string: only a parameter named exactly filename* or filename counts, so neither a quoted value that
        /// contains "filename=" nor a parameter whose name ends in "filename" gives a name. The first of a repeated parameter wins.
        /// </summary>
        public static string? FromContentDisposition(string? header)
        {
            if (string.IsNullOrWhiteSpace(header)) return null;
            string? star = null, plain = null;
            foreach (var (key, value) in Parameters(header!))
            {
                if (star == null && string.Equals(key, "filename*", StringComparison.OrdinalIgnoreCase)) star = value;
                else if (plain == null && string.Equals(key, "filename", StringComparison.OrdinalIgnoreCase)) plain = value;
            }
            string? name = star != null ? DecodeExtValue(star) : null;
            if (string.IsNullOrEmpty(name)) name = plain;
            return string.IsNullOrEmpty(name) ? null : Sanitize(name!);
        }

        /// <summary>
        /// The parameters of a Content-Disposition value, in order: the disposition type (a part without "=") is skipped; each parameter is a name
        /// up to "=", then a quoted string (backslash escapes one character) or everything up to the next ";". A part without
        /// "=" is skipped. Quoted strings are read as a whole, so a ";" or "filename=" inside one is part of its value.
        /// </summary>
        internal static System.Collections.Generic.IEnumerable<(string Key, string Value)> Parameters(string header)
        {
            int i = 0;
            while (i < header.Length)
            {
                int eq = -1, semi = -1;
                for (int j = i; j < header.Length; j++)
                {
                    if (header[j] == '=') { eq = j; break; }
                    if (header[j] == ';') { semi = j; break; }
                }
                if (eq < 0)
                {
                    if (semi < 0) yield break;
                    i = semi + 1;
                    continue;
                }
                var key = header.Substring(i, eq - i).Trim();
                int k = eq + 1;
                while (k < header.Length && (header[k] == ' ' || header[k] == '\t')) k++;
                string value = ""; // assigned first: a mutant that drops a block assigning it still compiles
                if (k < header.Length && header[k] == '"')
                {
                    var sb = new StringBuilder();
                    k++;
                    while (k < header.Length && header[k] != '"')
                    {
                        if (header[k] == '\\' && k + 1 < header.Length) k++;
                        sb.Append(header[k]);
                        k++;
                    }
                    value = sb.ToString();
                    i = SkipPast(header, k);
                }
                else
                {
                    int end = header.IndexOf(';', k);
                    if (end < 0) end = header.Length;
                    value = header.Substring(k, end - k).Trim();
                    i = end + 1;
                }
                if (key.Length > 0) yield return (key, value);
            }
        }

        /// <summary>The index after the next ";" at or after <paramref name="from"/>, or the end.</summary>
        private static int SkipPast(string s, int from)
        {
            int semi = s.IndexOf(';', Math.Min(from, s.Length));
            return semi < 0 ? s.Length : semi + 1;
        }

        private static string? DecodeExtValue(string v)
        {
            // charset'lang'percent-encoded
            var parts = v.Trim('"').Split(new[] { '\'' }, 3);
            if (parts.Length != 3) return null;
            Encoding enc = Encoding.UTF8; // assigned first, as value above; the strict encoder is chosen below
            try { enc = string.Equals(parts[0], "ISO-8859-1", StringComparison.OrdinalIgnoreCase) ? Encoding.GetEncoding(28591) : new UTF8Encoding(false, true); }
            catch (ArgumentException) { return null; }
            try
            {
                var bytes = new System.Collections.Generic.List<byte>();
                var s = parts[2];
                byte b = 0;
                for (int i = 0; i < s.Length; i++)
                {
                    if (s[i] == '%' && i + 2 < s.Length && byte.TryParse(s.Substring(i + 1, 2), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out b))
                    {
                        bytes.Add(b);
                        i += 2;
                    }
                    else bytes.AddRange(Encoding.UTF8.GetBytes(s[i].ToString()));
                }
                return enc.GetString(bytes.ToArray());
            }
            catch (DecoderFallbackException) { return null; }
        }

        /// <summary>
        /// Makes a name safe on every platform: last path segment only; control characters and invalid characters
        /// (&lt;&gt;:"/\|?*) and bidirectional controls replaced by '_'; zero-width characters removed; leading/trailing
        /// dots and spaces trimmed; '..', empty names and names that show nothing (only format characters, dots and
        /// spaces) become "download"; reserved device names, also followed by spaces or dots ("CON .txt"), prefixed with '_'; at most 200 characters and 255 UTF-8 bytes, cut on a
        /// character boundary and keeping the extension.
        /// </summary>
        public static string Sanitize(string name)
        {
            var seg = name;
            int cut = Math.Max(seg.LastIndexOf('/'), seg.LastIndexOf('\\'));
            if (cut >= 0) seg = seg.Substring(cut + 1);
            var sb = new StringBuilder(seg.Length);
            foreach (var c in seg)
            {
                if (char.IsControl(c) || Array.IndexOf(Invalid, c) >= 0 || IsBidiControl(c)) sb.Append('_');
                else if (!IsZeroWidth(c)) sb.Append(c);
            }
            var s = sb.ToString().Trim().Trim('.', ' ');
            if (s.Length == 0 || OnlyInvisible(s)) s = "download";
            if (Reserved.IsMatch(s)) s = "_" + s;
            return Fit(s, MaxNameBytes, MaxLength);
        }

        /// <summary>The bidirectional controls (U+061C, U+200E, U+200F, U+202A-U+202E, U+2066-U+2069): they can make a name read backwards.</summary>
        internal static bool IsBidiControl(char c)
            => c == '\u061C' || c == '\u200E' || c == '\u200F' || (c >= '\u202A' && c <= '\u202E') || (c >= '\u2066' && c <= '\u2069');

        /// <summary>Characters with no width that nothing in a file name needs: U+200B, U+2060, U+FEFF, U+180E, U+034F, U+115F, U+1160, U+3164, U+FFA0.</summary>
        internal static bool IsZeroWidth(char c)
            => c == '\u200B' || c == '\u2060' || c == '\uFEFF' || c == '\u180E' || c == '\u034F' || c == '\u115F' || c == '\u1160' || c == '\u3164' || c == '\uFFA0';

        /// <summary>Whether a name shows nothing: only format characters (such as U+200C, U+200D), spaces and dots.</summary>
        private static bool OnlyInvisible(string s)
        {
            foreach (var c in s)
            {
                if (c == '.' || char.IsWhiteSpace(c)) continue;
                if (CharUnicodeInfo.GetUnicodeCategory(c) != UnicodeCategory.Format) return false;
            }
            return true;
        }

        /// <summary>
        /// A Content-Disposition value for forwarding <paramref name="name"/> to a browser: "attachment; filename=\"...\";
        /// filename*=UTF-8''...". The name is sanitized first (no control characters, CR or LF); the filename is its ASCII
        /// fallback (other characters, quotes and backslashes as '_'), the filename* its UTF-8 bytes percent-encoded (RFC 8187).
        /// </summary>
        public static string AttachmentHeader(string name)
        {
            var clean = Sanitize(name);
            var ascii = new StringBuilder(clean.Length);
            foreach (var c in clean) ascii.Append(c >= 0x20 && c < 0x7F && c != '"' && c != '\\' && c != '%' ? c : '_');
            var star = new StringBuilder();
            foreach (var b in Encoding.UTF8.GetBytes(clean))
            {
                var c = (char)b;
                if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || "!#$&+-.^_`|~".IndexOf(c) >= 0) star.Append(c);
                else star.Append('%').Append(b.ToString("X2", CultureInfo.InvariantCulture));
            }
            return $"attachment; filename=\"{ascii}\"; filename*=UTF-8''{star}";
        }

        /// <summary>A header value with its control characters (CR, LF and the rest) removed; null stays null.</summary>
        public static string? HeaderSafe(string? value)
        {
            if (value == null) return null;
            var sb = new StringBuilder(value.Length);
            foreach (var c in value) if (!char.IsControl(c)) sb.Append(c);
            return sb.ToString();
        }

        /// <summary>The UTF-8 length of a name.</summary>
        public static int Utf8Length(string name) => Encoding.UTF8.GetByteCount(name);

        /// <summary>
        /// Cuts <paramref name="name"/> to at most <paramref name="maxBytes"/> UTF-8 bytes (and <paramref name="maxChars"/>
        /// characters), on a text-element boundary (never inside a surrogate pair or a combining sequence), keeping the
        /// extension when it is short (up to 32 bytes). Trailing dots and spaces left by the cut are trimmed.
        /// </summary>
        public static string Fit(string name, int maxBytes = MaxNameBytes, int maxChars = int.MaxValue)
        {
            if (name == null) throw new ArgumentNullException(nameof(name));
            if (name.Length <= maxChars && Utf8Length(name) <= maxBytes) return name;
            var ext = Path.GetExtension(name);
            if (ext.Length == name.Length || Utf8Length(ext) > MaxExtensionBytes || ext.Length * 2 > maxChars) ext = "";
            var stem = name.Substring(0, name.Length - ext.Length);
            var stemBytes = maxBytes - Utf8Length(ext);
            var stemChars = maxChars == int.MaxValue ? int.MaxValue : maxChars - ext.Length;
            var sb = new StringBuilder();
            int bytes = 0;
            var e = StringInfo.GetTextElementEnumerator(stem);
            while (e.MoveNext())
            {
                var el = e.GetTextElement();
                var n = Utf8Length(el);
                if (bytes + n > stemBytes || sb.Length + el.Length > stemChars) break;
                sb.Append(el);
                bytes += n;
            }
            var cut = sb.ToString().TrimEnd('.', ' ');
            if (cut.Length == 0) cut = "download";
            return cut + ext;
        }

        /// <summary>A short temporary file name, independent of the target's name: ".cxpa-&lt;8 hex&gt;.partial" (22 bytes).</summary>
        public static string TempName() => TempPrefix + Guid.NewGuid().ToString("N").Substring(0, 8) + TempSuffix;

        /// <summary>Combines a directory and a name, and checks the full path stays inside the directory.</summary>
        public static string CombineInside(string directory, string fileName)
        {
            var dir = Path.GetFullPath(directory);
            var full = Path.GetFullPath(Path.Combine(dir, fileName));
            var prefix = dir.EndsWith(Path.DirectorySeparatorChar.ToString(), StringComparison.Ordinal) ? dir : dir + Path.DirectorySeparatorChar;
            if (!full.StartsWith(prefix, StringComparison.Ordinal) || Path.GetFileName(full).Length == 0)
                throw new CxpaDownloadException($"The file name '{fileName}' does not stay inside '{dir}'.");
            return full;
        }

        /// <summary>The first "name (n).ext" that does not exist; the stem is cut so that the name stays within 255 UTF-8 bytes.</summary>
        public static string FreeName(string path)
        {
            var dir = Path.GetDirectoryName(path) ?? ".";
            var stem = Path.GetFileNameWithoutExtension(path);
            var ext = Path.GetExtension(path);
            for (int i = 1; ; i++)
            {
                var suffix = $" ({i})";
                var room = Fit(stem + ext, MaxNameBytes - Utf8Length(suffix));
                var roomExt = Path.GetExtension(room);
                var name = room.Substring(0, room.Length - roomExt.Length) + suffix + roomExt;
                var p = Path.Combine(dir, name);
                if (!File.Exists(p) && !Directory.Exists(p)) return p;
            }
        }
    }
}
