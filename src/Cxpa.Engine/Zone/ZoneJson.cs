using System;
using System.Collections.Generic;
using System.IO;
using System.Text.Json;
using Cxpa.Engine.Json;

namespace Cxpa.Engine.Zone
{
    /// <summary>
    /// JSON for JWT headers and claim sets as plain BCL values: string, long, double, bool, null,
    /// List&lt;object?&gt; and Dictionary&lt;string, object?&gt;. Stricter than most JSON readers on purpose:
    /// duplicate member names (at any depth), trailing content, comments and non-finite numbers are rejected.
    /// </summary>
    internal static class ZoneJson
    {
        internal const int MaxDepth = JsonTree.MaxDepth;

        private static readonly JsonReaderOptions ReaderOptions = new JsonReaderOptions
        {
            CommentHandling = JsonCommentHandling.Disallow,
            AllowTrailingCommas = false,
            MaxDepth = MaxDepth,
        };

        private static readonly JsonWriterOptions WriterOptions = new JsonWriterOptions { Indented = false, SkipValidation = false };

        /// <summary>Parses a UTF-8 JSON text that must be a single object. Null when it is anything else; never throws.</summary>
        internal static Dictionary<string, object?>? ParseObject(byte[] utf8)
        {
            try
            {
                var reader = new Utf8JsonReader(utf8, ReaderOptions);
                if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject) return null;
                var result = ReadObject(ref reader);
                if (result == null) return null;
                // Anything but whitespace after the object makes Read throw or return true.
                if (reader.Read()) return null;
                return result;
            }
            catch (Exception)
            {
                // JsonException for bad JSON, InvalidOperationException for invalid UTF-8 or lone surrogates in strings.
                return null;
            }
        }

        private static Dictionary<string, object?>? ReadObject(ref Utf8JsonReader reader)
        {
            var dict = new Dictionary<string, object?>(StringComparer.Ordinal);
            while (true)
            {
                if (!reader.Read()) return null;
                if (reader.TokenType == JsonTokenType.EndObject) return dict;
                if (reader.TokenType != JsonTokenType.PropertyName) return null;
                string name = reader.GetString()!;
                if (!reader.Read()) return null;
                if (!TryReadValue(ref reader, out object? value)) return null;
                if (dict.ContainsKey(name)) return null; // duplicate member: ambiguous, reject
                dict.Add(name, value);
            }
        }

        private static List<object?>? ReadArray(ref Utf8JsonReader reader)
        {
            var list = new List<object?>();
            while (true)
            {
                if (!reader.Read()) return null;
                if (reader.TokenType == JsonTokenType.EndArray) return list;
                if (!TryReadValue(ref reader, out object? value)) return null;
                list.Add(value);
            }
        }

        private static bool TryReadValue(ref Utf8JsonReader reader, out object? value)
        {
            switch (reader.TokenType)
            {
                case JsonTokenType.String:
                    value = reader.GetString();
                    return true;
                case JsonTokenType.Number:
                    if (reader.TryGetInt64(out long l)) { value = l; return true; }
                    if (reader.TryGetDouble(out double d) && !double.IsNaN(d) && !double.IsInfinity(d)) { value = d; return true; }
                    value = null;
                    return false;
                case JsonTokenType.True:
                    value = true;
                    return true;
                case JsonTokenType.False:
                    value = false;
                    return true;
                case JsonTokenType.Null:
                    value = null;
                    return true;
                case JsonTokenType.StartObject:
                    value = ReadObject(ref reader);
                    return value != null;
                case JsonTokenType.StartArray:
                    value = ReadArray(ref reader);
                    return value != null;
                default:
                    value = null;
                    return false;
            }
        }

        /// <summary>Serializes claims (in their enumeration order) as a compact UTF-8 JSON object.</summary>
        internal static byte[] WriteObject(IEnumerable<KeyValuePair<string, object?>> members)
        {
            using var stream = new MemoryStream(256);
            using (var writer = new Utf8JsonWriter(stream, WriterOptions))
            {
                writer.WriteStartObject();
                var seen = new HashSet<string>(StringComparer.Ordinal);
                foreach (var member in members)
                {
                    if (member.Key == null) throw new ArgumentException("A claim name is null.");
                    if (!seen.Add(member.Key)) throw new ArgumentException($"The claim '{member.Key}' is given twice.");
                    writer.WritePropertyName(member.Key);
                    JsonTree.Write(writer, member.Value, 1, JsonValueRules.Strict($"The claim '{member.Key}'"));
                }
                writer.WriteEndObject();
            }
            return stream.ToArray();
        }
    }
}
