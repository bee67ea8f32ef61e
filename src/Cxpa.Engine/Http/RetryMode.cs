namespace Cxpa.Engine.Http
{
    /// <summary>When a failed request may be sent again.</summary>
    public enum RetryMode
    {
        /// <summary>Never.</summary>
        Never,
        /// <summary>Not idempotent (trigger): only when the server certainly did not act on it (429, connection refused).</summary>
        UntilReached,
        /// <summary>Idempotent or keyed (GET, register, ingest): 408/429/500/502/503/504, connection failures, header timeouts.</summary>
        Idempotent,
    }
}
