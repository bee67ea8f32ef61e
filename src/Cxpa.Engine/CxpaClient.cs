using System;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Cxpa.Engine.Downloads;
using Cxpa.Engine.Http;
using Cxpa.Engine.Models;
using Cxpa.Engine.Operations;

namespace Cxpa.Engine
{
    /// <summary>
    /// The platform's calls for one endpoint (URL + secret): <see cref="SendAsync{T}"/> sends an operation of
    /// <see cref="CxpaOperations"/> as it is and reads its answer. Cheap to create: clients of the same handler configuration
    /// share one pooled transport. The secret decides the family of endpoints: ingest key (agent), zone token (zone) or agent
    /// API key (runtime).
    /// </summary>
    public sealed class CxpaClient
    {
        /// <summary>Creates a client; without a transport, the options' handler, else the pooled one of the endpoint's proxy.</summary>
        public CxpaClient(CxpaEndpoint endpoint, CxpaCallOptions? options = null, CxpaTransport? transport = null)
        {
            Endpoint = endpoint ?? throw new ArgumentNullException(nameof(endpoint));
            Options = options ?? new CxpaCallOptions();
            Transport = transport ?? (Options.Handler != null ? CxpaTransport.For(Options.Handler) : CxpaTransport.For(endpoint.Proxy));
        }

        /// <summary>Where and with which secret.</summary>
        public CxpaEndpoint Endpoint { get; }
        /// <summary>Retries, timeouts, logging.</summary>
        public CxpaCallOptions Options { get; }
        /// <summary>What sends the requests.</summary>
        public CxpaTransport Transport { get; }

        /// <summary>The longest server-side wait window the platform grants (300 s).</summary>
        public static readonly TimeSpan PlatformWaitCeiling = CxpaOperations.PlatformWaitCeiling;

        private CxpaAuthKind Kind => Endpoint.AuthKind;

        /// <summary>Human name of a kind of secret.</summary>
        public static string Describe(CxpaAuthKind kind) => kind switch
        {
            CxpaAuthKind.IngestApiKey => "an ingest API key",
            CxpaAuthKind.ZoneToken => "a zone token",
            _ => "an agent API key",
        };

        /// <summary>
        /// Sends <paramref name="operation"/> as it is (the one a cmdlet showed for -WhatIf) and reads its answer. Refused before
        /// anything is sent: a secret of a kind the operation does not accept, a missing credentials token, a header value
        /// with a control or non-ASCII character.
        /// </summary>
        public Task<T> SendAsync<T>(CxpaOperation<T> operation, CancellationToken ct)
        {
            if (operation == null) throw new ArgumentNullException(nameof(operation));
            if (!operation.Accepts(Kind))
                throw new CxpaConfigurationException(
                    $"{operation.Purpose} needs {string.Join(" or ", operation.AcceptedKinds.Select(Describe))}, but the connection uses {Describe(Kind)}.", "WrongKeyKind");
            if (operation.SendsCredentialsToken && Endpoint.CredentialsToken == null)
                throw new CxpaConfigurationException("Resolving a credential needs the run's credentials token.", "MissingCredentialsToken");
            if (!HeaderValues.IsValid(Endpoint.Key)) throw HeaderValues.Invalid(Describe(Kind).Substring(Describe(Kind).IndexOf(' ') + 1));
            if (operation.SendsCredentialsToken && !HeaderValues.IsValid(Endpoint.CredentialsToken)) throw HeaderValues.Invalid("credentials token");
            return WithDeadline(operation, ct, async c =>
            {
                var resp = await Transport.SendAsync(Endpoint, Options, operation, c).ConfigureAwait(false);
                return await operation.Read(new OperationAnswer(resp, operation, Options), c).ConfigureAwait(false);
            });
        }

        /// <summary>Starts a run (trigger; zone: runs.create). Not idempotent: never resent once it may have reached the server.</summary>
        public Task<Run> TriggerRunAsync(long agentId, object? input, CancellationToken ct)
            => SendAsync(CxpaOperations.Trigger(Kind, agentId, input), ct);

        /// <summary>Starts a run and waits on the server (trigger-and-wait) for at most <paramref name="window"/> (capped at 300 s).</summary>
        public Task<TriggerWaitResult> TriggerAndWaitAsync(long agentId, object? input, TimeSpan window, CancellationToken ct)
            => SendAsync(CxpaOperations.TriggerAndWait(Kind, agentId, input, window), ct);

        /// <summary>Reads a run.</summary>
        public Task<Run> GetRunAsync(long agentId, long runId, CancellationToken ct)
            => SendAsync(CxpaOperations.GetRun(Kind, agentId, runId), ct);

        /// <summary>Starts a run and opens its file stream (trigger-and-download). The caller owns the answer.</summary>
        public Task<DownloadAnswer> TriggerAndDownloadAsync(long agentId, object? input, TimeSpan window, CancellationToken ct)
            => SendAsync(CxpaOperations.TriggerAndDownload(Kind, agentId, input, window), ct);

        /// <summary>Registers an externally-triggered run (idempotent on externalRunId).</summary>
        public Task<RegisteredRun> RegisterRunAsync(long agentId, string externalRunId, object? input, object? metadata, Guid? userId, CancellationToken ct)
            => SendAsync(CxpaOperations.Register(agentId, externalRunId, input, metadata, userId), ct);

        /// <summary>Reports a standalone agent's run (upsert on externalRunId).</summary>
        public Task<IngestResult> IngestAsync(long agentId, string externalRunId, string status, object? output, long? outputs, string? error, CancellationToken ct)
            => SendAsync(CxpaOperations.Ingest(agentId, externalRunId, status, output, outputs, error), ct);

        /// <summary>Reads a credential of the zone's agent by integration key.</summary>
        public Task<CredentialData> GetZoneCredentialAsync(long agentId, string integrationKey, CancellationToken ct)
            => SendAsync(CxpaOperations.ZoneCredential(agentId, integrationKey), ct);

        /// <summary>Resolves a credential from a runtime (agent API key + credentials token).</summary>
        public Task<CredentialData> ResolveCredentialAsync(string connectionId, long? runId, CancellationToken ct)
            => SendAsync(CxpaOperations.ResolveCredential(connectionId, runId), ct);

        /// <summary>Sends a runtime callback event (started, output, complete, fail, waiting).</summary>
        public Task<RunEventResult> SendRunEventAsync(long runId, RunEvent runEvent, CancellationToken ct)
            => SendAsync(CxpaOperations.SendRunEvent(runId, runEvent), ct);

        private async Task<T> WithDeadline<T>(CxpaOperation op, CancellationToken ct, Func<CancellationToken, Task<T>> send)
        {
            var deadline = Options.Deadline;
            if (deadline == null || !deadline.IsBounded) return await send(ct).ConfigureAwait(false);
            if (deadline.HasPassed) throw DeadlineError(op, null);
            using var cts = deadline.Link(ct);
            try { return await send(cts.Token).ConfigureAwait(false); }
            catch (OperationCanceledException ex) when (!ct.IsCancellationRequested) { throw DeadlineError(op, ex); }
        }

        private static CxpaTimeoutException DeadlineError(CxpaOperation op, Exception? inner)
            => new CxpaTimeoutException($"{op.Method} {op.Route} did not finish within the time allowed for the whole operation.{op.RunIdSuffix}", op.RunId, inner);
    }
}
