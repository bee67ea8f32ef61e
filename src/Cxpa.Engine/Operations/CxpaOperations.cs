using System;
using System.Collections.Generic;
using System.Globalization;
using System.Net.Http;
using Cxpa.Engine.Http;

namespace Cxpa.Engine.Operations
{
    /// <summary>
    /// The description of every platform call: the one place that spells routes and bodies. The kind of secret picks the
    /// family of endpoints (ingest key: api/agents/...; zone token: api/zones/agents/...; agent API key: the runtime's
    /// api/runs/... and api/credentials/...). A cmdlet reads the What-if text from here; the client sends the same description.
    /// </summary>
    public static class CxpaOperations
    {
        /// <summary>Starts a run (trigger; zone: runs.create). Not idempotent: never resent once it may have reached the platform.</summary>
        public static CxpaOperation Trigger(CxpaAuthKind kind, long agentId, object? input)
        {
            // The zone form creates the run with a POST on the runs collection; the ingest-key form has its trigger route.
            var zone = IsZone(kind);
            var route = zone ? AgentRuns(kind, agentId) : AgentRuns(kind, agentId) + "/trigger";
            return new CxpaOperation("trigger", HttpMethod.Post, route, Obj(zone ? "payload" : "input", input ?? new Dictionary<string, object?>()),
                RetryMode.UntilReached, WithInput(route, input), StartText(agentId))
            { NoStore = zone };
        }

        /// <summary>Starts a run and waits on the platform for at most <paramref name="window"/> (capped at <see cref="PlatformWaitCeiling"/>).</summary>
        public static CxpaOperation TriggerAndWait(CxpaAuthKind kind, long agentId, object? input, TimeSpan window)
            => Waiting("trigger-and-wait", kind, agentId, input, window, StartText(agentId));

        /// <summary>Starts a run and opens the file it produces (trigger-and-download), waiting at most <paramref name="window"/> for it to start.</summary>
        public static CxpaOperation TriggerAndDownload(CxpaAuthKind kind, long agentId, object? input, TimeSpan window)
        {
            var op = Waiting("trigger-and-download", kind, agentId, input, window, StartText(agentId) + " and save its file");
            op.StreamsAnswer = true;
            return op;
        }

        /// <summary>Reads a run.</summary>
        public static CxpaOperation GetRun(CxpaAuthKind kind, long agentId, long runId)
        {
            var route = AgentRuns(kind, agentId) + "/" + Id(runId);
            return new CxpaOperation("get-run", HttpMethod.Get, route, null, RetryMode.Idempotent, "GET " + route, $"Read run {Id(runId)} of agent {Id(agentId)}")
            { RunId = runId, NoStore = IsZone(kind) };
        }

        /// <summary>Registers an externally-triggered run (ingest key; idempotent on externalRunId).</summary>
        public static CxpaOperation Register(long agentId, string externalRunId, object? input, object? metadata, Guid? userId)
        {
            var route = AgentRuns(CxpaAuthKind.IngestApiKey, agentId) + "/register";
            var body = Obj("externalRunId", externalRunId);
            if (input != null) body["input"] = input;
            if (metadata != null) body["metadata"] = metadata;
            if (userId != null) body["userId"] = userId.Value.ToString();
            return new CxpaOperation("register", HttpMethod.Post, route, body, RetryMode.Idempotent,
                $"POST {route} with externalRunId '{externalRunId}', {InputSummary.Of(input)}", $"Register run '{externalRunId}' of agent {Id(agentId)}");
        }

        /// <summary>Reports a standalone agent's run (ingest key; upsert on externalRunId). <paramref name="status"/> is sent as given.</summary>
        public static CxpaOperation Ingest(long agentId, string externalRunId, string status, object? output, long? outputs, string? error)
        {
            var route = AgentRuns(CxpaAuthKind.IngestApiKey, agentId) + "/ingest";
            var body = Obj("externalRunId", externalRunId);
            body["status"] = status;
            if (output != null) body["output"] = output;
            if (outputs != null) body["outputs"] = outputs.Value;
            if (error != null) body["error"] = error;
            return new CxpaOperation("ingest", HttpMethod.Post, route, body, RetryMode.Idempotent,
                $"POST {route} with externalRunId '{externalRunId}', status {status}, output: {InputSummary.Of(output)}",
                $"Report run '{externalRunId}' of agent {Id(agentId)} as {status}");
        }

        /// <summary>Reads a credential of the zone's agent by integration key (zone token).</summary>
        public static CxpaOperation ZoneCredential(long agentId, string integrationKey)
        {
            var route = $"api/zones/agents/{Id(agentId)}/credentials/{Segment(integrationKey, "integration key")}";
            return new CxpaOperation("zone-credential", HttpMethod.Get, route, null, RetryMode.Idempotent, "GET " + route,
                $"Read credential '{integrationKey}' of agent {Id(agentId)}") { NoStore = true };
        }

        /// <summary>Resolves a credential by connection id (agent API key plus the run's credentials token, sent as a header).</summary>
        public static CxpaOperation ResolveCredential(string connectionId, long? runId)
        {
            var route = $"api/credentials/{Segment(connectionId, "connection id")}/resolve";
            return new CxpaOperation("resolve-credential", HttpMethod.Get, route, null, RetryMode.Idempotent, "GET " + route,
                runId != null ? $"Resolve credential '{connectionId}' for run {Id(runId.Value)}" : $"Resolve credential '{connectionId}'") { RunId = runId };
        }

        /// <summary>Sends a run event to the run's callback (agent API key); the event builds the body and picks the retry rule.</summary>
        public static CxpaOperation SendRunEvent(long runId, RunEvent runEvent)
        {
            if (runEvent == null) throw new ArgumentNullException(nameof(runEvent));
            var route = $"api/runs/{Id(runId)}/callback";
            return new CxpaOperation("run-event", HttpMethod.Post, route, runEvent.Body(), runEvent.Retry,
                $"POST {route} with a '{runEvent.Name}' event", $"Report '{runEvent.Name}' for run {Id(runId)}") { RunId = runId };
        }

        /// <summary>The longest server-side wait window the platform grants (300 s).</summary>
        public static readonly TimeSpan PlatformWaitCeiling = TimeSpan.FromMilliseconds(300_000);

        /// <summary>A wait window in whole milliseconds for the body: 1 ms at least; none or over the ceiling becomes the ceiling.</summary>
        public static int WindowMilliseconds(TimeSpan window)
        {
            var ms = window <= TimeSpan.Zero || window > PlatformWaitCeiling ? PlatformWaitCeiling.TotalMilliseconds : window.TotalMilliseconds;
            return (int)Math.Max(1, Math.Ceiling(ms));
        }

        private static CxpaOperation Waiting(string name, CxpaAuthKind kind, long agentId, object? input, TimeSpan window, string action)
        {
            var route = AgentRuns(kind, agentId) + "/" + name;
            var ms = WindowMilliseconds(window);
            var body = Obj(IsZone(kind) ? "payload" : "input", input ?? new Dictionary<string, object?>());
            body["timeoutMs"] = ms;
            return new CxpaOperation(name, HttpMethod.Post, route, body, RetryMode.UntilReached, WithInput(route, input), action)
            {
                ServerWindow = TimeSpan.FromMilliseconds(ms),
                NoStore = IsZone(kind),
            };
        }

        private static bool IsZone(CxpaAuthKind kind) => kind == CxpaAuthKind.ZoneToken;

        private static string AgentRuns(CxpaAuthKind kind, long agentId)
            => (IsZone(kind) ? "api/zones/agents/" : "api/agents/") + Id(agentId) + "/runs";

        private static string WithInput(string route, object? input) => $"POST {route} with {InputSummary.Of(input)}";

        private static string StartText(long agentId) => "Start a run of agent " + Id(agentId);

        /// <summary>
        /// A user's id as exactly one path segment: escaped, so that '/', '\', '?', '#' and '%' stay inside it; '.' and '..'
        /// (and an empty id) are refused, because a URL reads them as "this folder" and "one folder up" and the request
        /// would go, with its key, to another route (api/credentials/../resolve is api/resolve).
        /// </summary>
        internal static string Segment(string value, string what)
        {
            if (string.IsNullOrEmpty(value) || value == "." || value == "..")
                throw new CxpaConfigurationException(
                    $"The {what} '{value}' cannot be used: it must be a name, not empty, '.' or '..' (which a URL reads as a step in the path).",
                    "InvalidArgument");
            return Uri.EscapeDataString(value);
        }

        private static string Id(long id) => id.ToString(CultureInfo.InvariantCulture);

        private static Dictionary<string, object?> Obj(string name, object? value) => new Dictionary<string, object?> { [name] = value };
    }
}
