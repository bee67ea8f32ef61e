using System.Collections.Generic;

namespace Cxpa
{
    /// <summary>An API key with the header it goes in.</summary>
    public sealed class ApiKeyCredential : CxpaCredential
    {
        internal ApiKeyCredential(IDictionary<string, object?> f, bool plain)
        {
            Type = "api_key";
            ApiKey = SecretValue(f, "api_key", plain);
            HeaderName = Text(f, "header_name");
        }

        /// <summary>The key (SecureString unless -AsPlainText).</summary>
        public object? ApiKey { get; }
        /// <summary>The header to send it in, e.g. x-api-key.</summary>
        public string? HeaderName { get; }
    }
}
