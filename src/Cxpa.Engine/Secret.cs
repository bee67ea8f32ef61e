using System;
using System.Runtime.InteropServices;
using System.Security;

namespace Cxpa.Engine
{
    /// <summary>
    /// A bearer secret (API key, zone token, credentials token). Kept as a SecureString; the plain text
    /// is produced only when a request header is written. ToString never reveals it.
    /// </summary>
    public sealed class Secret
    {
        private readonly SecureString _value;

        private Secret(SecureString value)
        {
            _value = value;
            _value.MakeReadOnly();
        }

        /// <summary>Wraps a copy of a SecureString.</summary>
        public static Secret FromSecureString(SecureString value)
        {
            if (value == null) throw new ArgumentNullException(nameof(value));
            return new Secret(value.Copy());
        }

        /// <summary>Wraps a plain string (copied into a SecureString).</summary>
        public static Secret FromString(string value)
        {
            if (value == null) throw new ArgumentNullException(nameof(value));
            return new Secret(SecureText.From(value));
        }

        /// <summary>Length of the secret in characters.</summary>
        public int Length => _value.Length;

        /// <summary>A copy of the secret as a SecureString.</summary>
        public SecureString ToSecureString() => _value.Copy();

        /// <summary>The plain text. Call only where the secret leaves for the wire or a verifier.</summary>
        public string Reveal()
        {
            IntPtr p = IntPtr.Zero;
            try
            {
                p = Marshal.SecureStringToGlobalAllocUnicode(_value);
                return Marshal.PtrToStringUni(p, _value.Length);
            }
            finally
            {
                if (p != IntPtr.Zero) Marshal.ZeroFreeGlobalAllocUnicode(p);
            }
        }

        /// <summary>Never the secret.</summary>
        public override string ToString() => "********";
    }
}
