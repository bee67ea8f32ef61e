namespace Cxpa
{
    /// <summary>What a platform call does: decides its retry rule and what an error after it tells to do next.</summary>
    public enum OperationEffect
    {
        /// <summary>Reads only (get a run, read or resolve a credential): safe to repeat.</summary>
        Read,
        /// <summary>Starts a run (trigger, trigger-and-wait, trigger-and-download): never repeated once it may have reached the platform.</summary>
        StartsRun,
        /// <summary>Sends a run event to a run's callback: the event may have been recorded.</summary>
        SendsEvent,
        /// <summary>A write the platform keys (register, ingest: the same external run id gives the same run): safe to repeat.</summary>
        IdempotentWrite,
        /// <summary>Any other write (Invoke-CxpaRestMethod with POST or PATCH): never repeated once it may have reached the platform.</summary>
        Write,
    }
}
