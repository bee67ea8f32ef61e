using System;
using System.Collections;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Text.Json;

namespace Cxpa.Engine.Zone
{
    /// <summary>
    /// JSON for JWT headers and claim sets as plain BCL values: string, long, double, bool, null,
    /// List&lt;object?&gt; and Dictionary&lt;string, object?&gt;. Stricter than most JSON readers on purpose:
    /// duplicate member names (at any depth), trailing content, comments and non-finite numbers are rejected.
    /// </summary>
    internal static class ZoneJson
    {
        internal const int MaxDepth = 64;

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
                    WriteValue(writer, member.Value, member.Key, 1);
                }
                writer.WriteEndObject();
            }
            return stream.ToArray();
        }

        private static void WriteValue(Utf8JsonWriter writer, object? value, string claim, int depth)
        {
            if (depth > MaxDepth) throw new ArgumentException($"The claim '{claim}' is nested deeper than {MaxDepth} levels (a cycle?).");
            switch (value)
            {
                case null: writer.WriteNullValue(); return;
                case string s: writer.WriteStringValue(s); return;
                case bool b: writer.WriteBooleanValue(b); return;
                case char c: writer.WriteStringValue(c.ToString()); return;
                case long l: writer.WriteNumberValue(l); return;
                case int i: writer.WriteNumberValue(i); return;
                case short sh: writer.WriteNumberValue(sh); return;
                case sbyte sb: writer.WriteNumberValue(sb); return;
                case byte by: writer.WriteNumberValue(by); return;
                case ushort us: writer.WriteNumberValue(us); return;
                case uint ui: writer.WriteNumberValue(ui); return;
                case ulong ul: writer.WriteNumberValue(ul); return;
                case decimal m: writer.WriteNumberValue(m); return;
                case double d:
                    if (double.IsNaN(d) || double.IsInfinity(d)) throw new ArgumentException($"The claim '{claim}' is not a finite number.");
                    writer.WriteNumberValue(d);
                    return;
                case float f:
                    if (float.IsNaN(f) || float.IsInfinity(f)) throw new ArgumentException($"The claim '{claim}' is not a finite number.");
                    writer.WriteNumberValue(f);
                    return;
                case Guid g: writer.WriteStringValue(g.ToString("D")); return;
                case DateTimeOffset dto: writer.WriteStringValue(dto.ToString("O", CultureInfo.InvariantCulture)); return;
                case DateTime dt: writer.WriteStringValue(dt.ToString("O", CultureInfo.InvariantCulture)); return;
                case Enum e: writer.WriteStringValue(e.ToString()); return;
                case JsonElement je: je.WriteTo(writer); return;
                case JsonDocument jd: jd.RootElement.WriteTo(writer); return;
                case IDictionary dict:
                    writer.WriteStartObject();
                    foreach (DictionaryEntry entry in dict)
                    {
                        if (!(entry.Key is string key)) throw new ArgumentException($"The claim '{claim}' holds a dictionary with a key that is not a string.");
                        writer.WritePropertyName(key);
                        WriteValue(writer, entry.Value, claim, depth + 1);
                    }
                    writer.WriteEndObject();
                    return;
                case IEnumerable<KeyValuePair<string, object?>> pairs:
                    writer.WriteStartObject();
                    foreach (var pair in pairs)
                    {
                        writer.WritePropertyName(pair.Key);
                        WriteValue(writer, pair.Value, claim, depth + 1);
                    }
                    writer.WriteEndObject();
                    return;
                case IEnumerable items:
                    writer.WriteStartArray();
                    foreach (var item in items) WriteValue(writer, item, claim, depth + 1);
                    writer.WriteEndArray();
                    return;
                default:
                    throw new ArgumentException($"The claim '{claim}' has a value of type {value.GetType().FullName}, which is not a plain JSON value (string, number, bool, null, list, dictionary).");
            }
        }
    }
}
