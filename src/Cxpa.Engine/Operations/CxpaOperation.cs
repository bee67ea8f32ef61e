using System;
using System.Collections.Generic;
using System.Net.Http;
using Cxpa.Engine.Http;

namespace Cxpa.Engine.Operations
{
    /// <summary>
    /// One platform call, described before anything is sent: method, route, JSON body, retry rule, effect, the kinds of
    /// secret it accepts, the run it concerns, and the What-if summary (target and action) that a cmdlet shows for -WhatIf.
    /// The summary never holds a secret nor an input value: only routes, ids and the input's key names.
    /// <see cref="CxpaOperations"/> builds them; <see cref="CxpaClient.SendAsync{T}"/> sends them as they are.
    /// </summary>
    public class CxpaOperation
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

        /// <summary>The operation's name: trigger, trigger-and-wait, trigger-and-download, get-run, register, ingest, zone-credential, resolve-credential, run-event or rest.</summary>
        public string Name { get; }
        /// <summary>The HTTP method.</summary>
        public HttpMethod Method { get; }
        /// <summary>The route, relative to the base URL (no leading '/').</summary>
        public string Route { get; }
        /// <summary>The JSON body (null for none).</summary>
        public IReadOnlyDictionary<string, object?>? Body => _body;
        private readonly Dictionary<string, object?>? _body;
        /// <summary>A JSON body that is not an object (an array or a scalar); used when <see cref="Body"/> is null.</summary>
        internal object? OtherBody { get; set; }
        /// <summary>Whether a body is sent.</summary>
        internal bool HasBody => _body != null || OtherBody != null;
        /// <summary>The body to serialize.</summary>
        internal object? BodyValue => (object?)_body ?? OtherBody;
        /// <summary>When a failed send may be sent again.</summary>
        public RetryMode Retry { get; }
        /// <summary>What the call does: a read, a run start, an event, a keyed write.</summary>
        public OperationEffect Effect { get; internal set; } = OperationEffect.Read;
        /// <summary>The kinds of secret that may make the call.</summary>
        public IReadOnlyList<CxpaAuthKind> AcceptedKinds { get; internal set; } = Array.Empty<CxpaAuthKind>();
        /// <summary>What the call does, for the error of a wrong kind of secret ("Starting a run needs ...").</summary>
        internal string Purpose { get; set; } = "This call";
        /// <summary>True when the call sends the run's credentials token (x-credentials-token).</summary>
        internal bool SendsCredentialsToken { get; set; }
        /// <summary>Extra headers (name, value) the caller gave; never an authorization header.</summary>
        internal IReadOnlyList<KeyValuePair<string, string>>? Headers { get; set; }
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

        /// <summary>Whether a secret of <paramref name="kind"/> may make the call.</summary>
        public bool Accepts(CxpaAuthKind kind)
        {
            foreach (var k in AcceptedKinds) if (k == kind) return true;
            return false;
        }

        /// <summary>" Run id: N." for a call about a run; empty otherwise.</summary>
        internal string RunIdSuffix => RunId != null ? $" Run id: {RunId}." : "";

        /// <inheritdoc />
        public override string ToString() => Method.Method + " " + Route;
    }
}
