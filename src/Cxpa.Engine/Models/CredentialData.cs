using System.Collections.Generic;

namespace Cxpa.Engine.Models
{
    /// <summary>A credential as the platform returns it: its type and raw fields.</summary>
    public sealed class CredentialData
    {
        /// <summary>oauth, api_key, basic, or another type.</summary>
        public string Type { get; set; } = "";
        /// <summary>Every field of the answer, plain values.</summary>
        public IDictionary<string, object?> Fields { get; set; } = new Dictionary<string, object?>();
    }
}
