namespace Cxpa.Engine.Models
{
    /// <summary>What trigger-and-download saved.</summary>
    public sealed class DownloadedFile
    {
        /// <summary>The run id from x-run-id, when sent.</summary>
        public long? RunId { get; set; }
        /// <summary>The final path.</summary>
        public string Path { get; set; } = "";
        /// <summary>The content type sent.</summary>
        public string? ContentType { get; set; }
        /// <summary>Bytes written.</summary>
        public long Length { get; set; }
        /// <summary>The file name the server suggested, if any.</summary>
        public string? SuggestedFileName { get; set; }
    }
}
