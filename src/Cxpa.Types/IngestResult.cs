namespace Cxpa
{
    /// <summary>The answer of ingest.</summary>
    public sealed class IngestResult
    {
        /// <summary>Platform-side run id.</summary>
        public long RunId { get; set; }
        /// <summary>The agent.</summary>
        public long AgentId { get; set; }
        /// <summary>The caller-side id.</summary>
        public string ExternalRunId { get; set; } = "";
        /// <summary>The run's status after the ingest.</summary>
        public string? Status { get; set; }

        /// <inheritdoc />
        public override string ToString() => $"Run {RunId} ({TerminalText.CleanLine(Status)})";
    }
}
