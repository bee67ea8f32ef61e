using System;
using System.Collections;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Text;
using System.Text.Json;

namespace Cxpa.Engine.Json
{
    /// <summary>Conversion between JSON and plain .NET values, without reflection.</summary>
    public static class JsonTree
    {
        /// <summary>Deepest nesting accepted both ways.</summary>
        public const int MaxDepth = 64;

        internal static readonly JsonDocumentOptions DocumentOptions = new JsonDocumentOptions { MaxDepth = MaxDepth };
        private static readonly JsonWriterOptions WriterOptions = new JsonWriterOptions { SkipValidation = false };

        internal static string KindName(JsonValueKind kind) => kind switch
        {
            JsonValueKind.Array => "an array",
            JsonValueKind.String => "a string",
            JsonValueKind.Number => "a number",
            JsonValueKind.True or JsonValueKind.False => "a boolean",
            JsonValueKind.Null => "null",
            _ => "an object",
        };

        /// <summary>Converts a JSON element into plain values made by the factory.</summary>
        public static object? ToValue(JsonElement e, IJsonObjectFactory factory)
        {
            switch (e.ValueKind)
            {
                case JsonValueKind.Object:
                    var props = new List<KeyValuePair<string, object?>>();
                    foreach (var p in e.EnumerateObject()) props.Add(new KeyValuePair<string, object?>(p.Name, ToValue(p.Value, factory)));
                    return factory.CreateObject(props);
                case JsonValueKind.Array:
                    var items = new List<object?>(e.GetArrayLength());
                    foreach (var i in e.EnumerateArray()) items.Add(ToValue(i, factory));
                    return factory.CreateArray(items);
                case JsonValueKind.String:
                    return e.GetString();
                case JsonValueKind.Number:
                    if (e.TryGetInt64(out var l)) return l;
                    if (e.TryGetDecimal(out var m) && !e.GetRawText().Contains("e") && !e.GetRawText().Contains("E")) return m;
                    return e.GetDouble();
                case JsonValueKind.True: return true;
                case JsonValueKind.False: return false;
                default: return null;
            }
        }

        /// <summary>
        /// Checks that a parsed answer can be read whole before anything is made of it: every string and key is text
        /// (System.Text.Json parses a lone surrogate escape or invalid UTF-8 and only refuses it when the string is read),
        /// and the factory can hold every key. Throws <see cref="UnreadableAnswerException"/> naming the place (a JSON path
        /// of keys that are themselves readable), never the value.
        /// </summary>
        public static void CheckAnswer(JsonElement e, IJsonObjectFactory factory)
        {
            if (factory == null) throw new ArgumentNullException(nameof(factory));
            Check(e, factory, "$");
        }

        private static void Check(JsonElement e, IJsonObjectFactory factory, string path)
        {
            switch (e.ValueKind)
            {
                case JsonValueKind.Object:
                    foreach (var p in e.EnumerateObject())
                    {
                        string name;
                        try { name = p.Name; }
                        catch (InvalidOperationException) { throw new UnreadableAnswerException($"a key in {path} is not text (a lone surrogate or invalid UTF-8)."); }
                        var why = factory.Refuses(name);
                        if (why != null) throw new UnreadableAnswerException($"{path} has {why}.");
                        Check(p.Value, factory, path + "." + (IsPlainName(name) ? name : "?"));
                    }
                    return;
                case JsonValueKind.Array:
                    var i = 0;
                    foreach (var item in e.EnumerateArray()) Check(item, factory, path + "[" + (i++).ToString(CultureInfo.InvariantCulture) + "]");
                    return;
                case JsonValueKind.String:
                    try { e.GetString(); }
                    catch (InvalidOperationException) { throw new UnreadableAnswerException($"the string at {path} is not text (a lone surrogate or invalid UTF-8)."); }
                    return;
            }
        }

        /// <summary>A key shown in a path as it is: short, letters, digits, '_' and '-' only (any other stays out of messages).</summary>
        private static bool IsPlainName(string name)
        {
            if (name.Length == 0 || name.Length > 64) return false;
            foreach (var c in name)
                if (!(c < 128 && (char.IsLetterOrDigit(c) || c == '_' || c == '-'))) return false;
            return true;
        }

        /// <summary>Parses JSON text into plain values.</summary>
        public static object? Parse(string json, IJsonObjectFactory? factory = null)
        {
            using var doc = JsonDocument.Parse(json, DocumentOptions);
            return ToValue(doc.RootElement, factory ?? DictionaryObjectFactory.Instance);
        }

        /// <summary>Serializes a plain value (dictionaries, lists, primitives, JsonText) to UTF-8 JSON.</summary>
        public static byte[] Serialize(object? value)
        {
            using var ms = new MemoryStream();
            using (var w = new Utf8JsonWriter(ms, WriterOptions)) Write(w, value, 0);
            return ms.ToArray();
        }

        /// <summary>Serializes a plain value to a JSON string.</summary>
        public static string SerializeToString(object? value) => Encoding.UTF8.GetString(Serialize(value));

        /// <summary>Writes a plain value.</summary>
        public static void Write(Utf8JsonWriter w, object? value, int depth = 0) => Write(w, value, depth, JsonValueRules.Lenient);

        /// <summary>
        /// True for a value <see cref="Write(Utf8JsonWriter, object?, int)"/> writes as a JSON scalar of its own type: text, a
        /// char, a boolean, a number, DateTime/DateTimeOffset (ISO 8601), a Guid, a Uri, a TimeSpan ("c"), an enum (its name)
        /// or <see cref="JsonText"/>. Anything else that is not a dictionary or a sequence would be written as its text.
        /// </summary>
        public static bool IsScalar(object? value) => value != null && WriteScalar(null, value, JsonValueRules.Lenient);

        /// <summary>The one value writer: request bodies (lenient rules) and JWT claims (strict rules).</summary>
        internal static void Write(Utf8JsonWriter w, object? value, int depth, JsonValueRules rules)
        {
            if (depth > MaxDepth) throw rules.TooDeep();
            switch (value)
            {
                case null: w.WriteNullValue(); return;
                case JsonElement je: je.WriteTo(w); return;
                case JsonDocument jd: jd.RootElement.WriteTo(w); return;
                case IDictionary dict:
                    w.WriteStartObject();
                    foreach (DictionaryEntry de in dict)
                    {
                        w.WritePropertyName(KeyText(de.Key, rules));
                        Write(w, de.Value, depth + 1, rules);
                    }
                    w.WriteEndObject();
                    return;
                case IEnumerable<KeyValuePair<string, object?>> pairs:
                    w.WriteStartObject();
                    foreach (var kv in pairs)
                    {
                        w.WritePropertyName(kv.Key);
                        Write(w, kv.Value, depth + 1, rules);
                    }
                    w.WriteEndObject();
                    return;
                default:
                    if (WriteScalar(w, value, rules)) return;
                    var seq = value as IEnumerable; // not a pattern variable: a mutant of the test below still compiles
                    if (seq != null)
                    {
                        w.WriteStartArray();
                        foreach (var item in seq) Write(w, item, depth + 1, rules);
                        w.WriteEndArray();
                        return;
                    }
                    if (rules.IsStrict) throw rules.NotPlain(value);
                    w.WriteStringValue(Convert.ToString(value, CultureInfo.InvariantCulture));
                    return;
            }
        }

        private static string KeyText(object key, JsonValueRules rules)
        {
            if (!rules.IsStrict) return Convert.ToString(key, CultureInfo.InvariantCulture) ?? "";
            return key as string ?? throw rules.KeyNotText();
        }

        /// <summary>Writes a scalar (only classifies it when <paramref name="w"/> is null); false when the value is not one.</summary>
        private static bool WriteScalar(Utf8JsonWriter? w, object value, JsonValueRules rules)
        {
            switch (value)
            {
                case string s: w?.WriteStringValue(s); return true;
                case char c: w?.WriteStringValue(c.ToString()); return true;
                case bool b: w?.WriteBooleanValue(b); return true;
                case byte or sbyte or short or ushort or int or uint or long:
                    w?.WriteNumberValue(Convert.ToInt64(value, CultureInfo.InvariantCulture)); return true;
                case ulong ul: w?.WriteNumberValue(ul); return true;
                case float f:
                    if (float.IsNaN(f) || float.IsInfinity(f)) return WriteNonFinite(w, rules);
                    // Claims keep a float's own shortest form; bodies have always written it widened to double.
                    if (rules.IsStrict) w?.WriteNumberValue(f);
                    else w?.WriteNumberValue((double)f);
                    return true;
                case double d:
                    if (double.IsNaN(d) || double.IsInfinity(d)) return WriteNonFinite(w, rules);
                    w?.WriteNumberValue(d); return true;
                case decimal m: w?.WriteNumberValue(m); return true;
                case DateTimeOffset dto: w?.WriteStringValue(dto.ToString("o", CultureInfo.InvariantCulture)); return true;
                case DateTime dt: w?.WriteStringValue(dt.ToString("o", CultureInfo.InvariantCulture)); return true;
                case Guid g: w?.WriteStringValue(g.ToString()); return true;
                case Enum en: w?.WriteStringValue(en.ToString()); return true;
            }
            if (rules.IsStrict) return false;
            switch (value)
            {
                case JsonText t:
                    if (w != null) using (var doc = JsonDocument.Parse(t.Text, DocumentOptions)) doc.RootElement.WriteTo(w);
                    return true;
                case System.Numerics.BigInteger bi: w?.WriteRawValue(bi.ToString(CultureInfo.InvariantCulture)); return true;
                case Uri u: w?.WriteStringValue(u.OriginalString); return true;
                case TimeSpan ts: w?.WriteStringValue(ts.ToString("c", CultureInfo.InvariantCulture)); return true;
                default: return false;
            }
        }

        private static bool WriteNonFinite(Utf8JsonWriter? w, JsonValueRules rules)
        {
            if (rules.IsStrict) throw rules.NotFinite();
            w?.WriteNullValue();
            return true;
        }
    }
}
