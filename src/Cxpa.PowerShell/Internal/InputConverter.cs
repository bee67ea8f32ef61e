using System;
using System.Collections;
using System.Collections.Generic;
using System.Management.Automation;
using Cxpa.Engine.Json;

namespace Cxpa.PowerShell.Internal
{
    /// <summary>Turns what a user passes as -InputObject/-Output/-Metadata into plain values the engine serializes.</summary>
    internal static class InputConverter
    {
        /// <summary>A top-level JSON object: a hashtable/dictionary, a PSCustomObject, or JSON text of an object.</summary>
        public static object? ToJsonObject(object? value, string parameterName)
        {
            var v = Unwrap(value);
            switch (v)
            {
                case null: return null;
                case string s:
                    try { return new JsonText(s); }
                    catch (ArgumentException ex) { throw new ArgumentException($"-{parameterName}: {ex.Message}", parameterName, ex); }
                case IDictionary d: return ConvertDictionary(d, 0);
                case PSCustomObject _: return ConvertCustom((PSObject)value!, 0);
                default:
                    throw new ArgumentException(
                        $"-{parameterName} must be a hashtable, a PSCustomObject or JSON text of an object, not {v.GetType().FullName}.", parameterName);
            }
        }

        /// <summary>Any JSON value (for -Output, which may be an object, an array or a scalar).</summary>
        public static object? ToJsonValue(object? value, string parameterName)
        {
            var v = Unwrap(value);
            if (v is string s && LooksLikeJson(s))
            {
                try { return new JsonText(s); } catch (ArgumentException) { return s; }
            }
            return Convert(value, 0);
        }

        private static bool LooksLikeJson(string s)
        {
            var t = s.TrimStart();
            return t.StartsWith("{", StringComparison.Ordinal);
        }

        private static object? Unwrap(object? value) => value is PSObject p ? p.BaseObject : value;

        private static object? Convert(object? value, int depth)
        {
            if (depth > JsonTree.MaxDepth) throw new ArgumentException($"The value is nested deeper than {JsonTree.MaxDepth} levels (or refers to itself).");
            if (value is PSObject pso)
            {
                if (pso.BaseObject is PSCustomObject) return ConvertCustom(pso, depth);
                value = pso.BaseObject;
            }
            switch (value)
            {
                case null: return null;
                case string _: case bool _: case char _:
                case byte _: case sbyte _: case short _: case ushort _: case int _: case uint _: case long _: case ulong _:
                case float _: case double _: case decimal _: case System.Numerics.BigInteger _:
                case DateTime _: case DateTimeOffset _: case Guid _: case Uri _: case TimeSpan _: case Enum _:
                case JsonText _:
                    return value;
                case System.Security.SecureString _:
                    throw new ArgumentException("A SecureString cannot be sent as JSON; convert it deliberately if you mean to send it.");
                case IDictionary d: return ConvertDictionary(d, depth);
                case IEnumerable e:
                    var list = new List<object?>();
                    foreach (var item in e) list.Add(Convert(item, depth + 1));
                    return list;
                default:
                    return ConvertCustom(PSObject.AsPSObject(value), depth);
            }
        }

        private static Dictionary<string, object?> ConvertDictionary(IDictionary d, int depth)
        {
            var r = new Dictionary<string, object?>(StringComparer.Ordinal);
            foreach (DictionaryEntry de in d)
                r[System.Convert.ToString(de.Key, System.Globalization.CultureInfo.InvariantCulture) ?? ""] = Convert(de.Value, depth + 1);
            return r;
        }

        private static Dictionary<string, object?> ConvertCustom(PSObject o, int depth)
        {
            var r = new Dictionary<string, object?>(StringComparer.Ordinal);
            var custom = o.BaseObject is PSCustomObject;
            foreach (var p in o.Properties)
            {
                if (!p.IsGettable) continue;
                if (custom && p.MemberType != PSMemberTypes.NoteProperty) continue;
                if (!custom && p.MemberType != PSMemberTypes.Property && p.MemberType != PSMemberTypes.NoteProperty) continue;
                object? v;
                try { v = p.Value; } catch (GetValueException) { continue; }
                r[p.Name] = Convert(v, depth + 1);
            }
            return r;
        }

        /// <summary>A redacted summary of a body for -WhatIf and Verbose: key names only, never values.</summary>
        public static string Summarize(object? value)
        {
            switch (value)
            {
                case null: return "no input";
                case JsonText t:
                    var parsed = JsonTree.Parse(t.Text) as IDictionary<string, object?>;
                    return parsed == null ? "JSON text" : Keys(parsed.Keys);
                case IDictionary<string, object?> d: return Keys(d.Keys);
                default: return value.GetType().Name;
            }
        }

        private static string Keys(ICollection<string> keys)
        {
            if (keys.Count == 0) return "an empty object";
            var names = new List<string>(keys);
            var shown = names.Count > 8 ? string.Join(", ", names.GetRange(0, 8)) + $", … ({names.Count} keys)" : string.Join(", ", names);
            return "an object with keys " + shown + " (values not shown)";
        }
    }
}
