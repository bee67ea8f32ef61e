namespace Cxpa.Engine.Zone
{
    /// <summary>
    /// Strict base64url (RFC 4648 §5, no padding) for JWS segments: only <c>A-Z a-z 0-9 - _</c>, no <c>=</c>,
    /// no whitespace, and canonical only (the unused low bits of the last character must be zero), so one byte
    /// string has exactly one encoding and a signature cannot be re-spelled.
    /// </summary>
    internal static class Base64Url
    {
        private const string Alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

        // -1 for every character outside the base64url alphabet.
        private static readonly sbyte[] Map = BuildMap();

        private static sbyte[] BuildMap()
        {
            var map = new sbyte[128];
            for (int i = 0; i < map.Length; i++) map[i] = -1;
            for (int i = 0; i < Alphabet.Length; i++) map[Alphabet[i]] = (sbyte)i;
            return map;
        }

        /// <summary>The 6-bit value of c, or -1 when c is not a base64url character.</summary>
        internal static int ValueOf(char c) => c < 128 ? Map[c] : -1;

        /// <summary>True when every character of s[start..start+length) is in the base64url alphabet.</summary>
        internal static bool IsAlphabet(string s, int start, int length)
        {
            int end = start + length;
            for (int i = start; i < end; i++)
            {
                char c = s[i];
                if (c >= 128 || Map[c] < 0) return false;
            }
            return true;
        }

        /// <summary>How many bytes a segment of this length decodes to, or -1 when no base64url text has that length.</summary>
        internal static int DecodedLength(int length)
        {
            int rem = length & 3;
            if (rem == 1) return -1;
            return (length >> 2) * 3 + (rem == 0 ? 0 : rem - 1);
        }

        /// <summary>
        /// Decodes s[start..start+length) into a new array. Null when the text is not strict canonical base64url.
        /// </summary>
        internal static byte[]? Decode(string s, int start, int length)
        {
            int outLength = DecodedLength(length);
            if (outLength < 0) return null;
            var output = new byte[outLength];
            return TryDecode(s, start, length, output) ? output : null;
        }

        /// <summary>Decodes into output, which must be exactly DecodedLength(length) long.</summary>
        internal static bool TryDecode(string s, int start, int length, byte[] output)
        {
            int full = length >> 2;
            int i = start, o = 0;
            for (int q = 0; q < full; q++, i += 4)
            {
                int a = ValueOf(s[i]), b = ValueOf(s[i + 1]), c = ValueOf(s[i + 2]), d = ValueOf(s[i + 3]);
                if ((a | b | c | d) < 0) return false;
                int v = (a << 18) | (b << 12) | (c << 6) | d;
                output[o++] = (byte)(v >> 16);
                output[o++] = (byte)(v >> 8);
                output[o++] = (byte)v;
            }
            int rem = length & 3;
            if (rem == 2)
            {
                int a = ValueOf(s[i]), b = ValueOf(s[i + 1]);
                if ((a | b) < 0 || (b & 0x0F) != 0) return false;
                output[o] = (byte)((a << 2) | (b >> 4));
            }
            else if (rem == 3)
            {
                int a = ValueOf(s[i]), b = ValueOf(s[i + 1]), c = ValueOf(s[i + 2]);
                if ((a | b | c) < 0 || (c & 0x03) != 0) return false;
                int v = (a << 12) | (b << 6) | c;
                output[o++] = (byte)(v >> 10);
                output[o] = (byte)(v >> 2);
            }
            else if (rem == 1)
            {
                return false;
            }
            return true;
        }

        /// <summary>Encodes without padding.</summary>
        internal static string Encode(byte[] data) => Encode(data, 0, data.Length);

        internal static string Encode(byte[] data, int offset, int count)
        {
            int full = count / 3, rem = count % 3;
            var chars = new char[full * 4 + (rem == 0 ? 0 : rem + 1)];
            int i = offset, o = 0;
            for (int q = 0; q < full; q++, i += 3)
            {
                int v = (data[i] << 16) | (data[i + 1] << 8) | data[i + 2];
                chars[o++] = Alphabet[(v >> 18) & 63];
                chars[o++] = Alphabet[(v >> 12) & 63];
                chars[o++] = Alphabet[(v >> 6) & 63];
                chars[o++] = Alphabet[v & 63];
            }
            if (rem == 1)
            {
                int v = data[i] << 16;
                chars[o++] = Alphabet[(v >> 18) & 63];
                chars[o] = Alphabet[(v >> 12) & 63];
            }
            else if (rem == 2)
            {
                int v = (data[i] << 16) | (data[i + 1] << 8);
                chars[o++] = Alphabet[(v >> 18) & 63];
                chars[o++] = Alphabet[(v >> 12) & 63];
                chars[o] = Alphabet[(v >> 6) & 63];
            }
            return new string(chars);
        }
    }
}
