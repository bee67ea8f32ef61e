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
            // One out variable per branch: a mutant of a shared one's condition would not compile (Stryker then drops the method's mutants).
            if (v.ValueKind == JsonValueKind.Number) return v.TryGetInt64(out var n) ? n : (long?)null;
            if (v.ValueKind == JsonValueKind.String) return long.TryParse(v.GetString(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var s) ? s : (long?)null;
            return null;
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

        public static DateTimeOffset? Date(JsonElement v)
        {
            if (v.ValueKind == JsonValueKind.String
                && DateTimeOffset.TryParse(v.GetString(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var d))
                return d;
            if (v.ValueKind == JsonValueKind.Number && v.TryGetInt64(out var secs))
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
