using System.Threading;

namespace Cxpa.Engine.Downloads
{
    /// <summary>Live counters of a download, read by the pipeline thread for progress.</summary>
    public sealed class DownloadProgress
    {
        private long _bytes;
        private long _received;
        /// <summary>Bytes written so far (decoded, for a body with a Content-Encoding that is undone).</summary>
        public long BytesWritten => Interlocked.Read(ref _bytes);
        /// <summary>Bytes received so far as the server sent them (what <see cref="TotalBytes"/> counts).</summary>
        public long BytesReceived => Interlocked.Read(ref _received);
        /// <summary>Content-Length, when sent (the bytes as the server sends them, encoded when there is a Content-Encoding).</summary>
        public long? TotalBytes { get; internal set; }
        /// <summary>The file name being written, once known.</summary>
        public string? FileName { get; internal set; }
        internal void Add(int written, long received)
        {
            Interlocked.Add(ref _bytes, written);
            Interlocked.Exchange(ref _received, received);
        }
    }
}
