using System;
using System.Collections.Generic;

namespace Cxpa
{
    /// <summary>
    /// A platform run, as the run row describes it. Unknown server fields stay in AdditionalProperties.
    /// The engine reads it from JSON (Cxpa.Engine's RunReader); this assembly stays free of third-party references.
    /// </summary>
    public sealed class Run
    {
        /// <summary>Platform-side run id.</summary>
        public long RunId { get; set; }
        /// <summary>The agent the run belongs to.</summary>
        public long? AgentId { get; set; }
        /// <summary>queued, running, waiting, completed, failed or cancelled (other values are kept as sent).</summary>
        public string? Status { get; set; }
        /// <summary>The run's input_data.</summary>
        public object? Input { get; set; }
        /// <summary>The run's output_data, as a navigable object.</summary>
        public object? Output { get; set; }
        /// <summary>The run's outputs count.</summary>
        public long? Outputs { get; set; }
        /// <summary>The run's error message, when it failed.</summary>
        public string? Error { get; set; }
        /// <summary>The caller-side id given at register or ingest.</summary>
        public string? ExternalRunId { get; set; }
        /// <summary>The user the run is attributed to.</summary>
        public string? CreatedBy { get; set; }
        /// <summary>Free-form metadata.</summary>
        public object? Metadata { get; set; }
        /// <summary>When the run was created.</summary>
        public DateTimeOffset? CreatedAt { get; set; }
        /// <summary>When the run started.</summary>
        public DateTimeOffset? StartedAt { get; set; }
        /// <summary>When the run reached a terminal state.</summary>
        public DateTimeOffset? CompletedAt { get; set; }
        private Dictionary<string, object?>? _additional;

        /// <summary>
        /// Server fields this version does not know, by their wire names; null when the platform sent none
        /// (so that ConvertTo-Json shows no empty dictionary).
        /// </summary>
        public IDictionary<string, object?>? AdditionalProperties => _additional;

        /// <summary>Keeps a server field this version does not know (see <see cref="AdditionalProperties"/>).</summary>
        public void SetAdditionalProperty(string name, object? value)
        {
            if (name == null) throw new ArgumentNullException(nameof(name));
            (_additional ??= new Dictionary<string, object?>(StringComparer.Ordinal))[name] = value;
        }

        /// <summary>completed, failed or cancelled.</summary>
        public bool IsTerminal => RunStatus.IsTerminal(Status);

        /// <summary>
        /// From the platform's timestamps only: StartedAt (or CreatedAt) to CompletedAt; null while either is unknown,
        /// so a run in flight has no duration (the local clock is never used). A method, not a property, so that
        /// ConvertTo-Json does not expand a TimeSpan; PowerShell shows it as the (hidden) Duration property.
        /// </summary>
        public TimeSpan? GetDuration()
        {
            var start = StartedAt ?? CreatedAt;
            if (start == null || CompletedAt == null) return null;
            return CompletedAt.Value - start.Value;
        }

        /// <inheritdoc />
        public override string ToString() => $"Run {RunId} ({TerminalText.CleanLine(Status)})";
    }
}
