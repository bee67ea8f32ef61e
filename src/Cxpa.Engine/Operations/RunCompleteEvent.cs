using System.Collections.Generic;

namespace Cxpa.Engine.Operations
{
    /// <summary>
    /// The run completed: <c>{"type":"output","output":…,"outputs":n,"complete":true}</c>. Without a final output the
    /// "output" key is left out: "output": null would erase the last intermediate output.
    /// </summary>
    public sealed class RunCompleteEvent : RunEvent
    {
        /// <summary>Completion without a final output (the last intermediate output stays).</summary>
        public RunCompleteEvent(long? outputs = null)
        {
            Outputs = outputs;
        }

        /// <summary>Completion with a final output (a JSON value; null is sent as null).</summary>
        public RunCompleteEvent(object? output, long? outputs)
        {
            Output = output;
            HasOutput = true;
            Outputs = outputs;
        }

        /// <summary>The final output, when <see cref="HasOutput"/>.</summary>
        public object? Output { get; }
        /// <summary>True when the event carries a final output.</summary>
        public bool HasOutput { get; }
        /// <summary>The count of outputs, if given.</summary>
        public long? Outputs { get; }

        /// <inheritdoc />
        public override string Name => "complete";

        internal override Dictionary<string, object?> Body()
        {
            var body = Typed("output");
            if (HasOutput) body["output"] = Output;
            if (Outputs != null) body["outputs"] = Outputs.Value;
            body["complete"] = true;
            return body;
        }
    }
}
