namespace Cxpa
{
    /// <summary>
    /// A run's file output written into a caller's stream (Save-CxpaRunOutput -Destination): what a backend needs to
    /// forward it, such as the platform's Content-Type and Content-Disposition.
    /// </summary>
    public sealed class SavedRunOutput
    {
        /// <summary>The run (from x-run-id), when the platform sent it.</summary>
        public long? RunId { get; set; }
        /// <summary>The agent.</summary>
        public long? AgentId { get; set; }
        /// <summary>The file name from the platform's Content-Disposition, made safe as for a saved file; null when none was sent.</summary>
        public string? FileName { get; set; }
        /// <summary>The content type the platform sent.</summary>
        public string? ContentType { get; set; }
        /// <summary>Bytes written to the stream.</summary>
        public long Length { get; set; }
        /// <summary>The platform's Content-Disposition header value as sent, for forwarding; null when none was sent.</summary>
        public string? ContentDisposition { get; set; }

        /// <inheritdoc />
        public override string ToString() => TerminalText.CleanLine($"Run {RunId}: {FileName ?? "output"} ({Length} bytes)")!;
    }
}
