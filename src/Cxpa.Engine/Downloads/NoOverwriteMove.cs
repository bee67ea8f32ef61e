using System.IO;
#if NET8_0_OR_GREATER
using System;
using System.Runtime.InteropServices;
#endif

namespace Cxpa.Engine.Downloads
{
    /// <summary>
    /// Moves a file to a name that must not exist, in one atomic step: File.Move without overwrite checks and renames in
    /// two steps on Linux and macOS, so two saves could both see a name free and the second replace the first. There a hard
    /// link (link(2) fails with EEXIST when the name exists) then the removal of the temporary name is used; on Windows
    /// MoveFile without replace is atomic already. A file system without hard links falls back to File.Move.
    /// </summary>
    internal static class NoOverwriteMove
    {
        /// <summary>Moves <paramref name="from"/> to <paramref name="to"/>; an <see cref="IOException"/> when <paramref name="to"/> exists.</summary>
        internal static void Move(string from, string to)
        {
#if NET8_0_OR_GREATER
            if (!OperatingSystem.IsWindows())
            {
                if (link(from, to) == 0)
                {
                    File.Delete(from);
                    return;
                }
                var errno = Marshal.GetLastPInvokeError();
                if (errno == EEXIST) throw new IOException($"The file '{to}' exists.");
                // EPERM, ENOTSUP, EXDEV and the like: no hard links here; the plain move below.
            }
#endif
            File.Move(from, to);
        }

#if NET8_0_OR_GREATER
        /// <summary>EEXIST on Linux and macOS.</summary>
        private const int EEXIST = 17;

        [DllImport("libc", SetLastError = true, CharSet = CharSet.Ansi, BestFitMapping = false, ThrowOnUnmappableChar = true)]
#pragma warning disable SYSLIB1054, CA2101 // a plain blittable call; UTF-8 is the ANSI encoding on Unix
        private static extern int link(string oldpath, string newpath);
#pragma warning restore SYSLIB1054, CA2101
#endif
    }
}
