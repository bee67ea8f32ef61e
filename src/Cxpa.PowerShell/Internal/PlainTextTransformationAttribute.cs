using System;
using System.Management.Automation;
using System.Runtime.InteropServices;
using System.Security;

namespace Cxpa.PowerShell.Internal
{
    /// <summary>Lets a string parameter that carries a token take a SecureString too (revealed at binding, never echoed).</summary>
    [AttributeUsage(AttributeTargets.Property | AttributeTargets.Field)]
    public sealed class PlainTextTransformationAttribute : ArgumentTransformationAttribute
    {
        /// <inheritdoc />
        public override object Transform(EngineIntrinsics engineIntrinsics, object inputData)
        {
            var value = inputData is PSObject pso ? pso.BaseObject : inputData;
            if (value is SecureString ss)
            {
                IntPtr p = IntPtr.Zero;
                try
                {
                    p = Marshal.SecureStringToGlobalAllocUnicode(ss);
                    return Marshal.PtrToStringUni(p, ss.Length);
                }
                finally { if (p != IntPtr.Zero) Marshal.ZeroFreeGlobalAllocUnicode(p); }
            }
            return inputData;
        }
    }
}
