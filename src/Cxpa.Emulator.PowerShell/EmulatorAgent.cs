namespace Cxpa.Emulator;

/// <summary>One agent of a running emulator: its id, kind and keys.</summary>
public sealed class EmulatorAgent
{
    internal EmulatorAgent(EmulatorAgentConfig a)
    {
        Id = a.Id; Name = a.Name; ManagedBy = a.ManagedBy; Status = a.Status; OutputKind = a.OutputKind;
        Outcome = a.Outcome; FileName = a.IsFileDownload ? a.File?.Name : null; FileBytes = a.IsFileDownload ? a.File?.SizeBytes : null;
        SimulatedRuntime = a.SimulateRuntime; AllowExternalTriggers = a.AllowExternalTriggers;
        IngestApiKey = a.IngestApiKey; AgentApiKey = a.AgentApiKey;
    }

    public long Id { get; }
    public string Name { get; }
    /// <summary>platform or standalone.</summary>
    public string ManagedBy { get; }
    /// <summary>active or paused.</summary>
    public string Status { get; }
    /// <summary>json or file_download.</summary>
    public string OutputKind { get; }
    /// <summary>How its simulated runs end: completed, failed or cancelled.</summary>
    public string Outcome { get; }
    /// <summary>The file name of a file_download agent.</summary>
    public string? FileName { get; }
    /// <summary>The file size of a file_download agent.</summary>
    public long? FileBytes { get; }
    /// <summary>True: runs progress by the clock. False: runs wait for runtime callbacks.</summary>
    public bool SimulatedRuntime { get; }
    public bool AllowExternalTriggers { get; }
    public string? IngestApiKey { get; }
    public string? AgentApiKey { get; }
}
