using System;

namespace Cxpa
{
    /// <summary>A download broke off or could not be written.</summary>
    public sealed class CxpaDownloadException : CxpaException
    {
        /// <summary>Creates the error.</summary>
        public CxpaDownloadException(string message, long? runId = null, Exception? inner = null) : base(message, runId, inner) { }
        /// <summary>Creates the error for a complete file that could not be moved into place and is kept at <paramref name="tempFilePath"/>.</summary>
        public CxpaDownloadException(string message, long? runId, string tempFilePath, Exception? inner) : base(message, runId, inner)
        {
            TempFilePath = tempFilePath;
        }
        /// <summary>
        /// Where the complete file is kept when every byte arrived but the final move into place failed (a temporary
        /// ".cxpa-&lt;hex&gt;.partial" file in the target folder; move or rename it yourself); null for every other failure.
        /// </summary>
        public string? TempFilePath { get; }
    }
}
