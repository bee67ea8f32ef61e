namespace Cxpa
{
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
        public override string ToString() => TerminalText.CleanLine($"Run {RunId} {Event}: {Status}")!;
    }
}
