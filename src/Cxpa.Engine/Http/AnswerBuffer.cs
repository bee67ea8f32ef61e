using System;
using System.Buffers;
using System.IO;
using System.Net.Http;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using Cxpa.Engine.Json;
using Cxpa.Engine.Operations;
using Cxpa.Engine.Time;

namespace Cxpa.Engine.Http
{
    /// <summary>
    /// A JSON answer's body in memory within one budget: at most <see cref="CxpaCallOptions.MaximumResponseBytes"/> decoded
    /// bytes (a larger Content-Length fails before reading; a body growing past it stops being read, so a compressed bomb costs
    /// at most the cap) and the whole read within <see cref="CxpaCallOptions.ReadTimeout"/>; then parsed as a JSON object.
    /// </summary>
    internal static class AnswerBuffer
    {
        private const int ReadBufferSize = 64 * 1024;
        private static readonly JsonDocumentOptions ParseOptions = new JsonDocumentOptions { MaxDepth = JsonTree.MaxDepth };

        /// <summary>Reads the body into memory; the response then carries the buffered (decoded) body.</summary>
        internal static async Task BufferAsync(HttpResponseMessage resp, CxpaOperation op, CxpaCallOptions opts, CancellationToken ct)
        {
            long cap = opts.MaximumResponseBytes;
            var declared = resp.Content.Headers.ContentLength;
            if (declared > cap) throw TooLarge(resp, op, cap, declared);
            using var cts = Clock.CancelAfter(opts.TimeProvider, ct, opts.ReadTimeout);
            // The declared length (when there is one) sizes the buffer up front; it is only a hint.
            var ms = new MemoryStream(declared > 0 ? (int)declared.GetValueOrDefault() : 0);
            // The read buffer is pooled: a fresh 64 KiB array per answer was most of what each call allocated.
            var buf = ArrayPool<byte>.Shared.Rent(ReadBufferSize);
            try
            {
                using var s = await resp.Content.ReadAsStreamAsync().ConfigureAwait(false);
                int n;
                // Never asks for more than one byte past the cap: an endless (or endlessly inflating) body costs at most cap + 1 bytes.
                while ((n = await s.ReadAsync(buf, 0, (int)Math.Min(buf.Length, cap + 1 - ms.Length), cts.Token).ConfigureAwait(false)) > 0)
                {
                    ms.Write(buf, 0, n);
                    if (ms.Length > cap) throw TooLarge(resp, op, cap, null);
                }
            }
            catch (OperationCanceledException ex) when (!ct.IsCancellationRequested && cts.IsCancellationRequested)
            {
                throw new CxpaTimeoutException($"{op.Method} {op.Route}: reading the answer took longer than {opts.ReadTimeout.TotalSeconds:0.#} s.{op.RunIdSuffix}", op.RunId, ex);
            }
            catch (InvalidDataException ex)
            {
                throw new CxpaApiException($"{op.Method} {op.Route} answered {(int)resp.StatusCode} with a compressed body that could not be decoded ({ex.Message.TrimEnd('.')}).{op.RunIdSuffix}",
                    (int)resp.StatusCode, "invalid_response", null, null, op.RunId, op.Method.Method, op.Route, null, ex);
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

        internal static CxpaApiException TooLarge(HttpResponseMessage resp, CxpaOperation op, long cap, long? declared)
        {
            var size = declared != null ? $"declares {declared} bytes" : "is longer than that";
            return new CxpaApiException(
                $"{op.Method} {op.Route} answered {(int)resp.StatusCode} with a body larger than the {cap}-byte limit for an answer (it {size}); it was not read.{op.RunIdSuffix}",
                (int)resp.StatusCode, "response_too_large", null, null, op.RunId, op.Method.Method, op.Route);
        }

        /// <summary>Reads a whole JSON answer body, with the read timeout; anything but a JSON object is an invalid answer.</summary>
        internal static async Task<JsonDocument> ReadJsonAsync(HttpResponseMessage resp, CxpaOperation op, CxpaCallOptions opts, CancellationToken ct)
        {
            var doc = await ParseAnswerAsync(resp, op, opts, ct).ConfigureAwait(false);
            if (doc.RootElement.ValueKind != JsonValueKind.Object)
            {
                var kind = doc.RootElement.ValueKind.ToString().ToLowerInvariant();
                doc.Dispose();
                throw new CxpaApiException($"{op.Method} {op.Route} answered {(int)resp.StatusCode} with a JSON {kind} where an object was expected.{op.RunIdSuffix}",
                    (int)resp.StatusCode, "invalid_response", null, null, op.RunId, op.Method.Method, op.Route);
            }
            return doc;
        }

        /// <summary>Parses a JSON answer's body (reading a streamed one first); a body that is not JSON or a broken read throws.</summary>
        internal static async Task<JsonDocument> ParseAnswerAsync(HttpResponseMessage resp, CxpaOperation op, CxpaCallOptions opts, CancellationToken ct)
        {
            try
            {
                // A streamed answer (a download's JSON 202) is read here within the same budget; any other answer was
                // read by the transport (BufferAsync): parse it in place.
                if (op.StreamsAnswer) await BufferAsync(resp, op, opts, ct).ConfigureAwait(false);
                using var buffered = await resp.Content.ReadAsStreamAsync().ConfigureAwait(false);
                var doc = JsonDocument.Parse(buffered, ParseOptions);
                try { JsonTree.CheckAnswer(doc.RootElement, opts.ObjectFactory); }
                catch { doc.Dispose(); throw; }
                return doc;
            }
            catch (UnreadableAnswerException ex)
            {
                throw new CxpaApiException($"{op.Method} {op.Route} answered {(int)resp.StatusCode} with JSON that cannot be read: {ex.Message}{op.RunIdSuffix}",
                    (int)resp.StatusCode, "invalid_response", null, null, op.RunId, op.Method.Method, op.Route, null, ex);
            }
            catch (JsonException ex)
            {
                throw new CxpaApiException($"{op.Method} {op.Route} answered {(int)resp.StatusCode} with a body that is not valid JSON.{op.RunIdSuffix}",
                    (int)resp.StatusCode, "invalid_response", null, null, op.RunId, op.Method.Method, op.Route, null, ex);
            }
            // BufferAsync turns a broken read into an HttpRequestException.
            catch (Exception ex) when ((ex is CxpaTimeoutException || ex is HttpRequestException) && op.Retry == RetryMode.UntilReached)
            {
                throw RetryClassifier.OutcomeUnknown(op, "the platform", ex);
            }
            catch (HttpRequestException ex)
            {
                throw new CxpaConnectionException($"{op.Method} {op.Route}: {ex.Message}", op.RunId, ex, op.Effect);
            }
        }
    }
}
