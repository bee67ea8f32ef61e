using System;
using System.Buffers;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Net;
using System.Net.Http;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using Cxpa.Engine.Json;
using Cxpa.Engine.Models;
using Polly;
using Polly.Retry;

namespace Cxpa.Engine.Http
{
    /// <summary>When a failed request may be sent again.</summary>
    public enum RetryMode
    {
        /// <summary>Never.</summary>
        Never,
        /// <summary>Not idempotent (trigger): only when the server certainly did not act on it (429, connection refused).</summary>
        UntilReached,
        /// <summary>Idempotent or keyed (GET, register, ingest): 408/429/502/503/504, connection failures, header timeouts.</summary>
        Idempotent,
    }

    /// <summary>One request to send.</summary>
    internal sealed class CxpaRequest
    {
        public HttpMethod Method = HttpMethod.Get;
        public string Path = "";
        public object? Body;
        public bool HasBody;
        public RetryMode Retry = RetryMode.Idempotent;
        public long? RunId;
        public bool StreamResponse;
        public TimeSpan? ExtraHeaderTime;
        public bool NoStore;
        public List<KeyValuePair<string, Secret>>? SecretHeaders;
    }

    /// <summary>The process-wide HTTP core: one pooled handler, retries, timeouts and error mapping.</summary>
    internal static class CxpaHttp
    {
        public static readonly HttpClient Client = CreateClient();
        private static readonly string UserAgent = "Cxpa-PowerShell/" + typeof(CxpaHttp).Assembly.GetName().Version?.ToString(3);
        private static readonly ResiliencePropertyKey<CxpaRequest> RequestKey = new ResiliencePropertyKey<CxpaRequest>("cxpa.request");
        private static readonly ResiliencePropertyKey<CxpaCallOptions> OptionsKey = new ResiliencePropertyKey<CxpaCallOptions>("cxpa.options");
        private static readonly System.Collections.Concurrent.ConcurrentDictionary<(int, TimeSpan), ResiliencePipeline<HttpResponseMessage>> Pipelines
            = new System.Collections.Concurrent.ConcurrentDictionary<(int, TimeSpan), ResiliencePipeline<HttpResponseMessage>>();
        private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<HttpMessageHandler, HttpClient> HandlerClients
            = new System.Runtime.CompilerServices.ConditionalWeakTable<HttpMessageHandler, HttpClient>();

        /// <summary>The shared pooled client, or one over the options' own handler (kept as long as the handler lives).</summary>
        private static HttpClient ClientFor(CxpaCallOptions o)
            => o.Handler == null ? Client : HandlerClients.GetValue(o.Handler, h => new HttpClient(h, disposeHandler: false) { Timeout = Timeout.InfiniteTimeSpan });

        private static HttpClient CreateClient()
        {
#if NET8_0_OR_GREATER
            var handler = new SocketsHttpHandler
            {
                AllowAutoRedirect = false,
                AutomaticDecompression = DecompressionMethods.None,
                PooledConnectionLifetime = TimeSpan.FromMinutes(5),
                PooledConnectionIdleTimeout = TimeSpan.FromMinutes(1),
                UseCookies = false,
                ConnectTimeout = TimeSpan.FromSeconds(30),
            };
#else
            var handler = new HttpClientHandler
            {
                AllowAutoRedirect = false,
                AutomaticDecompression = DecompressionMethods.None,
                UseCookies = false,
                MaxConnectionsPerServer = 256,
            };
#endif
            var c = new HttpClient(handler, disposeHandler: true) { Timeout = Timeout.InfiniteTimeSpan };
            return c;
        }

        private static ResiliencePipeline<HttpResponseMessage> Pipeline(CxpaCallOptions o)
        {
            if (o.MaximumRetryCount <= 0) return ResiliencePipeline<HttpResponseMessage>.Empty;
            // Pipelines on the system clock are shared; one on another clock (a test's) is built for the call.
            return ReferenceEquals(o.TimeProvider, TimeProvider.System)
                ? Pipelines.GetOrAdd((o.MaximumRetryCount, o.RetryInterval), key => BuildPipeline(key.Item1, key.Item2, TimeProvider.System))
                : BuildPipeline(o.MaximumRetryCount, o.RetryInterval, o.TimeProvider);
        }

        private static ResiliencePipeline<HttpResponseMessage> BuildPipeline(int maxRetries, TimeSpan interval, TimeProvider time)
        {
            var key = (maxRetries, interval);
            return new ResiliencePipelineBuilder<HttpResponseMessage> { TimeProvider = time }
                .AddRetry(new RetryStrategyOptions<HttpResponseMessage>
                {
                    MaxRetryAttempts = key.Item1,
                    Delay = key.Item2 <= TimeSpan.Zero ? TimeSpan.FromMilliseconds(1) : key.Item2,
                    BackoffType = DelayBackoffType.Exponential,
                    UseJitter = true,
                    MaxDelay = TimeSpan.FromSeconds(60),
                    ShouldHandle = args => new ValueTask<bool>(ShouldRetry(args.Outcome, args.Context)),
                    DelayGenerator = args => new ValueTask<TimeSpan?>(RetryAfterOf(args.Outcome, args.Context)),
                    OnRetry = args =>
                    {
                        var req = args.Context.Properties.GetValue(RequestKey, null!);
                        var opts = args.Context.Properties.GetValue(OptionsKey, null!);
                        var why = args.Outcome.Result != null
                            ? $"{(int)args.Outcome.Result.StatusCode} {args.Outcome.Result.ReasonPhrase}"
                            : Describe(args.Outcome.Exception);
                        opts?.Log.Verbose($"Retrying {req?.Method} {req?.Path} in {args.RetryDelay.TotalSeconds:0.0} s (retry {args.AttemptNumber + 1} of {key.Item1}): {why}.");
                        args.Outcome.Result?.Dispose();
                        return default;
                    },
                }).Build();
        }

        // Only a connection failure or a timeout is ever retried (ShouldRetry).
        private static string Describe(Exception? ex)
        {
            var h = ex as HttpRequestException;
            return h != null ? $"connection failure: {CauseOf(h)}" : ex!.Message;
        }

        /// <summary>What broke a connection: the inner failure's message, or the exception's own.</summary>
        private static string CauseOf(HttpRequestException h) => h.InnerException?.Message ?? h.Message;

        private static bool ShouldRetry(Outcome<HttpResponseMessage> outcome, ResilienceContext ctx)
        {
            var req = ctx.Properties.GetValue(RequestKey, null!);
            var opts = ctx.Properties.GetValue(OptionsKey, null!);
            if (req == null || req.Retry == RetryMode.Never || ctx.CancellationToken.IsCancellationRequested) return false;
            var resp = outcome.Result;
            if (resp != null)
            {
                var code = (int)resp.StatusCode;
                if (!RetryRules.RetriesStatus(req.Retry, code)) return false;
                var ra = RetryAfterRaw(resp, opts.TimeProvider);
                if (ra != null)
                {
                    if (ra > opts.MaximumRetryAfter) return false;
                    var left = opts.Deadline?.Remaining;
                    if (left != null && ra > left) return false;
                }
                return true;
            }
            var hre = outcome.Exception as HttpRequestException;
            if (hre != null)
                return req.Retry == RetryMode.Idempotent || IsConnectionRefused(hre);
            if (outcome.Exception is CxpaTimeoutException) return req.Retry == RetryMode.Idempotent;
            return false;
        }

        /// <summary>
        /// Whether a failed attempt may have reached the server: anything but a connection that was never made (refused,
        /// an unknown host, a failed TLS handshake). A reset, a broken pipe, an end before the headers, a header or body
        /// timeout: the server may have acted on the request.
        /// </summary>
        internal static bool MayHaveReached(Exception ex)
        {
            if (ex is CxpaTimeoutException) return true;
            if (ex is HttpRequestException || ex is IOException)
            {
                if (IsConnectionRefused(ex)) return false;
                for (var e = ex; e != null; e = e.InnerException)
                    if (e is System.Security.Authentication.AuthenticationException) return false;
                return true;
            }
            return false;
        }

        /// <summary>The error of a request that is not safe to repeat and may have reached the server: never resent.</summary>
        internal static CxpaOutcomeUnknownException OutcomeUnknown(CxpaRequest req, string where, Exception ex)
        {
            var h = ex as HttpRequestException;
            var cause = h != null ? CauseOf(h) : ex.Message;
            var why = ex is CxpaTimeoutException ? ex.Message.TrimEnd('.') : $"the connection to {where} broke: {cause.TrimEnd('.')}";
            var effect = req.Path.EndsWith("/callback", StringComparison.Ordinal)
                ? "the platform may have recorded the event"
                : "the platform may have started the run";
            var message = $"{req.Method} {req.Path}: the outcome is unknown ({why}). The request may have reached the platform and {effect}; it was not sent again.{RunIdSuffix(req.RunId)}";
            return new CxpaOutcomeUnknownException(message, req.Method.Method, req.Path, req.RunId, ex);
        }

        internal static bool IsConnectionRefused(Exception ex)
        {
            for (var e = ex; e != null; e = e.InnerException)
            {
                var se = e as SocketException;
                if (se != null && (se.SocketErrorCode == SocketError.ConnectionRefused || se.SocketErrorCode == SocketError.HostNotFound))
                    return true;
            }
            return false;
        }

        private static TimeSpan? RetryAfterRaw(HttpResponseMessage resp, TimeProvider time)
        {
            var ra = resp.Headers.RetryAfter;
            if (ra == null) return null;
            TimeSpan? wait = ra.Delta;
            if (wait == null && ra.Date != null) wait = ra.Date.GetValueOrDefault().Subtract(time.GetUtcNow());
            if (wait == null) return null;
            return wait < TimeSpan.Zero ? TimeSpan.Zero : wait;
        }

        private static TimeSpan? RetryAfterOf(Outcome<HttpResponseMessage> outcome, ResilienceContext ctx)
            => outcome.Result != null ? RetryAfterRaw(outcome.Result, ctx.Properties.GetValue(OptionsKey, null!)?.TimeProvider ?? TimeProvider.System) : null;

        /// <summary>Sends a request with retries; returns a 2xx response or throws a Cxpa exception.</summary>
        public static async Task<HttpResponseMessage> SendAsync(CxpaEndpoint endpoint, CxpaCallOptions opts, CxpaRequest req, CancellationToken ct)
        {
            byte[]? body = req.HasBody ? JsonTree.Serialize(req.Body) : null;
            var resp = await SendWithRetriesAsync(endpoint, opts, req, body, ct).ConfigureAwait(false);
            var code = (int)resp.StatusCode;
            if (code >= 200 && code < 300) return resp;
            using (resp) throw await CreateErrorAsync(resp, req, opts, ct).ConfigureAwait(false);
        }

        /// <summary>Runs the attempts through the retry pipeline; returns the last answer or throws the last failure, mapped.</summary>
        private static async Task<HttpResponseMessage> SendWithRetriesAsync(CxpaEndpoint endpoint, CxpaCallOptions opts, CxpaRequest req, byte[]? body, CancellationToken ct)
        {
            var ctx = ResilienceContextPool.Shared.Get(ct);
            ctx.Properties.Set(RequestKey, req);
            ctx.Properties.Set(OptionsKey, opts);
            try
            {
                var outcome = await Pipeline(opts).ExecuteOutcomeAsync(
                    async (ResilienceContext c, int state) =>
                    {
                        try { return Outcome.FromResult(await SendOnceAsync(endpoint, opts, req, body, c.CancellationToken).ConfigureAwait(false)); }
                        catch (Exception ex) { return Outcome.FromException<HttpResponseMessage>(ex); }
                    }, ctx, 0).ConfigureAwait(false);
                var failure = outcome.Exception;
                if (failure != null)
                {
                    var mapped = MapFailure(endpoint, req, failure);
                    if (mapped != null) throw mapped;
                    System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(failure).Throw();
                }
                return outcome.Result!;
            }
            finally
            {
                ResilienceContextPool.Shared.Return(ctx);
            }
        }

        /// <summary>The error a failed last attempt ends in (outcome unknown, a connection failure); null to rethrow the failure itself.</summary>
        private static Exception? MapFailure(CxpaEndpoint endpoint, CxpaRequest req, Exception failure)
        {
            var where = $"{endpoint.BaseUrl.Host}:{endpoint.BaseUrl.Port}";
            if (req.Retry == RetryMode.UntilReached && MayHaveReached(failure)) return OutcomeUnknown(req, where, failure);
            var hre = failure as HttpRequestException;
            if (hre != null) return new CxpaConnectionException($"{req.Method} {req.Path} could not reach {where}: {CauseOf(hre)}", req.RunId, hre);
            return null;
        }

        private static async Task<HttpResponseMessage> SendOnceAsync(CxpaEndpoint endpoint, CxpaCallOptions opts, CxpaRequest req, byte[]? body, CancellationToken ct)
        {
            var uri = new Uri(endpoint.BaseUrl, req.Path);
            using var msg = new HttpRequestMessage(req.Method, uri);
            msg.Headers.Authorization = new AuthenticationHeaderValue("Bearer", endpoint.Key.Reveal());
            // Constant header values go in without per-request parsing (same bytes on the wire).
            msg.Headers.TryAddWithoutValidation("Accept", "application/json");
            msg.Headers.TryAddWithoutValidation("User-Agent", UserAgent);
            if (req.NoStore) msg.Headers.CacheControl = new CacheControlHeaderValue { NoStore = true };
            if (req.SecretHeaders != null)
                foreach (var h in req.SecretHeaders) msg.Headers.TryAddWithoutValidation(h.Key, h.Value.Reveal());
            if (body != null)
            {
                msg.Content = new ByteArrayContent(body);
                msg.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
            }

            var headerTime = opts.RequestTimeout + (req.ExtraHeaderTime ?? TimeSpan.Zero);
            var log = opts.Log.IsVerboseEnabled ? opts.Log : null;
            log?.Verbose($"{req.Method} {uri}" + (body != null ? $" with a {body.Length}-byte JSON body" : ""));
            var sw = log != null ? Stopwatch.StartNew() : null;
            var resp = await ReceiveHeadersAsync(opts, req, msg, headerTime, ct).ConfigureAwait(false);
            log?.Verbose($"{req.Method} {req.Path} answered {(int)resp.StatusCode} {resp.ReasonPhrase} in {sw!.ElapsedMilliseconds} ms.");
            var code = (int)resp.StatusCode;
            if (req.StreamResponse || code < 200 || code >= 300) return resp;
            // A JSON answer is read here, inside the attempt: a body cut short is a connection failure the retry rules see.
            try { await BufferAsync(resp, req, opts, ct).ConfigureAwait(false); }
            catch { resp.Dispose(); throw; }
            return resp;
        }

        /// <summary>Sends the message and waits for the answer's headers within <paramref name="headerTime"/>.</summary>
        private static async Task<HttpResponseMessage> ReceiveHeadersAsync(CxpaCallOptions opts, CxpaRequest req, HttpRequestMessage msg, TimeSpan headerTime, CancellationToken ct)
        {
            using var timeout = Clock.CancelAfter(opts.TimeProvider, ct, headerTime);
            try
            {
                // Headers only: the body is read later within its own budget (size and time), never buffered whole by HttpClient.
                return await ClientFor(opts).SendAsync(msg, HttpCompletionOption.ResponseHeadersRead, timeout.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException ex) when (!ct.IsCancellationRequested && timeout.IsCancellationRequested)
            {
                throw new CxpaTimeoutException($"{req.Method} {req.Path} got no answer within {headerTime.TotalSeconds:0.#} s.", req.RunId, ex);
            }
        }

        /// <summary>
        /// Reads a JSON answer's body into memory within one budget: at most <see cref="CxpaCallOptions.MaximumResponseBytes"/>
        /// (a larger Content-Length fails before reading; a body growing past it stops being read) and the whole read within
        /// <see cref="CxpaCallOptions.ReadTimeout"/>. The response then carries the buffered body.
        /// </summary>
        internal static async Task BufferAsync(HttpResponseMessage resp, CxpaRequest req, CxpaCallOptions opts, CancellationToken ct)
        {
            long cap = opts.MaximumResponseBytes;
            var declared = resp.Content.Headers.ContentLength;
            if (declared > cap) throw TooLarge(resp, req, cap, declared);
            using var cts = Clock.CancelAfter(opts.TimeProvider, ct, opts.ReadTimeout);
            // The declared length (when there is one) sizes the buffer up front; it is only a hint.
            var ms = new MemoryStream(declared > 0 ? (int)declared.GetValueOrDefault() : 0);
            // The read buffer is pooled: a fresh 64 KiB array per answer was most of what each call allocated.
            var buf = ArrayPool<byte>.Shared.Rent(ReadBufferSize);
            try
            {
                using var s = await resp.Content.ReadAsStreamAsync().ConfigureAwait(false);
                int n;
                // Never asks for more than one byte past the cap: an endless body costs at most cap + 1 bytes.
                while ((n = await s.ReadAsync(buf, 0, (int)Math.Min(buf.Length, cap + 1 - ms.Length), cts.Token).ConfigureAwait(false)) > 0)
                {
                    ms.Write(buf, 0, n);
                    if (ms.Length > cap) throw TooLarge(resp, req, cap, null);
                }
            }
            catch (OperationCanceledException ex) when (!ct.IsCancellationRequested && cts.IsCancellationRequested)
            {
                throw new CxpaTimeoutException($"{req.Method} {req.Path}: reading the answer took longer than {opts.ReadTimeout.TotalSeconds:0.#} s.{RunIdSuffix(req.RunId)}", req.RunId, ex);
            }
            catch (IOException ex)
            {
                throw new HttpRequestException($"the connection broke while reading the answer: {ex.Message}", ex);
            }
            finally { ArrayPool<byte>.Shared.Return(buf); }
            var old = resp.Content;
            var content = new ByteArrayContent(ms.GetBuffer(), 0, (int)ms.Length);
            foreach (var h in old.Headers)
                if (!string.Equals(h.Key, "Content-Length", StringComparison.OrdinalIgnoreCase)) content.Headers.TryAddWithoutValidation(h.Key, h.Value);
            resp.Content = content;
            old.Dispose();
        }

        private const int ReadBufferSize = 64 * 1024;

        /// <summary>" Run id: N." for a request about a run; empty otherwise.</summary>
        private static string RunIdSuffix(long? runId) => runId != null ? $" Run id: {runId}." : "";

        private static CxpaApiException TooLarge(HttpResponseMessage resp, CxpaRequest req, long cap, long? declared)
        {
            var size = declared != null ? $"declares {declared} bytes" : "is longer than that";
            return new CxpaApiException(
                $"{req.Method} {req.Path} answered {(int)resp.StatusCode} with a body larger than the {cap}-byte limit for an answer (it {size}); it was not read.{RunIdSuffix(req.RunId)}",
                (int)resp.StatusCode, "response_too_large", null, null, req.RunId, req.Method.Method, req.Path);
        }

        internal static async Task<Exception> CreateErrorAsync(HttpResponseMessage resp, CxpaRequest req, CxpaCallOptions opts, CancellationToken ct)
        {
            int status = (int)resp.StatusCode;
            string? text = null;
            try
            {
                using var s = await resp.Content.ReadAsStreamAsync().ConfigureAwait(false);
                var buf = new byte[64 * 1024];
                int total = 0, n = 0;
                using var cts = Clock.CancelAfter(opts.TimeProvider, ct, opts.ReadTimeout);
                while (total < buf.Length && (n = await s.ReadAsync(buf, total, buf.Length - total, cts.Token).ConfigureAwait(false)) > 0) total += n;
                text = Encoding.UTF8.GetString(buf, 0, total);
            }
            catch (Exception) when (!ct.IsCancellationRequested) { }

            string? code = null, serverMessage = null;
            object? details = null;
            long? runId = req.RunId;
            bool json = false;
            if (!string.IsNullOrWhiteSpace(text))
            {
                try
                {
                    using var doc = JsonDocument.Parse(text!);
                    var root = doc.RootElement;
                    JsonTree.CheckAnswer(root, DictionaryObjectFactory.Instance); // a string that is not text: read as a body that is not JSON
                    if (root.ValueKind == JsonValueKind.Object)
                    {
                        json = true;
                        JsonElement found;
                        if (root.TryGetProperty("error", out found)) serverMessage = JsonRead.ErrorText(found);
                        else if (root.TryGetProperty("message", out found)) serverMessage = JsonRead.String(found);
                        if (root.TryGetProperty("code", out found)) code = JsonRead.String(found);
                        if (root.TryGetProperty("details", out found) && found.ValueKind != JsonValueKind.Null) details = JsonTree.ToValue(found, DictionaryObjectFactory.Instance);
                        if (root.TryGetProperty("runId", out found) && runId == null) runId = JsonRead.Int64(found);
                    }
                }
                catch (JsonException) { }
            }
            var retryAfter = RetryAfterRaw(resp, opts.TimeProvider);
            string reason;
            if (serverMessage != null) reason = $": {serverMessage.TrimEnd('.')}.";
            else if (status >= 300 && status < 400)
                reason = $": the platform answered with a redirect to {(resp.Headers.Location is { IsAbsoluteUri: true } location ? location.GetLeftPart(UriPartial.Authority) : "elsewhere")}, which is not followed with credentials.";
            else if (json) reason = ".";
            else if (string.IsNullOrWhiteSpace(text)) reason = ": the answer had no body.";
            else reason = $": the answer was not JSON ({resp.Content.Headers.ContentType?.MediaType ?? "no content type"}).";
            var detailText = "";
            var dd = details as IDictionary<string, object?>;
            if (dd != null)
                foreach (var kv in dd) detailText += $" {kv.Key}: {kv.Value as string ?? JsonTree.SerializeToString(kv.Value)};";
            var message = $"{req.Method} {req.Path} failed: {status} {resp.ReasonPhrase}{(code != null ? $" ({code})" : "")}{reason}"
                + $"{(detailText.Length > 0 ? $" Details:{detailText}" : "")}{RunIdSuffix(runId)}"
                + $"{(retryAfter != null ? $" Retry after {Math.Ceiling(retryAfter.GetValueOrDefault().TotalSeconds)} s." : "")}";
            return new CxpaApiException(message, status, code, serverMessage, details, runId, req.Method.Method, req.Path, retryAfter);
        }

        private static readonly JsonDocumentOptions ParseOptions = new JsonDocumentOptions { MaxDepth = JsonTree.MaxDepth };

        /// <summary>Reads a whole JSON answer body, with the read timeout.</summary>
        public static async Task<JsonDocument> ReadJsonAsync(HttpResponseMessage resp, CxpaRequest req, CxpaCallOptions opts, CancellationToken ct)
        {
            var doc = await ParseAnswerAsync(resp, req, opts, ct).ConfigureAwait(false);
            if (doc.RootElement.ValueKind != JsonValueKind.Object)
            {
                var kind = doc.RootElement.ValueKind.ToString().ToLowerInvariant();
                doc.Dispose();
                throw new CxpaApiException($"{req.Method} {req.Path} answered {(int)resp.StatusCode} with a JSON {kind} where an object was expected.{RunIdSuffix(req.RunId)}",
                    (int)resp.StatusCode, "invalid_response", null, null, req.RunId, req.Method.Method, req.Path);
            }
            return doc;
        }

        /// <summary>Parses a JSON answer's body (reading a streamed one first); a body that is not JSON or a broken read throws.</summary>
        private static async Task<JsonDocument> ParseAnswerAsync(HttpResponseMessage resp, CxpaRequest req, CxpaCallOptions opts, CancellationToken ct)
        {
            try
            {
                // A streamed answer (a download's JSON 202) is read here within the same budget; any other answer was
                // read by SendAsync (BufferAsync): parse it in place.
                if (req.StreamResponse) await BufferAsync(resp, req, opts, ct).ConfigureAwait(false);
                using var buffered = await resp.Content.ReadAsStreamAsync().ConfigureAwait(false);
                var doc = JsonDocument.Parse(buffered, ParseOptions);
                try { JsonTree.CheckAnswer(doc.RootElement, opts.ObjectFactory); }
                catch { doc.Dispose(); throw; }
                return doc;
            }
            catch (UnreadableAnswerException ex)
            {
                throw new CxpaApiException($"{req.Method} {req.Path} answered {(int)resp.StatusCode} with JSON that cannot be read: {ex.Message}{RunIdSuffix(req.RunId)}",
                    (int)resp.StatusCode, "invalid_response", null, null, req.RunId, req.Method.Method, req.Path, null, ex);
            }
            catch (JsonException ex)
            {
                throw new CxpaApiException($"{req.Method} {req.Path} answered {(int)resp.StatusCode} with a body that is not valid JSON.{RunIdSuffix(req.RunId)}",
                    (int)resp.StatusCode, "invalid_response", null, null, req.RunId, req.Method.Method, req.Path, null, ex);
            }
            // BufferAsync turns a broken read into an HttpRequestException.
            catch (Exception ex) when ((ex is CxpaTimeoutException || ex is HttpRequestException) && req.Retry == RetryMode.UntilReached)
            {
                throw OutcomeUnknown(req, "the platform", ex);
            }
            catch (HttpRequestException ex)
            {
                throw new CxpaConnectionException($"{req.Method} {req.Path}: {ex.Message}", req.RunId, ex);
            }
        }
    }
}
