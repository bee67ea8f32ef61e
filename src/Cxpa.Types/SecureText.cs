using System.Security;

namespace Cxpa
{
    /// <summary>The one way text becomes a read-only SecureString: secret fields of output objects, parameters given a
    /// plain string, and the engine's <c>Secret.FromString</c>.</summary>
    internal static class SecureText
    {
        /// <summary>
        /// A read-only copy of <paramref name="text"/>, made in one step by <c>SecureString(char*, int)</c>. Appending
        /// char by char grows (and on .NET Framework re-encrypts) the buffer every few characters: for a 250-character
        /// zone token that was most of the time <c>$tokens | Test-CxpaZoneToken</c> spent on each plain-text token.
        /// </summary>
        internal static unsafe SecureString From(string text)
        {
            SecureString s;
            fixed (char* p = text) s = new SecureString(p, text.Length);
            s.MakeReadOnly();
            return s;
        }
    }
}
