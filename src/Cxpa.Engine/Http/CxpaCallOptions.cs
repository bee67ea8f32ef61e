using System;
using System.Net.Http;
using Cxpa.Engine.Json;
using Cxpa.Engine.Time;

namespace Cxpa.Engine.Http
{
    /// <summary>Retries, timeouts and logging for the calls of one client.</summary>
    public sealed class CxpaCallOptions
    {
        /// <summary>How many times a retryable failure is retried (0 = never). Default 3.</summary>
        public int MaximumRetryCount { get; set; } = 3;
        /// <summary>The delay before the first retry; later ones back off exponentially with jitter. Retry-After wins. Default 1 s.</summary>
        public TimeSpan RetryInterval { get; set; } = TimeSpan.FromSeconds(1);
        /// <summary>The longest Retry-After honoured; a longer one ends the retries. Default 60 s.</summary>
        public TimeSpan MaximumRetryAfter { get; set; } = TimeSpan.FromSeconds(60);
        /// <summary>How long to wait for the answer's headers (a wait call adds its server window). Default 100 s.</summary>
        public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(100);
        /// <summary>
        /// How long one read of a body may take: a whole JSON answer is read within it; a download's every read. Default 30 s.
        /// </summary>
        public TimeSpan ReadTimeout { get; set; } = TimeSpan.FromSeconds(30);
        /// <summary>The default of <see cref="MaximumResponseBytes"/>: 16 MiB.</summary>
        public const long DefaultMaximumResponseBytes = 16L * 1024 * 1024;
        /// <summary>
        /// The largest JSON answer read into memory (downloads are streamed and not capped). A declared Content-Length over it
        /// fails before the body is read; a body that grows past it stops being read. Default 16 MiB.
        /// </summary>
        public long MaximumResponseBytes
        {
            get => _maximumResponseBytes;
            set
            {
                if (value <= 0 || value >= int.MaxValue) throw new ArgumentOutOfRangeException(nameof(MaximumResponseBytes), value, "The largest answer must be between 1 byte and 2 GiB.");
                _maximumResponseBytes = value;
            }
        }
        private long _maximumResponseBytes = DefaultMaximumResponseBytes;
        /// <summary>The overall deadline of the operation (the caller's wait budget); null for none.</summary>
        public WaitDeadline? Deadline { get; set; }
        /// <summary>Where the engine tells what it does.</summary>
        public ICxpaLog Log { get; set; } = NullLog.Instance;
        /// <summary>
        /// The transport: null for the process-wide pooled handler (no redirects, no cookies, no decompression). Tests and
        /// hosts with their own HTTP stack pass a handler; the client never disposes it.
        /// </summary>
        public HttpMessageHandler? Handler { get; set; }
        /// <summary>The clock of retry delays, Retry-After, timeouts, deadlines and the wait schedule. Default: the system clock.</summary>
        public TimeProvider TimeProvider { get; set; } = TimeProvider.System;
        /// <summary>What JSON objects become.</summary>
        public IJsonObjectFactory ObjectFactory { get; set; } = DictionaryObjectFactory.Instance;
    }
}
