using System.Collections.Generic;
using System.Management.Automation;
using Cxpa.Engine.Json;

namespace Cxpa.PowerShell.Internal
{
    /// <summary>JSON objects become PSCustomObjects, so that $run.Output.summary reads naturally.</summary>
    internal sealed class PSObjectFactory : IJsonObjectFactory
    {
        public static readonly PSObjectFactory Instance = new PSObjectFactory();

        public object CreateObject(List<KeyValuePair<string, object?>> properties)
        {
            var o = new PSObject();
            foreach (var kv in properties)
            {
                if (o.Properties[kv.Key] != null) o.Properties.Remove(kv.Key);
                o.Properties.Add(new PSNoteProperty(kv.Key, kv.Value));
            }
            return o;
        }

        public object CreateArray(List<object?> items) => items.ToArray();
    }
}
