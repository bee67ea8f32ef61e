using System;
using System.Collections;
using System.Collections.Generic;
using System.Globalization;
using System.Management.Automation;
using System.Runtime.CompilerServices;
using System.Text;
using Cxpa.Engine.Json;

namespace Cxpa.PowerShell.Internal
{
    /// <summary>A value refused by the input policy; <see cref="Path"/> names where (input.items[2].p), for TargetObject.</summary>
    internal sealed class InputPolicyException : ArgumentException
    {
        public InputPolicyException(string message, string path) : base(message) => Path = path;

        /// <summary>Where the refused value is: the body field (input, metadata, output) then keys and [indexes].</summary>
        public string Path { get; }
    }

    /// <summary>
    /// Turns what a user passes as -InputObject/-Output/-Metadata into plain values the engine serializes, under one policy:
    /// plain data only, at every depth. Dictionaries (any IDictionary), [pscustomobject] (note properties), arrays and lists,
    /// strings, chars, numbers, booleans, null, DateTime/DateTimeOffset (ISO 8601), Guid, Uri, TimeSpan ("c": [d.]hh:mm:ss[.f]),
    /// enums (their name) and, where the cmdlet documents it, JSON text. A PSObject around a plain value is unwrapped.
    /// Anything else is refused with its path and type before anything is sent, as are NaN/Infinity, keys that are not text or
    /// whole numbers, keys that name the same JSON property, nesting deeper than <see cref="JsonTree.MaxDepth"/> and cycles.
    /// </summary>
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
                    catch (ArgumentException ex) { throw new InputPolicyException($"-{parameterName}: {ex.Message}", RootName(parameterName)); }
                case IDictionary _:
                case PSCustomObject _:
                    return new Walk(parameterName).Convert(value);
                default:
                    if (JsonTree.IsScalar(v) || v is IEnumerable)
                        throw new InputPolicyException(
                            $"-{parameterName} must be a hashtable, a PSCustomObject or JSON text of an object, not {v.GetType().FullName}.", RootName(parameterName));
                    return new Walk(parameterName).Convert(value); // refused with the plain-data message
            }
        }

        /// <summary>Any JSON value (for -Output, which may be an object, an array or a scalar); text that starts with { and parses is JSON.</summary>
        public static object? ToJsonValue(object? value, string parameterName)
        {
            var v = Unwrap(value);
            if (v is string s && LooksLikeJson(s))
            {
                try { return new JsonText(s); } catch (ArgumentException) { return s; }
            }
            return new Walk(parameterName).Convert(value);
        }

        /// <summary>The name the body gives a parameter's value, which starts every path in a message.</summary>
        internal static string RootName(string parameterName) => parameterName switch
        {
            "InputObject" => "input",
            "Metadata" => "metadata",
            "Output" => "output",
            _ => parameterName,
        };

        private static bool LooksLikeJson(string s)
        {
            var t = s.TrimStart();
            return t.StartsWith("{", StringComparison.Ordinal);
        }

        private static object? Unwrap(object? value) => value is PSObject p ? p.BaseObject : value;

        /// <summary>One conversion: the path from the root (for messages) and the containers on it (for cycles).</summary>
        private sealed class Walk
        {
            private readonly string _parameter;
            private readonly string _root;
            private readonly List<object> _segments = new List<object>(); // string key or int index
            private readonly HashSet<object> _open = new HashSet<object>(ReferenceComparer.Instance);

            public Walk(string parameterName)
            {
                _parameter = parameterName;
                _root = RootName(parameterName);
            }

            public object? Convert(object? value) => Convert(value, 0);

            private object? Convert(object? value, int depth)
            {
                if (depth > JsonTree.MaxDepth)
                    throw Refuse($" is nested deeper than {JsonTree.MaxDepth} levels; send a flatter value.");
                PSObject? wrapper = null;
                if (value is PSObject pso)
                {
                    wrapper = pso;
                    value = pso.BaseObject;
                }
                switch (value)
                {
                    case null: return null;
                    case double d when double.IsNaN(d) || double.IsInfinity(d):
                    case float f when float.IsNaN(f) || float.IsInfinity(f):
                        throw Refuse($": {System.Convert.ToString(value, CultureInfo.InvariantCulture)} has no JSON form (send null or text).");
                    case PSCustomObject _:
                        return wrapper == null ? new Dictionary<string, object?>(StringComparer.Ordinal) : ConvertCustom(wrapper, depth);
                    case System.Security.SecureString _:
                        throw Refuse(": a SecureString cannot be sent as JSON; convert it deliberately if you mean to send it.");
                    case IDictionary dict:
                        return Enter(dict, () => ConvertDictionary(dict, depth));
                    case string _:
                        return value;
                    case IEnumerable e:
                        return Enter(e, () => ConvertList(e, depth));
                    default:
                        if (JsonTree.IsScalar(value)) return value;
                        throw Refuse($": {value.GetType().FullName} is not plain data (use a hashtable or [pscustomobject] with the fields to send).");
                }
            }

            private T Enter<T>(object container, Func<T> convert)
            {
                if (!_open.Add(container))
                    throw Refuse(" contains itself (a cycle); send a copy without the loop.");
                try { return convert(); }
                finally { _open.Remove(container); }
            }

            private List<object?> ConvertList(IEnumerable e, int depth)
            {
                var list = new List<object?>();
                var i = 0;
                foreach (var item in e)
                {
                    _segments.Add(i++);
                    list.Add(Convert(item, depth + 1));
                    _segments.RemoveAt(_segments.Count - 1);
                }
                return list;
            }

            private Dictionary<string, object?> ConvertDictionary(IDictionary d, int depth)
            {
                var r = new Dictionary<string, object?>(d.Count, StringComparer.Ordinal);
                Dictionary<string, object>? keys = null;
                foreach (DictionaryEntry de in d)
                {
                    var name = KeyName(de.Key)
                        ?? throw Refuse($": a key of type {Unwrap(de.Key)?.GetType().FullName} is not text or a whole number; use text keys.");
                    if (r.ContainsKey(name))
                    {
                        keys ??= OriginalKeys(d);
                        var first = keys[name];
                        throw Refuse($": the keys {Describe(first)} and {Describe(de.Key)} are both the JSON name \"{name}\"; keep one.");
                    }
                    _segments.Add(name);
                    r[name] = Convert(de.Value, depth + 1);
                    _segments.RemoveAt(_segments.Count - 1);
                }
                return r;
            }

            private static Dictionary<string, object> OriginalKeys(IDictionary d)
            {
                var keys = new Dictionary<string, object>(StringComparer.Ordinal);
                foreach (DictionaryEntry de in d)
                {
                    var name = KeyName(de.Key);
                    if (name != null && !keys.ContainsKey(name)) keys[name] = de.Key;
                }
                return keys;
            }

            private static string Describe(object key)
            {
                var k = Unwrap(key)!;
                var text = k is string s ? "'" + s + "'" : KeyName(k) ?? k.ToString();
                return $"{text} ({k.GetType().FullName})";
            }

            /// <summary>A key's JSON name: text, a char, a whole number, a Guid or an enum's name; null for anything else (refused).</summary>
            private static string? KeyName(object key)
            {
                switch (Unwrap(key))
                {
                    case string s: return s;
                    case char c: return c.ToString();
                    case byte _: case sbyte _: case short _: case ushort _: case int _: case uint _: case long _: case ulong _:
                    case System.Numerics.BigInteger _:
                        return System.Convert.ToString(Unwrap(key), CultureInfo.InvariantCulture)!;
                    case Guid g: return g.ToString();
                    case Enum en: return en.ToString();
                    default:
                        return null;
                }
            }

            private Dictionary<string, object?> ConvertCustom(PSObject o, int depth)
            {
                return Enter(o, () =>
                {
                    var r = new Dictionary<string, object?>(StringComparer.Ordinal);
                    foreach (var p in o.Properties)
                    {
                        if (p.MemberType != PSMemberTypes.NoteProperty || !p.IsGettable) continue;
                        object? v;
                        try { v = p.Value; } catch (GetValueException) { continue; }
                        _segments.Add(p.Name);
                        r[p.Name] = Convert(v, depth + 1);
                        _segments.RemoveAt(_segments.Count - 1);
                    }
                    return r;
                });
            }

            /// <summary>The error for the value at the current path; <paramref name="rest"/> follows the path in the message.</summary>
            private InputPolicyException Refuse(string rest)
            {
                var path = Path();
                return new InputPolicyException($"-{_parameter}: {path}{rest}", path);
            }

            /// <summary>The path so far; a long one keeps its first four and last three steps around an ellipsis.</summary>
            private string Path()
            {
                var sb = new StringBuilder(_root);
                const int head = 3, tail = 3;
                for (var i = 0; i < _segments.Count; i++)
                {
                    if (_segments.Count > head + tail + 1 && i == head)
                    {
                        sb.Append(" … ");
                        i = _segments.Count - tail - 1;
                        continue;
                    }
                    AppendSegment(sb, _segments[i]);
                }
                return sb.ToString();
            }

            private static void AppendSegment(StringBuilder sb, object segment)
            {
                if (segment is int index) { sb.Append('[').Append(index.ToString(CultureInfo.InvariantCulture)).Append(']'); return; }
                var key = (string)segment;
                if (IsIdentifier(key)) sb.Append('.').Append(key);
                else sb.Append("['").Append(key.Replace("'", "''")).Append("']");
            }

            private static bool IsIdentifier(string key)
            {
                if (key.Length == 0 || !(char.IsLetter(key[0]) || key[0] == '_')) return false;
                foreach (var c in key) if (!(char.IsLetterOrDigit(c) || c == '_' || c == '-')) return false;
                return true;
            }
        }

        private sealed class ReferenceComparer : IEqualityComparer<object>
        {
            public static readonly ReferenceComparer Instance = new ReferenceComparer();
            public new bool Equals(object? x, object? y) => ReferenceEquals(x, y);
            public int GetHashCode(object obj) => RuntimeHelpers.GetHashCode(obj);
        }
    }
}
