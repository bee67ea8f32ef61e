using System.Security;

namespace Cxpa
{
    /// <summary>The one way text becomes a read-only SecureString: secret fields of output objects, parameters given a
    /// plain string, and the engine's <c>Secret.FromString</c>.</summary>
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
