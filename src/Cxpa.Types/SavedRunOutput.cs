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
        /// <summary>Bytes written to the stream (0 while -BeforeWrite runs, before the copy).</summary>
        public long Length { get; set; }
        /// <summary>
        /// The number of bytes that will be written, when known before the copy: the platform's Content-Length; null when the
        /// platform sent none (chunked) or the body is decoded on the way (a Content-Encoding), so that a forwarder sends chunked.
        /// </summary>
        public long? ContentLength { get; set; }
        /// <summary>The platform's Content-Disposition header value as sent; null when none was sent. Platform text: forward <see cref="AttachmentDisposition"/> instead.</summary>
        public string? ContentDisposition { get; set; }
        /// <summary>
        /// A Content-Disposition value safe to forward: attachment with <see cref="FileName"/> as an ASCII filename and a UTF-8
        /// filename*, with no control characters, CR or LF; null when the platform named no file.
        /// </summary>
        public string? AttachmentDisposition { get; set; }

        /// <inheritdoc />
        public override string ToString() => TerminalText.CleanLine($"Run {RunId}: {FileName ?? "output"} ({Length} bytes)")!;
    }
}
