namespace Cxpa.Emulator;

/// <summary>
/// The emulators this process started, newest last. They stop when the process exits (and the operating system frees
/// their ports with it); Stop-CxpaEmulator stops one sooner.
/// </summary>
internal static class EmulatorRegistry
{
    private static readonly List<CxpaEmulator> Running = new();
    private static int _hooked;

    public static void Add(CxpaEmulator e)
    {
        if (Interlocked.Exchange(ref _hooked, 1) == 0) AppDomain.CurrentDomain.ProcessExit += (_, _) => StopAll();
        lock (Running) Running.Add(e);
    }

    public static void Remove(CxpaEmulator e) { lock (Running) Running.Remove(e); }

    /// <summary>The last started emulator still running, or null.</summary>
    public static CxpaEmulator? Last
    {
        get { lock (Running) return Running.LastOrDefault(e => e.IsRunning); }
    }

    private static void StopAll()
    {
        CxpaEmulator[] all;
        lock (Running) { all = Running.ToArray(); Running.Clear(); }
        foreach (var e in all)
        {
            try { e.Server.Dispose(); }
            catch (Exception) { /* the process is ending: nothing to report to */ }
        }
    }
}
