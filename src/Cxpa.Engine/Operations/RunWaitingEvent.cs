using System;
using System.Collections.Generic;

namespace Cxpa.Engine.Operations
{
    /// <summary>The run waits on a token (an approval): <c>{"type":"waiting","tokenId":…,"description":…,"output":…}</c> (output only when not null).</summary>
    public sealed class RunWaitingEvent : RunEvent
    {
        /// <summary>A wait on <paramref name="tokenId"/> for <paramref name="description"/>, with an optional output.</summary>
        public RunWaitingEvent(string tokenId, string description, object? output = null)
        {
            if (string.IsNullOrEmpty(tokenId)) throw new ArgumentException("A wait needs the token id it waits on.", nameof(tokenId));
            if (string.IsNullOrEmpty(description)) throw new ArgumentException("A wait needs a description of what it waits for.", nameof(description));
            TokenId = tokenId;
            Description = description;
            Output = output;
        }

        /// <summary>The token the run waits on.</summary>
        public string TokenId { get; }
        /// <summary>What the run waits for.</summary>
        public string Description { get; }
        /// <summary>An output shown while waiting, or null.</summary>
        public object? Output { get; }

        /// <inheritdoc />
        public override string Name => "waiting";

        internal override Dictionary<string, object?> Body()
        {
            var body = Typed("waiting");
            body["tokenId"] = TokenId;
            body["description"] = Description;
            if (Output != null) body["output"] = Output;
            return body;
        }
    }
}
