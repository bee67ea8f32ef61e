using System;
using System.Globalization;
using System.Text.Json;

namespace Cxpa.Engine.Json
{
    /// <summary>Lenient readers of JSON values the platform sends (numbers as numbers or strings, error texts).</summary>
    internal static class JsonRead
    {
        public static long? Int64(JsonElement v)
        {
            // Out targets are declared and assigned first, and each Try call is a statement of its own: every Stryker
            // mutant of the conditions then still compiles (an out variable declared in a mutated condition does not).
            long n = 0;
            bool ok = false;
            if (v.ValueKind == JsonValueKind.Number) ok = v.TryGetInt64(out n);
            else if (v.ValueKind == JsonValueKind.String) ok = long.TryParse(v.GetString(), NumberStyles.Integer, CultureInfo.InvariantCulture, out n);
            return ok ? n : (long?)null;
        }

        public static int? Int32(JsonElement v)
        {
            var l = Int64(v);
            return l is >= int.MinValue and <= int.MaxValue ? (int?)l : null;
        }

        public static string? String(JsonElement v) => v.ValueKind switch
        {
            JsonValueKind.String => v.GetString(),
            JsonValueKind.Null or JsonValueKind.Undefined => null,
            _ => v.GetRawText(),
        };

        public static bool? Bool(JsonElement v) => v.ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            _ => null,
        };

        /// <summary>An object's member, or a JSON value of kind Undefined when it has none (as <see cref="JsonElement.TryGetProperty(string, out JsonElement)"/>, it throws when <paramref name="obj"/> is not an object).</summary>
        public static JsonElement Member(JsonElement obj, string name)
        {
            JsonElement value = default;
            obj.TryGetProperty(name, out value);
            return value;
        }

        private const long MinUnixSeconds = -62135596800, MaxUnixSeconds = 253402300799;

        public static DateTimeOffset? Date(JsonElement v)
        {
            // Out targets assigned first, as in Int64.
            DateTimeOffset d = default;
            long secs = 0;
            if (v.ValueKind == JsonValueKind.String)
                return DateTimeOffset.TryParse(v.GetString(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out d)
                    ? d : (DateTimeOffset?)null;
            // Seconds no date can hold (before 0001-01-01 or after 9999-12-31) are no date, as an unreadable text is.
            if (v.ValueKind == JsonValueKind.Number && v.TryGetInt64(out secs) && secs >= MinUnixSeconds && secs <= MaxUnixSeconds)
                return DateTimeOffset.FromUnixTimeSeconds(secs);
            return null;
        }

        /// <summary>The error of a run row: a string, or an object's message.</summary>
        public static string? ErrorText(JsonElement v)
        {
            if (v.ValueKind == JsonValueKind.Object)
            {
                if (v.TryGetProperty("message", out var m) && m.ValueKind == JsonValueKind.String) return m.GetString();
                return v.GetRawText();
            }
            return String(v);
        }
    }
}
