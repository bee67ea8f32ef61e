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
        public override string ToString() => $"Run {RunId} ({Status})";
    }

    /// <summary>The answer of a runtime callback.</summary>
    public sealed class RunEventResult
    {
        /// <summary>The run.</summary>
        public long RunId { get; set; }
        /// <summary>The event sent: started, output, complete, fail or waiting.</summary>
        public string Event { get; set; } = "";
        /// <summary>Whether the platform accepted it.</summary>
        public bool Ok { get; set; }
        /// <summary>The run's status after the event.</summary>
        public string? Status { get; set; }

        /// <inheritdoc />
        public override string ToString() => $"Run {RunId} {Event}: {Status}";
    }
}
