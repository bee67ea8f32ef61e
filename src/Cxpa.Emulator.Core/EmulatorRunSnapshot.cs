using System.Globalization;
using System.Text.Json.Nodes;

namespace Cxpa.Emulator;

/// <summary>A run's state at one instant of the emulator clock (its JSON nodes are private copies).</summary>
public sealed record EmulatorRunSnapshot(
    long Id, long AgentId, string Status, JsonNode? InputData, JsonNode? OutputData, long? Outputs, string? Error,
    string? ExternalRunId, string? CreatedBy, JsonObject Metadata,
    DateTimeOffset CreatedAt, DateTimeOffset? StartedAt, DateTimeOffset? CompletedAt)
{
    public bool IsTerminal => RunStatus.IsTerminal(Status);

    /// <summary>The pinned run row (snake_case).</summary>
    public JsonObject ToRow() => new()
    {
        ["id"] = Id,
        ["agent_id"] = AgentId,
        ["status"] = Status,
        ["input_data"] = InputData?.DeepClone(),
        ["output_data"] = OutputData?.DeepClone(),
        ["outputs"] = Outputs,
        ["error"] = Error,
        ["external_run_id"] = ExternalRunId,
        ["created_by"] = CreatedBy,
        ["metadata"] = Metadata.DeepClone(),
        ["created_at"] = FormatTime(CreatedAt),
        ["started_at"] = StartedAt is { } s ? FormatTime(s) : null,
        ["completed_at"] = CompletedAt is { } c ? FormatTime(c) : null,
    };

    internal static string FormatTime(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);
}
