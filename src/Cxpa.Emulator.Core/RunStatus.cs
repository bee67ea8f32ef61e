namespace Cxpa.Emulator;

/// <summary>
/// The run statuses of the wire contract, as the platform spells them. The emulator keeps its own copy (Cxpa.RunStatus
/// is the module's) so that it stands alone: nothing of the module under test decides what the emulator answers.
/// </summary>
internal static class RunStatus
{
    public const string Queued = "queued";
    public const string Running = "running";
    public const string Waiting = "waiting";
    public const string Completed = "completed";
    public const string Failed = "failed";
    public const string Cancelled = "cancelled";

    /// <summary>completed, failed or cancelled (case-insensitive).</summary>
    public static bool IsTerminal(string? status) =>
        string.Equals(status, Completed, StringComparison.OrdinalIgnoreCase)
        || string.Equals(status, Failed, StringComparison.OrdinalIgnoreCase)
        || string.Equals(status, Cancelled, StringComparison.OrdinalIgnoreCase);

    /// <summary>One of the six statuses, in lower case.</summary>
    public static bool IsKnown(string? status) =>
        status is Queued or Running or Waiting or Completed or Failed or Cancelled;
}
