using System;

namespace Cxpa
{
    /// <summary>Run statuses.</summary>
    public static class RunStatus
    {
        /// <summary>The run waits to start.</summary>
        public const string Queued = "queued";
        /// <summary>The run executes.</summary>
        public const string Running = "running";
        /// <summary>The run waits on a token (an approval).</summary>
        public const string Waiting = "waiting";
        /// <summary>Terminal: success.</summary>
        public const string Completed = "completed";
        /// <summary>Terminal: failure.</summary>
        public const string Failed = "failed";
        /// <summary>Terminal: cancelled.</summary>
        public const string Cancelled = "cancelled";

        /// <summary>completed, failed or cancelled (case-insensitive).</summary>
        public static bool IsTerminal(string? status) =>
            string.Equals(status, Completed, StringComparison.OrdinalIgnoreCase)
            || string.Equals(status, Failed, StringComparison.OrdinalIgnoreCase)
            || string.Equals(status, Cancelled, StringComparison.OrdinalIgnoreCase);

        /// <summary>One of the six statuses, spelled as the platform sends them (lower case).</summary>
        public static bool IsKnown(string? status) =>
            status == Queued || status == Running || status == Waiting || status == Completed || status == Failed || status == Cancelled;
    }
}
