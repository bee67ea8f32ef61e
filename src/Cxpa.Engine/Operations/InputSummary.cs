using System.Collections.Generic;
using Cxpa.Engine.Json;

namespace Cxpa.Engine.Operations
{
    /// <summary>What a What-if text says of a JSON body value: its key names, never its values.</summary>
    public static class InputSummary
    {
        /// <summary>"no input", "an empty object", "an object with keys a, b (values not shown)", or the value's type name.</summary>
        public static string Of(object? value)
        {
            switch (value)
            {
                case null: return "no input";
                case JsonText t:
                    // A JsonText is always one JSON object (its constructor checks it).
                    return Keys(((IDictionary<string, object?>)JsonTree.Parse(t.Text)!).Keys);
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
