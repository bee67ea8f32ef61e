using System.Collections.Generic;

namespace Cxpa.Engine.Json
{
    /// <summary>Builds the objects that JSON objects and arrays become (plain dictionaries by default; PSObjects in PowerShell).</summary>
    public interface IJsonObjectFactory
    {
        /// <summary>Creates the value for a JSON object.</summary>
        object CreateObject(List<KeyValuePair<string, object?>> properties);
        /// <summary>Creates the value for a JSON array.</summary>
        object CreateArray(List<object?> items);
        /// <summary>
        /// Null when a JSON object's key can be a property of the objects this factory makes; else why not, in words that
        /// do not quote the key (an answer holding such a key is refused as unreadable, see <see cref="JsonTree.CheckAnswer"/>).
        /// </summary>
        string? Refuses(string key);
    }
}
