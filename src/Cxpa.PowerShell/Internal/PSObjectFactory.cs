using System;
using System.Collections.Generic;
using System.Management.Automation;
using Cxpa.Engine.Json;

namespace Cxpa.PowerShell.Internal
{
    /// <summary>JSON objects become PSCustomObjects, so that $run.Output.summary reads naturally.</summary>
    internal sealed class PSObjectFactory : IJsonObjectFactory
    {
        public static readonly PSObjectFactory Instance = new PSObjectFactory();

        /// <summary>The members every PowerShell object has: a note property of that name would be hidden behind them.</summary>
        private static readonly HashSet<string> Intrinsic = new HashSet<string>(StringComparer.OrdinalIgnoreCase)
        {
            "psobject", "psbase", "psadapted", "psextended", "pstypenames",
        };

        public object CreateObject(List<KeyValuePair<string, object?>> properties)
        {
            var o = new PSObject();
            foreach (var kv in properties)
            {
                var why = Refuses(kv.Key);
                if (why != null) throw new UnreadableAnswerException("a JSON object has " + why + ".");
                if (o.Properties[kv.Key] != null) o.Properties.Remove(kv.Key);
                o.Properties.Add(new PSNoteProperty(kv.Key, kv.Value));
            }
            return o;
        }

        public object CreateArray(List<object?> items) => items.ToArray();

        /// <summary>An empty key, or the name of a member every PowerShell object has, cannot be a property of a PSCustomObject.</summary>
        public string? Refuses(string key)
        {
            if (key.Length == 0) return "an empty key, which a PowerShell object cannot hold as a property";
            if (Intrinsic.Contains(key)) return $"the key '{key.ToLowerInvariant()}', which every PowerShell object has as a member of its own";
            return null;
        }
    }
}
