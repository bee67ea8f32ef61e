namespace Cxpa.Emulator;

/// <summary>The deterministic byte pattern of emulated downloads: byte i = (byte)(i * 31 + 7).</summary>
public static class FilePattern
{
    /// <summary>The byte at offset i.</summary>
    public static byte ByteAt(long i) => unchecked((byte)(i * 31 + 7));

    /// <summary>Index of the first byte of data (starting at offset) that breaks the pattern, or -1.</summary>
    public static int FirstMismatch(ReadOnlySpan<byte> data, long offset = 0)
    {
        for (int j = 0; j < data.Length; j++)
            if (data[j] != ByteAt(offset + j)) return j;
        return -1;
    }

    internal const int BlockSize = 64 * 1024;
    /// <summary>64 KiB of the pattern from offset 0; any 256-aligned offset has the same bytes (the pattern's period is 256).</summary>
    internal static readonly byte[] Block = CreateBlock();
    private static byte[] CreateBlock()
    {
        var b = new byte[BlockSize];
        for (int j = 0; j < b.Length; j++) b[j] = ByteAt(j);
        return b;
    }
}
