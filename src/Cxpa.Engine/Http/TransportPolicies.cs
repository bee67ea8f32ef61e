using System;
using System.Diagnostics;
using System.IO;
using System.Net.Http;
using System.Net.Http.Headers;
using System.Text;
using System.Threading.Tasks;
using Cxpa.Engine.Time;

namespace Cxpa.Engine.Http
{
    /// <summary>Accept, User-Agent, no-store, Accept-Encoding for JSON answers, the caller's extra headers and the JSON body.</summary>
    internal sealed class HeadersPolicy : TransportPolicy
    {
        internal static readonly string UserAgent = "Cxpa-PowerShell/" + typeof(HeadersPolicy).Assembly.GetName().Version?.ToString(3);

        /// <summary>The encodings a JSON answer may come in (brotli where the runtime decodes it).</summary>
        internal const string AcceptEncoding =
#if NET8_0_OR_GREATER
            "gzip, deflate, br";
#else
            "gzip, deflate";
#endif

        internal override Task ProcessAsync(TransportMessage m, TransportPolicy[] pipeline, int next)
        {
            var msg = m.Request;
            // Constant header values go in without per-request parsing (same bytes on the wire).
            msg.Headers.TryAddWithoutValidation("Accept", "application/json");
            msg.Headers.TryAddWithoutValidation("User-Agent", UserAgent);
            if (!m.Operation.StreamsAnswer) msg.Headers.TryAddWithoutValidation("Accept-Encoding", AcceptEncoding);
            if (m.Operation.NoStore) msg.Headers.CacheControl = new CacheControlHeaderValue { NoStore = true };
            if (m.Operation.Headers != null)
                foreach (var h in m.Operation.Headers) m.AddHeader(h.Key, h.Value, $"value of the {h.Key} header");
            if (m.Body != null)
            {
                msg.Content = new ByteArrayContent(m.Body);
                msg.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
            }
            return NextAsync(m, pipeline, next);
        }
    }

    /// <summary>The bearer secret, and the run's credentials token where the operation sends it.</summary>
    internal sealed class AuthPolicy : TransportPolicy
    {
        internal override Task ProcessAsync(TransportMessage m, TransportPolicy[] pipeline, int next)
        {
            m.AddHeader("Authorization", "Bearer " + m.Endpoint.Key.Reveal(), "key or token");
            if (m.Operation.SendsCredentialsToken && m.Endpoint.CredentialsToken != null)
                m.AddHeader("x-credentials-token", m.Endpoint.CredentialsToken.Reveal(), "credentials token");
            return NextAsync(m, pipeline, next);
        }
    }

    /// <summary>A 2xx JSON answer is read into memory inside the attempt (capped, timed): a body cut short is a failure the retry rules see.</summary>
    internal sealed class AnswerCapPolicy : TransportPolicy
    {
        internal override async Task ProcessAsync(TransportMessage m, TransportPolicy[] pipeline, int next)
        {
            await NextAsync(m, pipeline, next).ConfigureAwait(false);
            var resp = m.Response!;
            var code = (int)resp.StatusCode;
            if (m.Operation.StreamsAnswer || code < 200 || code >= 300) return;
            try { await AnswerBuffer.BufferAsync(resp, m.Operation, m.Options, m.CancellationToken).ConfigureAwait(false); }
            catch { resp.Dispose(); m.Response = null; throw; }
        }
    }

    /// <summary>
    /// Decodes a compressed JSON or error answer (Content-Encoding gzip, deflate, br) as it is read, so that the answer cap
    /// counts decoded bytes. A download's body is left as the server sent it.
    /// </summary>
    internal sealed class DecompressionPolicy : TransportPolicy
    {
        internal override async Task ProcessAsync(TransportMessage m, TransportPolicy[] pipeline, int next)
        {
            await NextAsync(m, pipeline, next).ConfigureAwait(false);
            var resp = m.Response!;
            var code = (int)resp.StatusCode;
            // A download's 2xx body is the caller's; its error answers (JSON) are decoded like any other.
            if (m.Operation.StreamsAnswer && code >= 200 && code < 300) return;
            var list = ContentDecoding.Encodings(resp.Content.Headers.ContentEncoding);
            if (list.Length == 0) return;
            if (!ContentDecoding.CanDecode(list)) return; // left as is: the JSON reader reports it as not JSON
            var old = resp.Content;
            var decoded = new DecodingContent(old, list);
            foreach (var h in old.Headers)
                if (!string.Equals(h.Key, "Content-Length", StringComparison.OrdinalIgnoreCase) && !string.Equals(h.Key, "Content-Encoding", StringComparison.OrdinalIgnoreCase))
                    decoded.Headers.TryAddWithoutValidation(h.Key, h.Value);
            resp.Content = decoded;
        }

        /// <summary>The decoded view of a content (encodings undone last-applied first); it owns the original.</summary>
        private sealed class DecodingContent : HttpContent
        {
            private readonly HttpContent _inner;
            private readonly string[] _encodings;

            internal DecodingContent(HttpContent inner, string[] encodings)
            {
                _inner = inner;
                _encodings = encodings;
            }

            protected override async Task<Stream> CreateContentReadStreamAsync()
            {
                return ContentDecoding.Decode(await _inner.ReadAsStreamAsync().ConfigureAwait(false), _encodings);
            }

            protected override async Task SerializeToStreamAsync(Stream stream, System.Net.TransportContext? context)
            {
                using var s = await CreateContentReadStreamAsync().ConfigureAwait(false);
                await s.CopyToAsync(stream).ConfigureAwait(false);
            }

            protected override bool TryComputeLength(out long length)
            {
                length = 0;
                return false;
            }

            protected override void Dispose(bool disposing)
            {
                if (disposing) _inner.Dispose();
                base.Dispose(disposing);
            }
        }
    }

    /// <summary>
    /// -Verbose: one line per request and per answer. -Debug: the exchange (method, URL, attempt, status, elapsed ms, content
    /// length, the platform's request id, headers with the authorization headers masked). Never a key, a token or a body.
    /// </summary>
    internal sealed class LoggingPolicy : TransportPolicy
    {
        private static readonly string[] Masked = { "Authorization", "x-credentials-token", "x-zone-token", "Proxy-Authorization", "Cookie" };
        private static readonly string[] RequestIds = { "x-request-id", "request-id", "x-correlation-id", "x-ms-request-id" };

        internal override async Task ProcessAsync(TransportMessage m, TransportPolicy[] pipeline, int next)
        {
            var log = m.Options.Log;
            bool verbose = log.IsVerboseEnabled, debug = log.IsDebugEnabled;
            var op = m.Operation;
            var uri = m.Request.RequestUri!;
            if (verbose) log.Verbose($"{op.Method} {uri}" + (m.Body != null ? $" with a {m.Body.Length}-byte JSON body" : ""));
            if (debug) log.Debug($"HTTP request: {op.Method} {uri} (attempt {m.Attempt}){(m.Body != null ? $", body {m.Body.Length} bytes" : "")}; headers: {Headers(m.Request.Headers, m.Request.Content?.Headers)}");
            var sw = verbose || debug ? Stopwatch.StartNew() : null;
            try
            {
                await NextAsync(m, pipeline, next).ConfigureAwait(false);
            }
            catch (Exception ex) when (debug)
            {
                log.Debug($"HTTP failure: {op.Method} {uri} (attempt {m.Attempt}) after {sw!.ElapsedMilliseconds} ms: {ex.GetType().Name}: {ex.Message}");
                throw;
            }
            var resp = m.Response!;
            if (verbose) log.Verbose($"{op.Method} {op.Route} answered {(int)resp.StatusCode} {resp.ReasonPhrase} in {sw!.ElapsedMilliseconds} ms.");
            if (debug)
            {
                var length = resp.Content?.Headers.ContentLength;
                log.Debug($"HTTP answer: {(int)resp.StatusCode} {resp.ReasonPhrase} to {op.Method} {uri} (attempt {m.Attempt}) in {sw!.ElapsedMilliseconds} ms, content length {(length != null ? length.ToString() : "unknown")}"
                    + $"{RequestId(resp)}; headers: {Headers(resp.Headers, resp.Content?.Headers)}");
            }
        }

        private static string RequestId(HttpResponseMessage resp)
        {
            foreach (var name in RequestIds)
                if (resp.Headers.TryGetValues(name, out var v))
                    return ", request id " + Sanitize(string.Join(",", v));
            return "";
        }

        private static string Headers(HttpHeaders headers, HttpHeaders? content)
        {
            var sb = new StringBuilder();
            void Add(HttpHeaders? hs)
            {
                if (hs == null) return;
                foreach (var h in hs)
                {
                    if (sb.Length > 0) sb.Append("; ");
                    sb.Append(h.Key).Append(": ");
                    sb.Append(IsMasked(h.Key) ? "***" : Sanitize(string.Join(", ", h.Value)));
                }
            }
            Add(headers);
            Add(content);
            return sb.Length == 0 ? "(none)" : sb.ToString();
        }

        private static bool IsMasked(string name)
        {
            foreach (var n in Masked)
                if (string.Equals(n, name, StringComparison.OrdinalIgnoreCase)) return true;
            return false;
        }

        /// <summary>Header text from the platform may be hostile: control characters become '?', and it is cut at 200 characters.</summary>
        private static string Sanitize(string s)
        {
            var sb = new StringBuilder(Math.Min(s.Length, 200));
            foreach (var c in s)
            {
                if (sb.Length >= 200) { sb.Append('…'); break; }
                sb.Append(c < 0x20 || c == 0x7F || (c >= 0x80 && c < 0xA0) ? '?' : c);
            }
            return sb.ToString();
        }
    }

    /// <summary>The last policy: sends through the handler and waits for the answer's headers within the header timeout.</summary>
    internal sealed class SendPolicy : TransportPolicy
    {
        private readonly HttpClient _client;

        internal SendPolicy(HttpClient client) => _client = client;

        internal override async Task ProcessAsync(TransportMessage m, TransportPolicy[] pipeline, int next)
        {
            var op = m.Operation;
            var headerTime = m.Options.RequestTimeout + (op.ServerWindow ?? TimeSpan.Zero);
            using var timeout = Clock.CancelAfter(m.Options.TimeProvider, m.CancellationToken, headerTime);
            try
            {
                // Headers only: the body is read later within its own budget (size and time), never buffered whole by HttpClient.
                m.Response = await _client.SendAsync(m.Request, HttpCompletionOption.ResponseHeadersRead, timeout.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException ex) when (!m.CancellationToken.IsCancellationRequested && timeout.IsCancellationRequested)
            {
                throw new CxpaTimeoutException($"{op.Method} {op.Route} got no answer within {headerTime.TotalSeconds:0.#} s.", op.RunId, ex);
            }
        }
    }
}
