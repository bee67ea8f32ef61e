using System.Threading;

namespace Cxpa.PowerShell.Internal
{
    /// <summary>
    /// The connected default, one per process as Connect-MgGraph and Connect-AzAccount keep theirs: every runspace of the
    /// process (ForEach-Object -Parallel, ThreadJob, a hosted runspace) sees the Connect-Cxpa default, and Disconnect-Cxpa
    /// clears it for all of them. Reads and writes are atomic reference swaps, so runspaces on other threads never see a
    /// half-made connection. Another process (Start-Job) has its own.
    /// </summary>
    internal static class ConnectionStore
    {
        private static Cxpa.CxpaConnection? _default;

        public static Cxpa.CxpaConnection? Get() => Volatile.Read(ref _default);
        public static void Set(Cxpa.CxpaConnection? c) => Volatile.Write(ref _default, c);
    }
}
