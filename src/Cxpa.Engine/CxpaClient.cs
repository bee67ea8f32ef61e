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
using Cxpa.Engine.Operations;

namespace Cxpa.Engine
{
    /// <summary>
    /// The platform's calls for one endpoint (URL + secret). Cheap to create: every client shares one pooled HttpClient.
    /// The secret decides the family of endpoints: ingest key (agent), zone token (zone) or agent API key (runtime).
    /// </summary>
    public sealed class CxpaClient
    {
        /// <summary>Creates a client.</summary>
        public CxpaClient(CxpaEndpoint endpoint, CxpaCallOptions? options = null)
        {
            Endpoint = endpoint ?? throw new ArgumentNullException(nameof(endpoint));
            Options = options ?? new CxpaCallOptions();
        }

        /// <summary>Where and with which secret.</summary>
        public CxpaEndpoint Endpoint { get; }
        /// <summary>Retries, timeouts, logging.</summary>
        public CxpaCallOptions Options { get; }

        /// <summary>The longest server-side wait window the platform grants (300 s).</summary>
        public static readonly TimeSpan PlatformWaitCeiling = CxpaOperations.PlatformWaitCeiling;

        private CxpaAuthKind Kind => Endpoint.AuthKind;

        private void Require(CxpaAuthKind kind, string what)
        {
            if (Endpoint.AuthKind != kind)
                throw new CxpaConfigurationException($"{what} needs {Describe(kind)}, but the connection uses {Describe(Endpoint.AuthKind)}.", "WrongKeyKind");
        }

        private void RequireAgentOrZone(string what)
        {
            if (Endpoint.AuthKind == CxpaAuthKind.AgentApiKey)
                throw new CxpaConfigurationException($"{what} needs an ingest API key or a zone token, but the connection uses {Describe(Endpoint.AuthKind)}.", "WrongKeyKind");
        }

        /// <summary>Human name of a kind of secret.</summary>
        public static string Describe(CxpaAuthKind kind) => kind switch
        {
            CxpaAuthKind.IngestApiKey => "an ingest API key",
            CxpaAuthKind.ZoneToken => "a zone token",
            _ => "an agent API key",
        };

        /// <summary>Starts a run (trigger; zone: runs.create). Not idempotent: never resent once it may have reached the server.</summary>
        public async Task<Run> TriggerRunAsync(long agentId, object? input, CancellationToken ct)
        {
            RequireAgentOrZone("Starting a run");
            var req = CxpaOperations.Trigger(Kind, agentId, input).ToRequest();
            using var doc = await JsonCallAsync(req, ct).ConfigureAwait(false);
            var root = doc.RootElement;
            var run = RunReader.FromTriggerAnswer(root, agentId, input, Options.ObjectFactory);
            if (run.RunId <= 0) throw Invalid(req, "the answer has no runId");
            return run;
        }

        /// <summary>Starts a run and waits on the server (trigger-and-wait) for at most <paramref name="window"/> (capped at 300 s).</summary>
        public async Task<TriggerWaitResult> TriggerAndWaitAsync(long agentId, object? input, TimeSpan window, CancellationToken ct)
        {
            RequireAgentOrZone("Starting a run");
            var req = CxpaOperations.TriggerAndWait(Kind, agentId, input, window).ToRequest();
            using var resp = await SendAsync(req, ct).ConfigureAwait(false);
            using var doc = await CxpaHttp.ReadJsonAsync(resp, req, Options, ct).ConfigureAwait(false);
            return ParseWaitAnswer((int)resp.StatusCode, doc.RootElement, agentId, req);
        }

        internal TriggerWaitResult ParseWaitAnswer(int status, JsonElement root, long agentId, CxpaRequest req)
        {
            if (root.ValueKind != JsonValueKind.Object) throw Invalid(req, "the answer is not a JSON object");
            bool timedOut = status == 202 || (root.TryGetProperty("timedOut", out var t) && t.ValueKind == JsonValueKind.True);
            if (timedOut)
            {
                long id = root.TryGetProperty("runId", out var r) ? JsonRead.Int64(r) ?? 0 : 0;
                if (id <= 0) throw Invalid(req, "the 202 answer has no runId");
                return new TriggerWaitResult { RunId = id, TimedOut = true };
            }
            var run = RunReader.FromJson(root, Options.ObjectFactory);
            if (run.AgentId == null) run.AgentId = agentId;
            if (run.RunId <= 0) throw Invalid(req, "the run row has no id");
            return new TriggerWaitResult { RunId = run.RunId, Run = run };
        }

        /// <summary>Reads a run.</summary>
        public async Task<Run> GetRunAsync(long agentId, long runId, CancellationToken ct)
        {
            RequireAgentOrZone("Reading a run");
            var req = CxpaOperations.GetRun(Kind, agentId, runId).ToRequest();
            using var doc = await JsonCallAsync(req, ct).ConfigureAwait(false);
            var run = RunReader.FromJson(doc.RootElement, Options.ObjectFactory);
            if (run.RunId <= 0) throw Invalid(req, "the run row has no id");
            // A run other than the one asked for is never passed on as if it were that run.
            if (run.RunId != runId) throw Invalid(req, $"the answer is run {run.RunId.ToString(CultureInfo.InvariantCulture)}, not run {runId.ToString(CultureInfo.InvariantCulture)} that was asked for");
            if (run.AgentId == null) run.AgentId = agentId;
            return run;
        }

        /// <summary>Starts a run and opens its file stream (trigger-and-download). The caller owns the answer.</summary>
        public async Task<DownloadAnswer> TriggerAndDownloadAsync(long agentId, object? input, TimeSpan window, CancellationToken ct)
        {
            RequireAgentOrZone("Downloading a run's output");
            var req = CxpaOperations.TriggerAndDownload(Kind, agentId, input, window).ToRequest();
            var resp = await SendAsync(req, ct).ConfigureAwait(false);
            try
            {
                long? runId = null;
                if (resp.Headers.TryGetValues("x-run-id", out var ids))
                    foreach (var v in ids)
                        if (long.TryParse(v, NumberStyles.Integer, CultureInfo.InvariantCulture, out var l)) runId = l;
                var mediaType = resp.Content.Headers.ContentType?.MediaType;
                if ((int)resp.StatusCode == 202 || (mediaType == "application/json" && runId == null && resp.Content.Headers.ContentDisposition == null))
                {
                    using var doc = await CxpaHttp.ReadJsonAsync(resp, req, Options, ct).ConfigureAwait(false);
                    var w = ParseWaitAnswer(202, doc.RootElement, agentId, req);
                    resp.Dispose();
                    return new DownloadAnswer(null, w.RunId, true, req, Options);
                }
                return new DownloadAnswer(resp, runId, false, req, Options);
            }
            catch
            {
                resp.Dispose();
                throw;
            }
        }

        /// <summary>Registers an externally-triggered run (idempotent on externalRunId).</summary>
        public async Task<RegisteredRun> RegisterRunAsync(long agentId, string externalRunId, object? input, object? metadata, Guid? userId, CancellationToken ct)
        {
            Require(CxpaAuthKind.IngestApiKey, "Registering a run");
            var req = CxpaOperations.Register(agentId, externalRunId, input, metadata, userId).ToRequest();
            using var doc = await JsonCallAsync(req, ct).ConfigureAwait(false);
            var root = doc.RootElement;
            var r = new RegisteredRun { AgentId = agentId, ExternalRunId = externalRunId };
            if (root.TryGetProperty("runId", out var id)) r.RunId = JsonRead.Int64(id) ?? 0;
            if (r.RunId <= 0) throw Invalid(req, "the answer has no runId");
            if (root.TryGetProperty("credentialsToken", out var tok) && tok.ValueKind == JsonValueKind.String && tok.GetString() is { Length: > 0 } s)
                r.CredentialsToken = Secret.FromString(s);
            if (root.TryGetProperty("expiresInSeconds", out var exp)) r.ExpiresInSeconds = JsonRead.Int32(exp);
            if (r.ExpiresInSeconds != null) r.ExpiresAt = Options.TimeProvider.GetUtcNow().AddSeconds(r.ExpiresInSeconds.Value);
            return r;
        }

        /// <summary>Reports a standalone agent's run (upsert on externalRunId).</summary>
        public async Task<IngestResult> IngestAsync(long agentId, string externalRunId, string status, object? output, long? outputs, string? error, CancellationToken ct)
        {
            Require(CxpaAuthKind.IngestApiKey, "Ingesting a run");
            var req = CxpaOperations.Ingest(agentId, externalRunId, status, output, outputs, error).ToRequest();
            using var doc = await JsonCallAsync(req, ct).ConfigureAwait(false);
            var root = doc.RootElement;
            var r = new IngestResult { AgentId = agentId, ExternalRunId = externalRunId, Status = status };
            if (root.ValueKind == JsonValueKind.Object)
            {
                if (root.TryGetProperty("runId", out var id)) r.RunId = JsonRead.Int64(id) ?? 0;
                if (root.TryGetProperty("status", out var st)) r.Status = JsonRead.String(st) ?? status;
            }
            return r;
        }

        /// <summary>Reads a credential of the zone's agent by integration key.</summary>
        public async Task<CredentialData> GetZoneCredentialAsync(long agentId, string integrationKey, CancellationToken ct)
        {
            Require(CxpaAuthKind.ZoneToken, "Reading a credential by integration key");
            var req = CxpaOperations.ZoneCredential(agentId, integrationKey).ToRequest();
            using var doc = await JsonCallAsync(req, ct).ConfigureAwait(false);
            return ReadCredential(doc.RootElement, req);
        }

        /// <summary>Resolves a credential from a runtime (agent API key + credentials token).</summary>
        public async Task<CredentialData> ResolveCredentialAsync(string connectionId, long? runId, CancellationToken ct)
        {
            Require(CxpaAuthKind.AgentApiKey, "Resolving a credential by connection id");
            if (Endpoint.CredentialsToken == null)
                throw new CxpaConfigurationException("Resolving a credential needs the run's credentials token.", "MissingCredentialsToken");
            var req = CxpaOperations.ResolveCredential(connectionId, runId).ToRequest();
            req.SecretHeaders = new List<KeyValuePair<string, Secret>> { new KeyValuePair<string, Secret>("x-credentials-token", Endpoint.CredentialsToken) };
            using var doc = await JsonCallAsync(req, ct).ConfigureAwait(false);
            return ReadCredential(doc.RootElement, req);
        }

        /// <summary>Sends a runtime callback event (started, output, complete, fail, waiting).</summary>
        public async Task<RunEventResult> SendRunEventAsync(long runId, RunEvent runEvent, CancellationToken ct)
        {
            Require(CxpaAuthKind.AgentApiKey, "Sending a run event");
            var req = CxpaOperations.SendRunEvent(runId, runEvent).ToRequest();
            using var doc = await JsonCallAsync(req, ct).ConfigureAwait(false);
            var root = doc.RootElement;
            var r = new RunEventResult { RunId = runId, Event = runEvent.Name, Ok = true };
            if (root.ValueKind == JsonValueKind.Object)
            {
                if (root.TryGetProperty("ok", out var ok)) r.Ok = JsonRead.Bool(ok) ?? true;
                if (root.TryGetProperty("status", out var st)) r.Status = JsonRead.String(st);
            }
            return r;
        }

        private CredentialData ReadCredential(JsonElement root, CxpaRequest req)
        {
            if (root.ValueKind != JsonValueKind.Object) throw Invalid(req, "the credential is not a JSON object");
            var c = new CredentialData();
            var fields = new Dictionary<string, object?>(StringComparer.Ordinal);
            foreach (var p in root.EnumerateObject())
                fields[p.Name] = JsonTree.ToValue(p.Value, DictionaryObjectFactory.Instance);
            c.Type = fields.TryGetValue("type", out var t) && t is string ts ? ts : "";
            c.Fields = fields;
            return c;
        }

        private async Task<JsonDocument> JsonCallAsync(CxpaRequest req, CancellationToken ct)
        {
            using var resp = await SendAsync(req, ct).ConfigureAwait(false);
            return await WithDeadline(req, ct, c => CxpaHttp.ReadJsonAsync(resp, req, Options, c)).ConfigureAwait(false);
        }

        private Task<HttpResponseMessage> SendAsync(CxpaRequest req, CancellationToken ct)
            => WithDeadline(req, ct, c => CxpaHttp.SendAsync(Endpoint, Options, req, c));

        private async Task<T> WithDeadline<T>(CxpaRequest req, CancellationToken ct, Func<CancellationToken, Task<T>> op)
        {
            if (Options.Deadline is not { IsBounded: true } deadline) return await op(ct).ConfigureAwait(false);
            if (deadline.HasPassed) throw DeadlineError(req, null);
            using var cts = deadline.Link(ct);
            try { return await op(cts.Token).ConfigureAwait(false); }
            catch (OperationCanceledException ex) when (!ct.IsCancellationRequested) { throw DeadlineError(req, ex); }
        }

        private CxpaTimeoutException DeadlineError(CxpaRequest req, Exception? inner)
            => new CxpaTimeoutException($"{req.Method} {req.Path} did not finish within the time allowed for the whole operation." + (req.RunId != null ? $" Run id: {req.RunId}." : ""), req.RunId, inner);

        private static CxpaApiException Invalid(CxpaRequest req, string what)
            => new CxpaApiException($"{req.Method} {req.Path}: {what}.", 200, "invalid_response", null, null, req.RunId, req.Method.Method, req.Path);
    }
}
