using System;
using System.Collections.Generic;

namespace Cxpa.Engine.Json
{
    /// <summary>JSON objects become Dictionary&lt;string, object?&gt;; arrays object?[].</summary>
    public sealed class DictionaryObjectFactory : IJsonObjectFactory
    {
        /// <summary>The shared instance.</summary>
        public static readonly DictionaryObjectFactory Instance = new DictionaryObjectFactory();

        /// <inheritdoc />
        public object CreateObject(List<KeyValuePair<string, object?>> properties)
        {
            var d = new Dictionary<string, object?>(properties.Count, StringComparer.Ordinal);
            foreach (var kv in properties) d[kv.Key] = kv.Value;
            return d;
        }

        /// <inheritdoc />
        public object CreateArray(List<object?> items) => items.ToArray();

        /// <inheritdoc />
        public string? Refuses(string key) => null;
    }
}
