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
    /// case-insensitively; a header with several values gives its first one. Never puts a value in any message.
    /// </summary>
    internal static class HeaderReader
    {
        /// <summary>What -Headers takes, for the InvalidHeaders error.</summary>
        internal const string Accepted =
            "a dictionary (hashtable, ordered dictionary), a NameValueCollection (an HttpListenerRequest's WebHeaderCollection), " +
            "System.Net.Http HttpHeaders, or a request object with a Headers property";

        /// <summary>
        /// True when <paramref name="headers"/> is a header container it knows; <paramref name="value"/> is then the
        /// header's (first) value, or null when the header is missing. False, with the type's name, otherwise.
        /// </summary>
        internal static bool TryRead(object? headers, string name, out string? value, out string typeName)
        {
            value = null;
            var h = Unwrap(headers);
            typeName = h?.GetType().FullName ?? "null";
            if (h == null) return false;
            if (TryReadContainer(h, name, out value)) return true;

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
                    if (TryReadContainer(inner, name, out value)) return true;
                    typeName = h.GetType().FullName + " (Headers: " + inner.GetType().FullName + ")";
                }
            }
            return false;
        }

        private static bool TryReadContainer(object h, string name, out string? value)
        {
            value = null;
            switch (h)
            {
                case IDictionary d:
                    foreach (DictionaryEntry e in d)
                    {
                        if (!NameIs(Unwrap(e.Key), name)) continue;
                        value = ValueOf(e.Value);
                        return true;
                    }
                    return true;
                case NameValueCollection nvc:
                    foreach (var key in nvc.AllKeys)
                    {
                        if (!NameIs(key, name)) continue;
                        var values = nvc.GetValues(key);
                        value = values != null && values.Length > 0 ? values[0] : null;
                        return true;
                    }
                    return true;
                case HttpHeaders hh:
                    try
                    {
                        if (hh.TryGetValues(name, out var vs)) value = vs.FirstOrDefault();
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
            {
                if (item == null || !NameIs(keyProp.GetValue(item), name)) continue;
                value = ValueOf(valueProp.GetValue(item));
                return true;
            }
            return true;
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

        /// <summary>A header's value as text: a string, a SecureString (revealed), the first of several values.</summary>
        private static string? ValueOf(object? raw)
        {
            var v = Unwrap(raw);
            if (v is IEnumerable seq && !(v is string))
            {
                // A header with several values (string[] from some frameworks, StringValues): the first one, as the middleware reads it.
                object? first = null;
                foreach (var item in seq) { first = Unwrap(item); break; }
                v = first;
            }
            if (v is SecureString ss) return Engine.Secret.FromSecureString(ss).Reveal();
            return v as string ?? Convert.ToString(v, CultureInfo.InvariantCulture);
        }
    }
}
