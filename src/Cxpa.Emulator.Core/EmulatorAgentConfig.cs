using System.Text;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace Cxpa.Emulator;

/// <summary>One agent of the emulated platform (JSON camelCase).</summary>
public sealed class EmulatorAgentConfig
{
    public long Id { get; set; }
    public string Name { get; set; } = "";
    public string OrgSlug { get; set; } = "acme";
    public string AgentSlug { get; set; } = "";
    /// <summary>"platform" or "standalone".</summary>
    public string ManagedBy { get; set; } = "platform";
    /// <summary>"active" or "paused".</summary>
    public string Status { get; set; } = "active";
    public bool AllowExternalTriggers { get; set; } = true;
    /// <summary>"json" or "file_download".</summary>
    public string OutputKind { get; set; } = "json";
    /// <summary>The agent's running_timeout_ms (caps the wait window); null = only the platform ceiling.</summary>
    public long? RunningTimeoutMs { get; set; }
    /// <summary>Time a simulated run stays queued.</summary>
    public long QueuedMs { get; set; } = 50;
    /// <summary>Time a simulated run stays running.</summary>
    public long DurationMs { get; set; } = 300;
    /// <summary>"completed", "failed" or "cancelled".</summary>
    public string Outcome { get; set; } = "completed";
    /// <summary>output_data of a completed run; null = {"summary": "...", "echo": &lt;input&gt;}.</summary>
    public JsonNode? Output { get; set; }
    /// <summary>outputs of a completed run.</summary>
    public long? Outputs { get; set; } = 1;
    /// <summary>error of a failed run.</summary>
    public string? ErrorMessage { get; set; }
    /// <summary>The file of a file_download agent.</summary>
    public EmulatorFileConfig? File { get; set; }
    /// <summary>True: runs progress by the clock. False: a triggered run stays queued until runtime callbacks arrive.</summary>
    public bool SimulateRuntime { get; set; } = true;
    public string? IngestApiKey { get; set; }
    public string? AgentApiKey { get; set; }
    /// <summary>HS256 secret of the zone tokens (32+ bytes).</summary>
    public string? ZoneSecret { get; set; }
    public string? ZoneAudience { get; set; }
    /// <summary>Organization members (uuids) accepted as register userId.</summary>
    public List<string>? Members { get; set; }
    /// <summary>integrationKey → credential (zone credentials.get).</summary>
    public Dictionary<string, JsonObject>? Credentials { get; set; }
    /// <summary>connectionId → credential (runtime resolve).</summary>
    public Dictionary<string, JsonObject>? Connections { get; set; }

    [JsonIgnore] public bool IsPlatform => string.Equals(ManagedBy, "platform", StringComparison.Ordinal);
    [JsonIgnore] public bool IsStandalone => string.Equals(ManagedBy, "standalone", StringComparison.Ordinal);
    [JsonIgnore] public bool IsActive => string.Equals(Status, "active", StringComparison.Ordinal);
    [JsonIgnore] public bool IsFileDownload => string.Equals(OutputKind, "file_download", StringComparison.Ordinal);

    internal void Validate()
    {
        string Where() => $"Agent {Id}";
        ManagedBy = (ManagedBy ?? "platform").ToLowerInvariant();
        Status = (Status ?? "active").ToLowerInvariant();
        OutputKind = (OutputKind ?? "json").ToLowerInvariant();
        Outcome = (Outcome ?? "completed").ToLowerInvariant();
        if (ManagedBy is not ("platform" or "standalone")) throw new InvalidDataException($"{Where()}: managedBy must be platform or standalone.");
        if (Status is not ("active" or "paused")) throw new InvalidDataException($"{Where()}: status must be active or paused.");
        if (OutputKind is not ("json" or "file_download")) throw new InvalidDataException($"{Where()}: outputKind must be json or file_download.");
        if (Outcome is not ("completed" or "failed" or "cancelled")) throw new InvalidDataException($"{Where()}: outcome must be completed, failed or cancelled.");
        if (QueuedMs < 0 || DurationMs < 0) throw new InvalidDataException($"{Where()}: queuedMs and durationMs must not be negative.");
        if (RunningTimeoutMs is <= 0) throw new InvalidDataException($"{Where()}: runningTimeoutMs must be positive.");
        if (ZoneSecret is not null && Encoding.UTF8.GetByteCount(ZoneSecret) < 32) throw new InvalidDataException($"{Where()}: zoneSecret must be at least 32 bytes.");
        if (ZoneSecret is not null && string.IsNullOrEmpty(ZoneAudience)) throw new InvalidDataException($"{Where()}: zoneAudience is required with zoneSecret.");
        if (IsFileDownload)
        {
            File ??= new EmulatorFileConfig();
            if (File.SizeBytes < 0) throw new InvalidDataException($"{Where()}: file.sizeBytes must not be negative.");
            if (string.IsNullOrEmpty(File.Name)) throw new InvalidDataException($"{Where()}: file.name is required.");
        }
        if (Members is not null)
            foreach (var m in Members)
                if (!Guid.TryParse(m, out _)) throw new InvalidDataException($"{Where()}: member '{m}' is not a uuid.");
    }
}
