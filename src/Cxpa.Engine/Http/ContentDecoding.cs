using System;
using System.Collections.Generic;
using System.IO;
using System.IO.Compression;
using System.Linq;

namespace Cxpa.Engine.Http
{
    /// <summary>
    /// The one decoder of a Content-Encoding, for JSON answers (the transport's DecompressionPolicy) and downloads (a file
    /// sent gzip, deflate (zlib) or br (on .NET 8+) is saved decoded, as the agent produced it). Encodings are undone last-applied first; "identity" is nothing to undo. When one of them cannot be
    /// undone (compress, zstd, an unknown name, br on .NET Framework) nothing is decoded and the bytes are saved as received.
    /// </summary>
    internal static class ContentDecoding
    {
        /// <summary>
        /// How much larger than the bytes received a decoded file may grow, past the first <see cref="FreeDecodedBytes"/>:
        /// a body that expands further is treated as a decompression bomb and refused before it fills the disk.
        /// </summary>
        internal const long MaximumExpansion = 100;

        /// <summary>Decoded bytes always allowed, whatever the ratio (16 MiB).</summary>
        internal const long FreeDecodedBytes = 16L * 1024 * 1024;

        /// <summary>The encodings to undo, as sent (lower case, without "identity"); empty when none.</summary>
        internal static string[] Encodings(IEnumerable<string> header)
            => header.SelectMany(v => v.Split(','))
                .Select(e => e.Trim().ToLowerInvariant())
                .Where(e => e.Length > 0 && e != "identity")
                .ToArray();

        /// <summary>Whether every encoding in <paramref name="encodings"/> can be undone here.</summary>
        internal static bool CanDecode(string[] encodings) => encodings.All(e => e == "gzip" || e == "x-gzip" || e == "deflate"
#if NET8_0_OR_GREATER
            || e == "br"
#endif
        );

        /// <summary>The decoded view of <paramref name="raw"/>: the last encoding applied is undone first.</summary>
        internal static Stream Decode(Stream raw, string[] encodings)
        {
            var s = raw;
            for (int i = encodings.Length - 1; i >= 0; i--)
            {
                s = encodings[i] switch
                {
                    "gzip" or "x-gzip" => new GZipStream(s, CompressionMode.Decompress),
#if NET8_0_OR_GREATER
                    "deflate" => new ZLibStream(s, CompressionMode.Decompress),
                    "br" => new BrotliStream(s, CompressionMode.Decompress),
#else
                    "deflate" => new DeflateStream(new ZlibHeaderSkip(s), CompressionMode.Decompress),
#endif
                    _ => throw new NotSupportedException("Content-Encoding " + encodings[i]),
                };
            }
            return s;
        }

#if !NET8_0_OR_GREATER
        /// <summary>
        /// HTTP's deflate is zlib (a 2-byte header, deflate data, a 4-byte checksum): drops the header when there is one, so
        /// that <see cref="DeflateStream"/> reads the data (the checksum is left unread, and drained with the rest of the body).
        /// A body without the header (raw deflate, as some servers send) is passed through whole.
        /// </summary>
        private sealed class ZlibHeaderSkip : ReadOnlyWrapper
        {
            private byte[]? _head;
            private int _headPos;
            private bool _checked;

            internal ZlibHeaderSkip(Stream inner) : base(inner) { }

            public override int Read(byte[] buffer, int offset, int count)
                => ReadAsync(buffer, offset, count, System.Threading.CancellationToken.None).GetAwaiter().GetResult();

            public override async System.Threading.Tasks.Task<int> ReadAsync(byte[] buffer, int offset, int count, System.Threading.CancellationToken cancellationToken)
            {
                if (!_checked)
                {
                    var head = new byte[2];
                    int n = 0;
                    while (n < 2)
                    {
                        int r = await Inner.ReadAsync(head, n, 2 - n, cancellationToken).ConfigureAwait(false);
                        if (r == 0) break;
                        n += r;
                    }
                    _checked = true;
                    bool zlib = n == 2 && (head[0] & 0x0F) == 8 && ((head[0] << 8) | head[1]) % 31 == 0;
                    _head = zlib ? null : head.Take(n).ToArray();
                }
                if (_head != null && _headPos < _head.Length)
                {
                    int m = Math.Min(count, _head.Length - _headPos);
                    Array.Copy(_head, _headPos, buffer, offset, m);
                    _headPos += m;
                    return m;
                }
                return await Inner.ReadAsync(buffer, offset, count, cancellationToken).ConfigureAwait(false);
            }

        }
#endif

        /// <summary>Whether <paramref name="decoded"/> bytes out of <paramref name="received"/> exceed the expansion allowed.</summary>
        internal static bool TooExpanded(long decoded, long received) => decoded > FreeDecodedBytes + MaximumExpansion * Math.Max(received, 1);
    }
}
