using System;
using System.Collections;
using System.Collections.Generic;
using System.Collections.Specialized;
using System.Globalization;
using System.Linq;
using System.Management.Automation;
using System.Net.Http.Headers;
using System.Security;

namespace Cxpa.PowerShell.Internal
{
    /// <summary>
    /// Reads one header out of whatever a PowerShell backend hands over as request headers: an IDictionary (hashtable,
    /// ordered dictionary, Azure Functions, Pode), a NameValueCollection (HttpListenerRequest.Headers is a
    /// WebHeaderCollection), System.Net.Http HttpHeaders, any IEnumerable of KeyValuePair&lt;string, T&gt; (ASP.NET Core's
    /// IHeaderDictionary), or a request object with a Headers property holding one of those. Names match
    /// case-insensitively; a header with several values (or given under several spellings of its name) is reported as
    /// several, never as its first value. Never puts a value in any message.
    /// </summary>
    internal static class HeaderReader
    {
        /// <summary>What -Headers takes, for the InvalidHeaders error.</summary>
        internal const string Accepted =
            "a dictionary (hashtable, ordered dictionary), a NameValueCollection (an HttpListenerRequest's WebHeaderCollection), " +
            "System.Net.Http HttpHeaders, or a request object with a Headers property";

        /// <summary>
        /// True when <paramref name="headers"/> is a header container it knows; <paramref name="value"/> is then the
        /// header's value, or null when the header is missing, and <paramref name="several"/> says that the header has more
        /// than one value (value is then the first, which must not be taken for the header's). False, with the type's name,
        /// otherwise.
        /// </summary>
        internal static bool TryRead(object? headers, string name, out string? value, out bool several, out string typeName)
        {
            value = null;
            several = false;
            var h = Unwrap(headers);
            typeName = h?.GetType().FullName ?? "null";
            if (h == null) return false;
            if (TryReadContainer(h, name, out value, out several)) return true;

            // A request object (HttpListenerRequest, a Pode or Azure Functions request, a PSCustomObject): its Headers.
            if (!(h is string) && !h.GetType().IsPrimitive)
            {
                var prop = (headers as PSObject ?? PSObject.AsPSObject(h)).Properties
                    .FirstOrDefault(p => string.Equals(p.Name, "Headers", StringComparison.OrdinalIgnoreCase));
                if (prop != null)
                {
                    object? inner;
                    try { inner = Unwrap(prop.Value); }
                    catch (GetValueException) { return false; }
                    if (inner == null) { typeName = h.GetType().FullName + " (with no Headers)"; return false; }
                    if (TryReadContainer(inner, name, out value, out several)) return true;
                    typeName = h.GetType().FullName + " (Headers: " + inner.GetType().FullName + ")";
                }
            }
            return false;
        }

        private static bool TryReadContainer(object h, string name, out string? value, out bool several)
        {
            value = null;
            several = false;
            var found = 0;
            switch (h)
            {
                case IDictionary d:
                    // Every entry: a case-sensitive dictionary may hold the name under two spellings.
                    foreach (DictionaryEntry e in d)
                        if (NameIs(Unwrap(e.Key), name)) Found(ValuesOf(e.Value), ref found, ref value);
                    several = found > 1;
                    return true;
                case NameValueCollection nvc:
                    foreach (var key in nvc.AllKeys)
                        if (NameIs(key, name)) Found(nvc.GetValues(key) ?? Array.Empty<string>(), ref found, ref value);
                    several = found > 1;
                    return true;
                case HttpHeaders hh:
                    try
                    {
                        if (hh.TryGetValues(name, out var vs)) Found(vs.ToList(), ref found, ref value);
                        several = found > 1;
                    }
                    catch (Exception ex) when (ex is InvalidOperationException || ex is FormatException)
                    {
                        // A name HttpHeaders refuses (not a valid header name, or a content header asked of request headers): missing.
                    }
                    return true;
            }
            var kv = KeyValueItemType(h.GetType());
            if (kv == null) return false;
            var keyProp = kv.GetProperty("Key")!;
            var valueProp = kv.GetProperty("Value")!;
            foreach (var item in (IEnumerable)h)
                if (item != null && NameIs(keyProp.GetValue(item), name)) Found(ValuesOf(valueProp.GetValue(item)), ref found, ref value);
            several = found > 1;
            return true;
        }

        /// <summary>Counts a header's values; the first one found is the value.</summary>
        private static void Found(IReadOnlyList<string?> values, ref int found, ref string? value)
        {
            if (found == 0 && values.Count > 0) value = values[0];
            found += values.Count;
        }

        /// <summary>KeyValuePair&lt;string, T&gt; when the type enumerates those, else null.</summary>
        private static Type? KeyValueItemType(Type t)
        {
            foreach (var i in t.GetInterfaces())
            {
                if (!i.IsGenericType || i.GetGenericTypeDefinition() != typeof(IEnumerable<>)) continue;
                var item = i.GetGenericArguments()[0];
                if (item.IsGenericType && item.GetGenericTypeDefinition() == typeof(KeyValuePair<,>) && item.GetGenericArguments()[0] == typeof(string))
                    return item;
            }
            return null;
        }

        private static bool NameIs(object? key, string name)
            => string.Equals(key as string ?? Convert.ToString(key, CultureInfo.InvariantCulture), name, StringComparison.OrdinalIgnoreCase);

        private static object? Unwrap(object? o) => o is PSObject p ? p.BaseObject : o;

        /// <summary>A header's values as text: a string or a SecureString (revealed) is one; a sequence (string[] from some
        /// frameworks, StringValues) is each of its items.</summary>
        private static IReadOnlyList<string?> ValuesOf(object? raw)
        {
            var v = Unwrap(raw);
            if (v is IEnumerable seq && !(v is string))
            {
                var all = new List<string?>();
                foreach (var item in seq) all.Add(Text(Unwrap(item)));
                return all;
            }
            return new[] { Text(v) };
        }

        private static string? Text(object? v)
        {
            if (v is SecureString ss) return Engine.Secret.FromSecureString(ss).Reveal();
            return v as string ?? Convert.ToString(v, CultureInfo.InvariantCulture);
        }
    }
}
