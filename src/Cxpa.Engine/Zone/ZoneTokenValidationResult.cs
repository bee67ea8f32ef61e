namespace Cxpa.Engine.Zone
{
    /// <summary>The outcome of a zone token check.</summary>
    public sealed class ZoneTokenValidationResult
    {
        public bool IsValid { get; set; }
        public ZoneTokenFailureReason Reason { get; set; }
        /// <summary>A human sentence; never contains the token or the secret.</summary>
        public string Message { get; set; } = "";
        /// <summary>The claims when the token could be decoded (also for some invalid tokens, e.g. expired).</summary>
        public ZoneTokenClaims? Claims { get; set; }
    }
}
