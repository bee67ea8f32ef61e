using System;
using System.Collections.Generic;

namespace Cxpa
{
    /// <summary>A resolved credential. Secret fields are SecureStrings unless -AsPlainText; the default display never shows them.</summary>
    public abstract class CxpaCredential
    {
        /// <summary>oauth, api_key, basic, or the platform's other type.</summary>
        public string Type { get; protected set; } = "";
        /// <summary>The integration key or connection id it was read by.</summary>
        public string Name { get; internal set; } = "";

        internal static object? SecretValue(IDictionary<string, object?> f, string name, bool plain)
        {
            if (!f.TryGetValue(name, out var v) || v == null) return null;
            var s = v as string ?? Convert.ToString(v, System.Globalization.CultureInfo.InvariantCulture) ?? "";
            return plain ? (object)s : SecureText.From(s);
        }

        internal static string? Text(IDictionary<string, object?> f, string name)
            => f.TryGetValue(name, out var v) && v != null ? Convert.ToString(v, System.Globalization.CultureInfo.InvariantCulture) : null;

        internal static CxpaCredential From(string type, IDictionary<string, object?> fields, string name, bool plain)
        {
            CxpaCredential c = type switch
            {
                "oauth" => new OAuthCredential(fields, plain),
                "api_key" => new ApiKeyCredential(fields, plain),
                "basic" => new BasicCredential(fields, plain),
                _ => new GenericCredential(type, fields, plain),
            };
            c.Name = name;
            return c;
        }

        /// <inheritdoc />
        public override string ToString() => TerminalText.CleanLine($"{Type} credential {Name}")!;
    }
}
