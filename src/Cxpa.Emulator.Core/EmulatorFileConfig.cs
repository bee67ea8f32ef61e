namespace Cxpa.Emulator;

/// <summary>The file a file_download agent streams; bytes follow <see cref="FilePattern"/>.</summary>
public sealed class EmulatorFileConfig
{
    public string Name { get; set; } = "output.bin";
    public string ContentType { get; set; } = "application/octet-stream";
    /// <summary>Size in bytes; may be huge (generated on the fly, never buffered).</summary>
    public long SizeBytes { get; set; } = 1024;
    /// <summary>True: no content-length (chunked transfer encoding).</summary>
    public bool Chunked { get; set; }
    /// <summary>Optional RFC 5987 filename* value (e.g. a non-ASCII name); sent as filename*=UTF-8''&lt;percent-encoded&gt;.</summary>
    public string? NameStar { get; set; }
}
