using System.Security;

namespace Cxpa
{
    /// <summary>Read-only SecureStrings for the secret fields of output objects.</summary>
    internal static class SecureText
    {
        internal static SecureString From(string text)
        {
            var s = new SecureString();
            foreach (var c in text) s.AppendChar(c);
            s.MakeReadOnly();
            return s;
        }
    }
}
