using System;
using System.Collections.Generic;
using System.Net.Http;
using Cxpa.Engine.Http;

namespace Cxpa.Engine.Operations
{
    /// <summary>
    /// One platform call, described before anything is sent: method, route, JSON body, retry rule, the run it concerns,
    /// and the What-if summary (target and action) that a cmdlet shows for -WhatIf. The summary never holds a secret nor
    /// an input value: only routes, ids and the input's key names. <see cref="CxpaOperations"/> builds them; the client sends them.
    /// </summary>
    public sealed class CxpaOperation
    {
        internal CxpaOperation(string name, HttpMethod method, string route, Dictionary<string, object?>? body, RetryMode retry, string whatIfTarget, string whatIfAction)
        {
            Name = name;
            Method = method;
            Route = route;
            _body = body;
            Retry = retry;
            WhatIfTarget = whatIfTarget;
            WhatIfAction = whatIfAction;
        }

        /// <summary>The operation's name: trigger, trigger-and-wait, trigger-and-download, get-run, register, ingest, zone-credential, resolve-credential or run-event.</summary>
        public string Name { get; }
        /// <summary>The HTTP method.</summary>
        public HttpMethod Method { get; }
        /// <summary>The route, relative to the base URL (no leading '/').</summary>
        public string Route { get; }
        /// <summary>The JSON body (null for none).</summary>
        public IReadOnlyDictionary<string, object?>? Body => _body;
        private readonly Dictionary<string, object?>? _body;
        /// <summary>When a failed send may be sent again.</summary>
        public RetryMode Retry { get; }
        /// <summary>The run the call concerns, when known before the answer.</summary>
        public long? RunId { get; internal set; }
        /// <summary>The server-side wait window the body asks for (trigger-and-wait, trigger-and-download); it extends the header timeout.</summary>
        public TimeSpan? ServerWindow { get; internal set; }
        /// <summary>True for the zone endpoints, whose answers must not be stored by caches.</summary>
        public bool NoStore { get; internal set; }
        /// <summary>True when the answer is a stream the caller reads (a download).</summary>
        public bool StreamsAnswer { get; internal set; }
        /// <summary>The What-if target: the method, the route and what the body carries, without values or secrets.</summary>
        public string WhatIfTarget { get; }
        /// <summary>The What-if action: what the call does, in words.</summary>
        public string WhatIfAction { get; }

        /// <summary>The request the HTTP core sends.</summary>
        internal CxpaRequest ToRequest() => new CxpaRequest
        {
            Method = Method,
            Path = Route,
            Body = _body,
            HasBody = _body != null,
            Retry = Retry,
            RunId = RunId,
            StreamResponse = StreamsAnswer,
            ExtraHeaderTime = ServerWindow,
            NoStore = NoStore,
        };

        /// <inheritdoc />
        public override string ToString() => Method.Method + " " + Route;
    }
}
