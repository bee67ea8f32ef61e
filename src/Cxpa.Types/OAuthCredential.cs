using System;
using System.Collections;
using System.Collections.Generic;

namespace Cxpa
{
    /// <summary>An OAuth access token.</summary>
    public sealed class OAuthCredential : CxpaCredential
    {
        internal OAuthCredential(IDictionary<string, object?> f, bool plain)
        {
            Type = "oauth";
            AccessToken = SecretValue(f, "access_token", plain);
            if (Text(f, "expires_at") is { } e && DateTimeOffset.TryParse(e, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AssumeUniversal, out var d)) ExpiresAt = d;
            var scopes = new List<string>();
            if (f.TryGetValue("scopes", out var s) && s is IEnumerable seq && !(s is string))
                foreach (var x in seq) if (x != null) scopes.Add(x.ToString()!);
            Scopes = scopes.ToArray();
        }

        /// <summary>The access token (SecureString unless -AsPlainText).</summary>
        public object? AccessToken { get; }
        /// <summary>When the token expires.</summary>
        public DateTimeOffset? ExpiresAt { get; }
        /// <summary>Granted scopes.</summary>
        public string[] Scopes { get; }
    }
}
