using System.Management.Automation.Runspaces;
using System.Runtime.CompilerServices;

namespace Cxpa.PowerShell.Internal
{
    /// <summary>The connected default, one per runspace (so parallel runspaces never share one by accident).</summary>
    internal static class ConnectionStore
    {
        private sealed class Box { public Cxpa.CxpaConnection? Value; }
        private static readonly ConditionalWeakTable<Runspace, Box> Defaults = new ConditionalWeakTable<Runspace, Box>();
        private static readonly Box NoRunspace = new Box();

        private static Box Current => Runspace.DefaultRunspace is { } rs ? Defaults.GetValue(rs, _ => new Box()) : NoRunspace;

        public static Cxpa.CxpaConnection? Get() => Current.Value;
        public static void Set(Cxpa.CxpaConnection? c) => Current.Value = c;
    }
}
