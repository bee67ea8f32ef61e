using System;
using System.Net;

namespace Cxpa.Engine.Http
{
    /// <summary>Where to call and with which secret.</summary>
    public sealed class CxpaEndpoint
    {
        /// <summary>Creates an endpoint; checks the URL (absolute http/https) and the transport rule for secrets.</summary>
        public CxpaEndpoint(Uri baseUrl, CxpaAuthKind authKind, Secret key, bool allowUnencryptedAuthentication = false)
        {
            if (baseUrl == null) throw new ArgumentNullException(nameof(baseUrl));
            if (!baseUrl.IsAbsoluteUri || (baseUrl.Scheme != Uri.UriSchemeHttp && baseUrl.Scheme != Uri.UriSchemeHttps))
                throw new CxpaConfigurationException($"The base URL '{baseUrl}' must be an absolute http:// or https:// URL.", "InvalidBaseUrl");
            if (!string.IsNullOrEmpty(baseUrl.Query) || !string.IsNullOrEmpty(baseUrl.Fragment) || !string.IsNullOrEmpty(baseUrl.UserInfo))
                throw new CxpaConfigurationException($"The base URL must not carry a query, a fragment or user info.", "InvalidBaseUrl");
            if (key == null || key.Length == 0)
                throw new CxpaConfigurationException("The key or token is empty.", "MissingKey");
            if (baseUrl.Scheme == Uri.UriSchemeHttp && !allowUnencryptedAuthentication && !IsLoopback(baseUrl))
                throw new CxpaConfigurationException(
                    $"Refusing to send a key over unencrypted http:// to {baseUrl.Host}. Use https://, or allow unencrypted authentication explicitly if you accept the risk.",
                    "UnencryptedAuthentication");
            var s = baseUrl.GetLeftPart(UriPartial.Path);
            BaseUrl = new Uri(s.EndsWith("/", StringComparison.Ordinal) ? s : s + "/");
            AuthKind = authKind;
            Key = key;
            AllowUnencryptedAuthentication = allowUnencryptedAuthentication;
        }

        /// <summary>The platform's base URL, always ending in '/'.</summary>
        public Uri BaseUrl { get; }
        /// <summary>Which kind of secret.</summary>
        public CxpaAuthKind AuthKind { get; }
        /// <summary>The bearer secret.</summary>
        public Secret Key { get; }
        /// <summary>The credentials token of a runtime, when known.</summary>
        public Secret? CredentialsToken { get; set; }
        /// <summary>The proxy every call through this endpoint goes through; null for the system's proxy settings.</summary>
        public CxpaProxy? Proxy { get; set; }
        /// <summary>Whether http:// to a non-loopback host was allowed.</summary>
        public bool AllowUnencryptedAuthentication { get; }

        /// <summary>True for localhost and loopback addresses.</summary>
        public static bool IsLoopback(Uri url)
        {
            if (url.IsLoopback) return true;
            var host = url.Host.Trim('[', ']');
            return string.Equals(host, "localhost", StringComparison.OrdinalIgnoreCase)
                || (IPAddress.TryParse(host, out var ip) && IPAddress.IsLoopback(ip));
        }
    }
}
