using System.Threading;

namespace Cxpa.Engine.Downloads
{
    /// <summary>Live counters of a download, read by the pipeline thread for progress.</summary>
    public sealed class DownloadProgress
    {
        private long _bytes;
        /// <summary>Bytes written so far.</summary>
        public long BytesWritten => Interlocked.Read(ref _bytes);
        /// <summary>Content-Length, when sent.</summary>
        public long? TotalBytes { get; internal set; }
        /// <summary>The file name being written, once known.</summary>
        public string? FileName { get; internal set; }
        internal void Add(int n) => Interlocked.Add(ref _bytes, n);
    }
}
