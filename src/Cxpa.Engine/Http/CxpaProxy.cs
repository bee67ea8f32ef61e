using System;
using System.Security.Cryptography;
using System.Text;

namespace Cxpa.Engine.Http
{
    /// <summary>
    /// The HTTP proxy of a connection (Connect-Cxpa -Proxy): its address, and either a user name and password (a secret
    /// like the keys) or the process's default credentials. Without one, the system's proxy settings apply
    /// (HTTPS_PROXY, HTTP_PROXY, NO_PROXY).
    /// </summary>
    public sealed class CxpaProxy
    {
        /// <summary>Creates the proxy settings; the address must be an absolute http:// or https:// URL without user info.</summary>
        public CxpaProxy(Uri address, string? userName = null, Secret? password = null, bool useDefaultCredentials = false)
        {
            if (address == null) throw new ArgumentNullException(nameof(address));
            if (!address.IsAbsoluteUri || (address.Scheme != Uri.UriSchemeHttp && address.Scheme != Uri.UriSchemeHttps))
                throw new CxpaConfigurationException("The proxy must be an absolute http:// or https:// URL.", "InvalidProxy");
            if (!string.IsNullOrEmpty(address.UserInfo))
                throw new CxpaConfigurationException("The proxy URL must not carry user info: give the proxy's credential separately.", "InvalidProxy");
            if (userName != null && useDefaultCredentials)
                throw new CxpaConfigurationException("Give either a proxy credential or the default credentials, not both.", "InvalidProxy");
            Address = address;
            UserName = userName;
            Password = password;
            UseDefaultCredentials = useDefaultCredentials;
        }

        /// <summary>The proxy's address.</summary>
        public Uri Address { get; }
        /// <summary>The user name of the proxy's credential, if any.</summary>
        public string? UserName { get; }
        /// <summary>The password of the proxy's credential (a secret).</summary>
        internal Secret? Password { get; }
        /// <summary>Whether the process's default credentials are sent to the proxy.</summary>
        public bool UseDefaultCredentials { get; }

        /// <summary>The key of the pooled transport for these settings: equal settings share connections. Holds no secret.</summary>
        internal string PoolKey
        {
            get
            {
                string pw = "";
                if (Password != null)
                {
                    using var sha = SHA256.Create();
                    pw = Convert.ToBase64String(sha.ComputeHash(Encoding.UTF8.GetBytes(Password.Reveal())));
                }
                return $"{Address.AbsoluteUri}\n{UserName}\n{pw}\n{UseDefaultCredentials}";
            }
        }

        /// <inheritdoc />
        public override string ToString() => Address.GetLeftPart(UriPartial.Authority);
    }
}
