using System.Collections.Generic;
using Cxpa.Engine.Http;

namespace Cxpa.Engine.Operations
{
    /// <summary>An intermediate output: <c>{"type":"output","output":…,"outputs":n}</c> (outputs only when given). Never resent once it may have reached the platform.</summary>
    public sealed class RunOutputEvent : RunEvent
    {
        /// <summary>An intermediate output (a JSON value: null, a scalar, a list or a dictionary) and the count of outputs so far.</summary>
        public RunOutputEvent(object? output, long? outputs = null)
        {
            Output = output;
            Outputs = outputs;
        }

        /// <summary>The output.</summary>
        public object? Output { get; }
        /// <summary>The count of outputs so far, if given.</summary>
        public long? Outputs { get; }

        /// <inheritdoc />
        public override string Name => "output";
        /// <inheritdoc />
        public override RetryMode Retry => RetryMode.UntilReached;

        internal override Dictionary<string, object?> Body()
        {
            var body = Typed("output");
            body["output"] = Output;
            if (Outputs != null) body["outputs"] = Outputs.Value;
            return body;
        }
    }
}
