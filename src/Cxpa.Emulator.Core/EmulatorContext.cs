namespace Cxpa.Emulator;

/// <summary>What every route family shares: the config, the runs, the request log, the faults, the clock.</summary>
internal sealed class EmulatorContext
{
    public EmulatorContext(EmulatorConfig config, EmulatorState state, RequestLog log, FaultInjector faults, TimeProvider clock, CancellationToken stopping)
    {
        Config = config; State = state; Log = log; Faults = faults; Clock = clock; Stopping = stopping;
    }

    public EmulatorConfig Config { get; }
    public EmulatorState State { get; }
    public RequestLog Log { get; }
    public FaultInjector Faults { get; }
    public TimeProvider Clock { get; }
    /// <summary>Cancelled when the server stops: waits end.</summary>
    public CancellationToken Stopping { get; }
    /// <summary>The server's address (set once it listens).</summary>
    public Uri? BaseUrl { get; set; }
}
