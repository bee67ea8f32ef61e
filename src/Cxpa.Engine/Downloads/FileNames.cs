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
        private static readonly Regex Reserved = new Regex(@"^(CON|PRN|AUX|NUL|CONIN\$|CONOUT\$|COM[0-9¹²³]|LPT[0-9¹²³])(\..*)?$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant);
        private const int MaxLength = 200;
        /// <summary>The longest file name, in UTF-8 bytes, that common file systems take (ext4, XFS, APFS, NTFS in UTF-16 units).</summary>
        public const int MaxNameBytes = 255;
        /// <summary>The longest extension kept when a name is cut, in UTF-8 bytes; a longer "extension" is cut with the stem.</summary>
        private const int MaxExtensionBytes = 32;
        /// <summary>The prefix and suffix of temporary download files: ".cxpa-&lt;8 hex&gt;.partial".</summary>
        public const string TempPrefix = ".cxpa-";
        /// <summary>The suffix of temporary download files.</summary>
        public const string TempSuffix = ".partial";

        /// <summary>The file name of a Content-Disposition header (filename* per RFC 5987/6266 before filename), sanitized; null when none.</summary>
        public static string? FromContentDisposition(string? header)
        {
            if (string.IsNullOrWhiteSpace(header)) return null;
            string? name = null;
            var star = Regex.Match(header, @"filename\*\s*=\s*([^;]+)", RegexOptions.IgnoreCase);
            if (star.Success) name = DecodeExtValue(star.Groups[1].Value.Trim());
            if (string.IsNullOrEmpty(name))
            {
                var plain = Regex.Match(header, "filename\\s*=\\s*(\"(?<q>(?:[^\"\\\\]|\\\\.)*)\"|(?<t>[^;]+))", RegexOptions.IgnoreCase);
                if (plain.Success)
                    name = plain.Groups["q"].Success ? Regex.Replace(plain.Groups["q"].Value, @"\\(.)", "$1") : plain.Groups["t"].Value.Trim();
            }
            return string.IsNullOrEmpty(name) ? null : Sanitize(name!);
        }

        private static string? DecodeExtValue(string v)
        {
            // charset'lang'percent-encoded
            var parts = v.Trim('"').Split(new[] { '\'' }, 3);
            if (parts.Length != 3) return null;
            Encoding enc;
            try { enc = string.Equals(parts[0], "ISO-8859-1", StringComparison.OrdinalIgnoreCase) ? Encoding.GetEncoding(28591) : new UTF8Encoding(false, true); }
            catch (ArgumentException) { return null; }
            try
            {
                var bytes = new System.Collections.Generic.List<byte>();
                var s = parts[2];
                for (int i = 0; i < s.Length; i++)
                {
                    if (s[i] == '%' && i + 2 < s.Length && byte.TryParse(s.Substring(i + 1, 2), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var b))
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
        /// (&lt;&gt;:"/\|?*) replaced by '_'; leading/trailing dots and spaces trimmed; '..' and empty names become
        /// "download"; reserved device names prefixed with '_'; at most 200 characters and 255 UTF-8 bytes, cut on a
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
                if (char.IsControl(c) || Array.IndexOf(Invalid, c) >= 0 || c == '\u202E' || c == '\u202D') sb.Append('_');
                else sb.Append(c);
            }
            var s = sb.ToString().Trim().Trim('.', ' ');
            if (s.Length == 0) s = "download";
            if (Reserved.IsMatch(s)) s = "_" + s;
            return Fit(s, MaxNameBytes, MaxLength);
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
