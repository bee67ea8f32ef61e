namespace Cxpa.Engine
{
    /// <summary>The answer of a trigger-and-wait: a terminal run, or the id of a run still in flight.</summary>
    public sealed class TriggerWaitResult
    {
        /// <summary>The run id.</summary>
        public long RunId { get; set; }
        /// <summary>True when the server's wait window elapsed (202).</summary>
        public bool TimedOut { get; set; }
        /// <summary>The terminal run (null when TimedOut).</summary>
        public Run? Run { get; set; }
    }
}
