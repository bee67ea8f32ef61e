using System.Collections.Generic;

namespace Cxpa.Engine.Operations
{
    /// <summary>The run started: <c>{"type":"started"}</c>.</summary>
    public sealed class RunStartedEvent : RunEvent
    {
        /// <inheritdoc />
        public override string Name => "started";

        internal override Dictionary<string, object?> Body() => Typed("started");
    }
}
