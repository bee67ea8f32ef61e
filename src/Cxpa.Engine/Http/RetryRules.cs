using System.Collections.Generic;

namespace Cxpa.Engine.Http
{
    /// <summary>
    /// Which HTTP statuses a retry rule resends: the statuses <see cref="RetryClassifier"/> resends, read by the help generator
    /// (the status lists in the shared parameter help) and by the tests that hold the help to it.
    /// </summary>
    public static class RetryRules
    {
        /// <summary>Whether an answer with this status is sent again under this rule (Retry-After and the deadline permitting).</summary>
        public static bool RetriesStatus(RetryMode mode, int status)
        {
            switch (mode)
            {
                case RetryMode.Idempotent: return status == 408 || status == 429 || status == 500 || status == 502 || status == 503 || status == 504;
                case RetryMode.UntilReached: return status == 429;
                default: return false;
            }
        }

        /// <summary>Every status from 100 to 599 that this rule resends, in ascending order.</summary>
        public static IReadOnlyList<int> RetriedStatuses(RetryMode mode)
        {
            var statuses = new List<int>();
            for (int status = 100; status < 600; status++)
                if (RetriesStatus(mode, status)) statuses.Add(status);
            return statuses;
        }
    }
}
