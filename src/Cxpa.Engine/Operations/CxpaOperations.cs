using System;
using System.Collections.Generic;
using System.Globalization;
using System.Net.Http;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using Cxpa.Engine.Downloads;
using Cxpa.Engine.Http;
using Cxpa.Engine.Json;
using Cxpa.Engine.Models;

namespace Cxpa.Engine.Operations
{
    /// <summary>
    /// The description of every platform call: the one place that spells routes, bodies, the kinds of secret each call
    /// accepts and how its answer is read. The kind of secret picks the family of endpoints (ingest key: api/agents/...;
    /// zone token: api/zones/agents/...; agent API key: the runtime's api/runs/... and api/credentials/...). A cmdlet reads
    /// the What-if text from here and sends the same operation through <see cref="CxpaClient.SendAsync{T}"/>.
    /// </summary>
    public static class CxpaOperations
    {
        /// <summary>The operation names whose accepted kinds of secret <see cref="AcceptedKinds"/> tells.</summary>
        public const string TriggerName = "trigger", GetRunName = "get-run", RegisterName = "register", IngestName = "ingest",
            ZoneCredentialName = "zone-credential", ResolveCredentialName = "resolve-credential", RunEventName = "run-event";

        private static readonly CxpaAuthKind[] RunKinds = { CxpaAuthKind.IngestApiKey, CxpaAuthKind.ZoneToken };
        private static readonly CxpaAuthKind[] IngestKinds = { CxpaAuthKind.IngestApiKey };
        private static readonly CxpaAuthKind[] ZoneKinds = { CxpaAuthKind.ZoneToken };
        private static readonly CxpaAuthKind[] RuntimeKinds = { CxpaAuthKind.AgentApiKey };
        private static readonly CxpaAuthKind[] AnyKind = { CxpaAuthKind.IngestApiKey, CxpaAuthKind.ZoneToken, CxpaAuthKind.AgentApiKey };

        /// <summary>
        /// The kinds of secret an operation accepts, by its name (the run calls: an ingest key or a zone token; register and
        /// ingest: an ingest key; a zone credential: a zone token; resolve-credential and run events: an agent API key; rest: any).
        /// </summary>
        public static IReadOnlyList<CxpaAuthKind> AcceptedKinds(string operationName) => operationName switch
        {
            "trigger" or "trigger-and-wait" or "trigger-and-download" or "get-run" => RunKinds,
            "register" or "ingest" => IngestKinds,
            "zone-credential" => ZoneKinds,
            "resolve-credential" or "run-event" => RuntimeKinds,
            "rest" => AnyKind,
            _ => throw new ArgumentOutOfRangeException(nameof(operationName), operationName, "No such operation."),
        };

        /// <summary>Starts a run (trigger; zone: runs.create). Not idempotent: never resent once it may have reached the platform.</summary>
        public static CxpaOperation<Run> Trigger(CxpaAuthKind kind, long agentId, object? input)
        {
            // The zone form creates the run with a POST on the runs collection; the ingest-key form has its trigger route.
            var zone = IsZone(kind);
            var route = zone ? AgentRuns(kind, agentId) : AgentRuns(kind, agentId) + "/trigger";
            return Describe(new CxpaOperation<Run>("trigger", HttpMethod.Post, route, Obj(zone ? "payload" : "input", input ?? new Dictionary<string, object?>()),
                RetryMode.UntilReached, WithInput(route, input), StartText(agentId), OperationAnswer.Json((a, root) =>
                {
                    var run = RunReader.FromTriggerAnswer(root, agentId, input, a.Options.ObjectFactory);
                    if (run.RunId <= 0) throw a.Invalid("the answer has no runId");
                    return run;
                }))
            { NoStore = zone }, OperationEffect.StartsRun, "Starting a run");
        }

        /// <summary>Starts a run and waits on the platform for at most <paramref name="window"/> (capped at <see cref="PlatformWaitCeiling"/>).</summary>
        public static CxpaOperation<TriggerWaitResult> TriggerAndWait(CxpaAuthKind kind, long agentId, object? input, TimeSpan window)
            => Waiting("trigger-and-wait", kind, agentId, input, window, StartText(agentId), "Starting a run",
                OperationAnswer.Json((a, root) => ParseWaitAnswer(a, a.Status, root, agentId)));

        /// <summary>Starts a run and opens the file it produces (trigger-and-download), waiting at most <paramref name="window"/> for it to start. The caller owns the answer.</summary>
        public static CxpaOperation<DownloadAnswer> TriggerAndDownload(CxpaAuthKind kind, long agentId, object? input, TimeSpan window)
        {
            var op = Waiting("trigger-and-download", kind, agentId, input, window, StartText(agentId) + " and save its file", "Downloading a run's output",
                (a, ct) => ReadDownloadAsync(a, agentId, ct));
            op.StreamsAnswer = true;
            return op;
        }

        /// <summary>Reads a run.</summary>
        public static CxpaOperation<Run> GetRun(CxpaAuthKind kind, long agentId, long runId)
        {
            var route = AgentRuns(kind, agentId) + "/" + Id(runId);
            return Describe(new CxpaOperation<Run>("get-run", HttpMethod.Get, route, null, RetryMode.Idempotent, "GET " + route, $"Read run {Id(runId)} of agent {Id(agentId)}",
                OperationAnswer.Json((a, root) =>
                {
                    var run = RunReader.FromJson(root, a.Options.ObjectFactory);
                    if (run.RunId <= 0) throw a.Invalid("the run row has no id");
                    // A run other than the one asked for is never passed on as if it were that run.
                    if (run.RunId != runId) throw a.Invalid($"the answer is run {Id(run.RunId)}, not run {Id(runId)} that was asked for");
                    if (run.AgentId == null) run.AgentId = agentId;
                    return run;
                }))
            { RunId = runId, NoStore = IsZone(kind) }, OperationEffect.Read, "Reading a run");
        }

        /// <summary>Registers an externally-triggered run (ingest key; idempotent on externalRunId).</summary>
        public static CxpaOperation<RegisteredRun> Register(long agentId, string externalRunId, object? input, object? metadata, Guid? userId)
        {
            var route = AgentRuns(CxpaAuthKind.IngestApiKey, agentId) + "/register";
            var body = Obj("externalRunId", externalRunId);
            if (input != null) body["input"] = input;
            if (metadata != null) body["metadata"] = metadata;
            if (userId != null) body["userId"] = userId.Value.ToString();
            return Describe(new CxpaOperation<RegisteredRun>("register", HttpMethod.Post, route, body, RetryMode.Idempotent,
                $"POST {route} with externalRunId '{externalRunId}', {InputSummary.Of(input)}", $"Register run '{externalRunId}' of agent {Id(agentId)}",
                OperationAnswer.Json((a, root) =>
                {
                    var r = new RegisteredRun { AgentId = agentId, ExternalRunId = externalRunId };
                    if (root.TryGetProperty("runId", out var id)) r.RunId = JsonRead.Int64(id) ?? 0;
                    if (r.RunId <= 0) throw a.Invalid("the answer has no runId");
                    var tok = JsonRead.Member(root, "credentialsToken");
                    var tokenText = tok.ValueKind == JsonValueKind.String ? tok.GetString() : null;
                    if (!string.IsNullOrEmpty(tokenText)) r.CredentialsToken = Secret.FromString(tokenText!);
                    if (root.TryGetProperty("expiresInSeconds", out var exp)) r.ExpiresInSeconds = JsonRead.Int32(exp);
                    if (r.ExpiresInSeconds != null) r.ExpiresAt = a.Options.TimeProvider.GetUtcNow().AddSeconds(r.ExpiresInSeconds.Value);
                    return r;
                })), OperationEffect.IdempotentWrite, "Registering a run");
        }

        /// <summary>Reports a standalone agent's run (ingest key; upsert on externalRunId). <paramref name="status"/> is sent as given.</summary>
        public static CxpaOperation<IngestResult> Ingest(long agentId, string externalRunId, string status, object? output, long? outputs, string? error)
        {
            var route = AgentRuns(CxpaAuthKind.IngestApiKey, agentId) + "/ingest";
            var body = Obj("externalRunId", externalRunId);
            body["status"] = status;
            if (output != null) body["output"] = output;
            if (outputs != null) body["outputs"] = outputs.Value;
            if (error != null) body["error"] = error;
            return Describe(new CxpaOperation<IngestResult>("ingest", HttpMethod.Post, route, body, RetryMode.Idempotent,
                $"POST {route} with externalRunId '{externalRunId}', status {status}, output: {InputSummary.Of(output)}",
                $"Report run '{externalRunId}' of agent {Id(agentId)} as {status}",
                OperationAnswer.Json((a, root) =>
                {
                    var r = new IngestResult { AgentId = agentId, ExternalRunId = externalRunId, Status = status };
                    if (root.TryGetProperty("runId", out var id)) r.RunId = JsonRead.Int64(id) ?? 0;
                    if (root.TryGetProperty("status", out var st)) r.Status = JsonRead.String(st) ?? status;
                    return r;
                })), OperationEffect.IdempotentWrite, "Ingesting a run");
        }

        /// <summary>Reads a credential of the zone's agent by integration key (zone token).</summary>
        public static CxpaOperation<CredentialData> ZoneCredential(long agentId, string integrationKey)
        {
            var route = $"api/zones/agents/{Id(agentId)}/credentials/{Segment(integrationKey, "integration key")}";
            return Describe(new CxpaOperation<CredentialData>("zone-credential", HttpMethod.Get, route, null, RetryMode.Idempotent, "GET " + route,
                $"Read credential '{integrationKey}' of agent {Id(agentId)}", OperationAnswer.Json(ReadCredential)) { NoStore = true },
                OperationEffect.Read, "Reading a credential by integration key");
        }

        /// <summary>Resolves a credential by connection id (agent API key plus the run's credentials token, sent as a header).</summary>
        public static CxpaOperation<CredentialData> ResolveCredential(string connectionId, long? runId)
        {
            var route = $"api/credentials/{Segment(connectionId, "connection id")}/resolve";
            return Describe(new CxpaOperation<CredentialData>("resolve-credential", HttpMethod.Get, route, null, RetryMode.Idempotent, "GET " + route,
                runId != null ? $"Resolve credential '{connectionId}' for run {Id(runId.Value)}" : $"Resolve credential '{connectionId}'", OperationAnswer.Json(ReadCredential))
            { RunId = runId, SendsCredentialsToken = true }, OperationEffect.Read, "Resolving a credential by connection id");
        }

        /// <summary>Sends a run event to the run's callback (agent API key); the event builds the body and picks the retry rule.</summary>
        public static CxpaOperation<RunEventResult> SendRunEvent(long runId, RunEvent runEvent)
        {
            if (runEvent == null) throw new ArgumentNullException(nameof(runEvent));
            var route = $"api/runs/{Id(runId)}/callback";
            return Describe(new CxpaOperation<RunEventResult>("run-event", HttpMethod.Post, route, runEvent.Body(), runEvent.Retry,
                $"POST {route} with a '{runEvent.Name}' event", $"Report '{runEvent.Name}' for run {Id(runId)}",
                OperationAnswer.Json((a, root) =>
                {
                    var r = new RunEventResult { RunId = runId, Event = runEvent.Name, Ok = true };
                    if (root.TryGetProperty("ok", out var ok)) r.Ok = JsonRead.Bool(ok) ?? true;
                    if (root.TryGetProperty("status", out var st)) r.Status = JsonRead.String(st);
                    return r;
                }))
            { RunId = runId }, OperationEffect.SendsEvent, "Sending a run event");
        }

        /// <summary>
        /// Any platform call by method and path relative to the base URL (Invoke-CxpaRestMethod): any kind of key; GET, HEAD,
        /// OPTIONS, PUT and DELETE are retried like reads, POST and PATCH never once they may have reached the platform. The
        /// answer is the JSON value it holds (objects through the client's object factory), its text when it is not JSON, or
        /// its text as is with <paramref name="raw"/>; an empty answer is null.
        /// </summary>
        public static CxpaOperation<object?> Rest(HttpMethod method, string path, object? body, bool hasBody, IReadOnlyList<KeyValuePair<string, string>>? headers, bool raw)
        {
            if (method == null) throw new ArgumentNullException(nameof(method));
            var route = RestPath(path);
            var safe = method == HttpMethod.Get || method == HttpMethod.Head || method == HttpMethod.Options || method == HttpMethod.Put || method == HttpMethod.Delete;
            var read = method == HttpMethod.Get || method == HttpMethod.Head || method == HttpMethod.Options;
            var target = $"{method.Method} {route}" + (hasBody ? $" with {InputSummary.Of(body)}" : "");
            var op = new CxpaOperation<object?>("rest", method, route, null, safe ? RetryMode.Idempotent : RetryMode.UntilReached, target, $"Send {method.Method} {route}",
                async (a, ct) =>
                {
                    using (a.Response)
                    {
                        var text = await a.Response.Content.ReadAsStringAsync().ConfigureAwait(false);
                        if (raw) return text;
                        if (string.IsNullOrWhiteSpace(text)) return null;
                        if (a.Response.Content.Headers.ContentType?.MediaType?.IndexOf("json", StringComparison.OrdinalIgnoreCase) is not >= 0) return text;
                        try
                        {
                            using var doc = JsonDocument.Parse(text, JsonTree.DocumentOptions);
                            return JsonTree.ToValue(doc.RootElement, a.Options.ObjectFactory);
                        }
                        catch (JsonException) { throw a.Invalid("the answer is not valid JSON"); }
                    }
                })
            { OtherBody = hasBody ? body : null, Headers = headers };
            return Describe(op, read ? OperationEffect.Read : safe ? OperationEffect.IdempotentWrite : OperationEffect.Write, $"{method.Method} {route}");
        }

        /// <summary>
        /// A path relative to the base URL: a leading '/' is dropped; an absolute URL, a '//host' form, a backslash, a '..'
        /// segment, a fragment or a control character is refused, so that the key never goes anywhere but the platform.
        /// </summary>
        public static string RestPath(string path)
        {
            if (string.IsNullOrWhiteSpace(path)) throw new CxpaConfigurationException("The path is empty.", "InvalidPath");
            var p = path.Trim();
            if (p.StartsWith("//", StringComparison.Ordinal) || p.IndexOf("://", StringComparison.Ordinal) >= 0 || p.IndexOf('\\') >= 0 || p.IndexOf('#') >= 0
                || !HeaderValues.IsValid(p) || p.IndexOf(' ') >= 0)
                throw new CxpaConfigurationException("The path must be relative to the base URL (like api/agents/42/runs/7), without a scheme, host, backslash, space, fragment or control character.", "InvalidPath");
            p = p.TrimStart('/');
            var q = p.IndexOf('?');
            foreach (var segment in (q >= 0 ? p.Substring(0, q) : p).Split('/'))
                if (segment == ".." || segment == "." || segment.Equals("%2e%2e", StringComparison.OrdinalIgnoreCase))
                    throw new CxpaConfigurationException("The path must not hold '.' or '..' segments.", "InvalidPath");
            // A colon before the first '/' or '?' would read as a scheme (mailto:, file:): the URL would leave the platform.
            var firstSegment = p.Split('/', '?')[0];
            if (firstSegment.IndexOf(':') >= 0)
                throw new CxpaConfigurationException("The path must be relative to the base URL.", "InvalidPath");
            return p;
        }

        /// <summary>The longest server-side wait window the platform grants (300 s).</summary>
        public static readonly TimeSpan PlatformWaitCeiling = TimeSpan.FromMilliseconds(300_000);

        /// <summary>A wait window in whole milliseconds for the body: 1 ms at least; none or over the ceiling becomes the ceiling.</summary>
        public static int WindowMilliseconds(TimeSpan window)
        {
            var ms = window <= TimeSpan.Zero || window > PlatformWaitCeiling ? PlatformWaitCeiling.TotalMilliseconds : window.TotalMilliseconds;
            return (int)Math.Max(1, Math.Ceiling(ms));
        }

        private static CxpaOperation<T> Waiting<T>(string name, CxpaAuthKind kind, long agentId, object? input, TimeSpan window, string action, string purpose,
            Func<OperationAnswer, CancellationToken, Task<T>> read)
        {
            var route = AgentRuns(kind, agentId) + "/" + name;
            var ms = WindowMilliseconds(window);
            var body = Obj(IsZone(kind) ? "payload" : "input", input ?? new Dictionary<string, object?>());
            body["timeoutMs"] = ms;
            return Describe(new CxpaOperation<T>(name, HttpMethod.Post, route, body, RetryMode.UntilReached, WithInput(route, input), action, read)
            {
                ServerWindow = TimeSpan.FromMilliseconds(ms),
                NoStore = IsZone(kind),
            }, OperationEffect.StartsRun, purpose);
        }

        private static T Describe<T>(T op, OperationEffect effect, string purpose) where T : CxpaOperation
        {
            op.Effect = effect;
            op.AcceptedKinds = AcceptedKinds(op.Name);
            op.Purpose = purpose;
            return op;
        }

        /// <summary>A trigger-and-wait answer: the finished run (200), or the run id still in flight (202 or timedOut).</summary>
        internal static TriggerWaitResult ParseWaitAnswer(OperationAnswer a, int status, JsonElement root, long agentId)
        {
            bool timedOut = status == 202 || (root.TryGetProperty("timedOut", out var t) && t.ValueKind == JsonValueKind.True);
            if (timedOut)
            {
                long id = JsonRead.Int64(JsonRead.Member(root, "runId")) ?? 0;
                if (id <= 0) throw a.Invalid("the 202 answer has no runId");
                return new TriggerWaitResult { RunId = id, TimedOut = true };
            }
            var run = RunReader.FromJson(root, a.Options.ObjectFactory);
            if (run.AgentId == null) run.AgentId = agentId;
            if (run.RunId <= 0) throw a.Invalid("the run row has no id");
            return new TriggerWaitResult { RunId = run.RunId, Run = run };
        }

        /// <summary>A trigger-and-download answer: the file's stream (the caller owns it), or a JSON 202 with the run still in flight.</summary>
        private static async Task<DownloadAnswer> ReadDownloadAsync(OperationAnswer a, long agentId, CancellationToken ct)
        {
            var resp = a.Response;
            try
            {
                long? runId = null;
                if (resp.Headers.TryGetValues("x-run-id", out var ids))
                    foreach (var v in ids)
                        if (long.TryParse(v, NumberStyles.Integer, CultureInfo.InvariantCulture, out var l)) runId = l;
                var mediaType = resp.Content.Headers.ContentType?.MediaType;
                if (a.Status == 202 || (mediaType == "application/json" && runId == null && resp.Content.Headers.ContentDisposition == null))
                {
                    using var doc = await a.ReadJsonAsync(ct).ConfigureAwait(false);
                    var w = ParseWaitAnswer(a, 202, doc.RootElement, agentId);
                    resp.Dispose();
                    return new DownloadAnswer(null, w.RunId, true, a.Operation, a.Options);
                }
                return new DownloadAnswer(resp, runId, false, a.Operation, a.Options);
            }
            catch
            {
                resp.Dispose();
                throw;
            }
        }

        private static CredentialData ReadCredential(OperationAnswer a, JsonElement root)
        {
            var c = new CredentialData();
            var fields = new Dictionary<string, object?>(StringComparer.Ordinal);
            foreach (var p in root.EnumerateObject())
                fields[p.Name] = JsonTree.ToValue(p.Value, DictionaryObjectFactory.Instance);
            object? type = null; // assigned first: every Stryker mutant of the lines below still compiles
            fields.TryGetValue("type", out type);
            c.Type = type as string ?? "";
            c.Fields = fields;
            return c;
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
