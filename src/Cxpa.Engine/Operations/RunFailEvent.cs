using System;
using System.Collections.Generic;

namespace Cxpa.Engine.Operations
{
    /// <summary>The run failed: <c>{"type":"output","failed":true,"error":{"message":…,"name":…,"stack":…}}</c> (name and stack only when given).</summary>
    public sealed class RunFailEvent : RunEvent
    {
        /// <summary>A failure with its message, and optionally its name (an error type) and stack trace.</summary>
        public RunFailEvent(string message, string? name = null, string? stack = null)
        {
            Message = message ?? throw new ArgumentNullException(nameof(message));
            ErrorName = name;
            Stack = stack;
        }

        /// <summary>The failure's message.</summary>
        public string Message { get; }
        /// <summary>The failure's name, if given.</summary>
        public string? ErrorName { get; }
        /// <summary>The failure's stack trace, if given.</summary>
        public string? Stack { get; }

        /// <inheritdoc />
        public override string Name => "fail";

        internal override Dictionary<string, object?> Body()
        {
            var error = new Dictionary<string, object?> { ["message"] = Message };
            if (ErrorName != null) error["name"] = ErrorName;
            if (Stack != null) error["stack"] = Stack;
            var body = Typed("output");
            body["failed"] = true;
            body["error"] = error;
            return body;
        }
    }
}
