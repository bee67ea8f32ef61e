using System.Collections.Generic;
using System.Management.Automation;
using System.Security;

namespace Cxpa
{
    /// <summary>A user name and password; Credential gives a PSCredential.</summary>
    public sealed class BasicCredential : CxpaCredential
    {
        private readonly SecureString _password;

        internal BasicCredential(IDictionary<string, object?> f, bool plain)
        {
            Type = "basic";
            UserName = Text(f, "username") ?? "";
            var pw = Text(f, "password") ?? "";
            _password = SecureText.From(pw);
            Password = plain ? (object)pw : _password.Copy();
        }

        /// <summary>The user name.</summary>
        public string UserName { get; }
        /// <summary>The password (SecureString unless -AsPlainText).</summary>
        public object Password { get; }
        /// <summary>The pair as a PSCredential, for cmdlets that take -Credential.</summary>
        public PSCredential Credential => new PSCredential(UserName.Length == 0 ? " " : UserName, _password.Copy());
    }
}
