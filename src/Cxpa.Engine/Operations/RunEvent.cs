using System.Collections.Generic;
using Cxpa.Engine.Http;

namespace Cxpa.Engine.Operations
{
    /// <summary>
    /// A runtime's report about its run, sent to the run's callback: <see cref="RunStartedEvent"/>, <see cref="RunOutputEvent"/>,
    /// <see cref="RunCompleteEvent"/>, <see cref="RunFailEvent"/> or <see cref="RunWaitingEvent"/>. Each builds its own
    /// callback body and chooses its retry rule.
    /// </summary>
    public abstract class RunEvent
    {
        private protected RunEvent() { }

        /// <summary>The event's name: started, output, complete, fail or waiting.</summary>
        public abstract string Name { get; }

        /// <summary>
        /// When the callback may be sent again. A callback is a state report, and repeating the same report is harmless,
        /// except that an intermediate output repeated is not: that one keeps to the refused-before-reaching rule.
        /// </summary>
        public virtual RetryMode Retry => RetryMode.Idempotent;

        /// <summary>The callback's JSON body.</summary>
        internal abstract Dictionary<string, object?> Body();

        /// <summary>A body that starts with its type.</summary>
        private protected static Dictionary<string, object?> Typed(string type) => new Dictionary<string, object?> { ["type"] = type };
    }
}
