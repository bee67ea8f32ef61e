using System;
using System.Collections;
using System.Collections.Generic;
using System.Collections.Specialized;
using System.Management.Automation;
using System.Security;
using Cxpa.Engine;
using Cxpa.Engine.Models;

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
            return plain ? (object)s : Secret.FromString(s).ToSecureString();
        }

        internal static string? Text(IDictionary<string, object?> f, string name)
            => f.TryGetValue(name, out var v) && v != null ? Convert.ToString(v, System.Globalization.CultureInfo.InvariantCulture) : null;

        internal static CxpaCredential From(CredentialData d, string name, bool plain)
        {
            CxpaCredential c = d.Type switch
            {
                "oauth" => new OAuthCredential(d.Fields, plain),
                "api_key" => new ApiKeyCredential(d.Fields, plain),
                "basic" => new BasicCredential(d.Fields, plain),
                _ => new GenericCredential(d, plain),
            };
            c.Name = name;
            return c;
        }

        /// <inheritdoc />
        public override string ToString() => $"{Type} credential {Name}";
    }

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

    /// <summary>A user name and password; Credential gives a PSCredential.</summary>
    public sealed class BasicCredential : CxpaCredential
    {
        private readonly SecureString _password;

        internal BasicCredential(IDictionary<string, object?> f, bool plain)
        {
            Type = "basic";
            UserName = Text(f, "username") ?? "";
            var pw = Text(f, "password") ?? "";
            _password = Secret.FromString(pw).ToSecureString();
            Password = plain ? (object)pw : _password.Copy();
        }

        /// <summary>The user name.</summary>
        public string UserName { get; }
        /// <summary>The password (SecureString unless -AsPlainText).</summary>
        public object Password { get; }
        /// <summary>The pair as a PSCredential, for cmdlets that take -Credential.</summary>
        public PSCredential Credential => new PSCredential(UserName.Length == 0 ? " " : UserName, _password.Copy());
    }

    /// <summary>A credential of a type this version does not know: its raw fields, every string that could be secret as a SecureString unless -AsPlainText.</summary>
    public sealed class GenericCredential : CxpaCredential
    {
        internal GenericCredential(CredentialData d, bool plain)
        {
            Type = d.Type;
            var props = new OrderedDictionary(StringComparer.Ordinal);
            foreach (var kv in d.Fields)
            {
                if (kv.Key == "type") continue;
                props[kv.Key] = kv.Value is string s && !plain ? (object)Secret.FromString(s).ToSecureString() : kv.Value;
            }
            Fields = props;
        }

        /// <summary>The credential's fields (string values as SecureStrings unless -AsPlainText).</summary>
        public IDictionary Fields { get; }
    }
}
