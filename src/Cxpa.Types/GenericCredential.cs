using System;
using System.Collections;
using System.Collections.Generic;
using System.Collections.Specialized;

namespace Cxpa
{
    /// <summary>A credential of a type this version does not know: its raw fields, every string that could be secret as a SecureString unless -AsPlainText.</summary>
    public sealed class GenericCredential : CxpaCredential
    {
        internal GenericCredential(string type, IDictionary<string, object?> fields, bool plain)
        {
            Type = type;
            var props = new OrderedDictionary(StringComparer.Ordinal);
            foreach (var kv in fields)
            {
                if (kv.Key == "type") continue;
                props[kv.Key] = kv.Value is string s && !plain ? (object)SecureText.From(s) : kv.Value;
            }
            Fields = props;
        }

        /// <summary>The credential's fields (string values as SecureStrings unless -AsPlainText).</summary>
        public IDictionary Fields { get; }
    }
}
