using System;
using System.Collections.Generic;
using System.Net.Http;
using System.Text;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using Cxpa.Engine.Json;
using Cxpa.Engine.Operations;
using Cxpa.Engine.Time;

namespace Cxpa.Engine.Http
{
    /// <summary>Reads the platform's error answer (at most 64 KiB of it, within the read timeout) into a <see cref="CxpaApiException"/>.</summary>
    internal static class ApiErrorReader
    {
        /// <summary>The CxpaApiException of a non-2xx answer: status, the platform's code, message and details, the run id, Retry-After.</summary>
        internal static async Task<Exception> CreateErrorAsync(HttpResponseMessage resp, CxpaOperation op, CxpaCallOptions opts, CancellationToken ct)
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
            long? runId = op.RunId;
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
            var retryAfter = RetryClassifier.RetryAfter(resp, opts.TimeProvider);
            string reason;
            if (serverMessage != null) reason = $": {serverMessage.TrimEnd('.')}.";
            else if (status >= 300 && status < 400)
                reason = $": the platform answered with a redirect to {RedirectTarget(resp.Headers.Location)}, which is not followed with credentials.";
            else if (json) reason = ".";
            else if (string.IsNullOrWhiteSpace(text)) reason = ": the answer had no body.";
            else reason = $": the answer was not JSON ({resp.Content.Headers.ContentType?.MediaType ?? "no content type"}).";
            var detailText = "";
            var dd = details as IDictionary<string, object?>;
            if (dd != null)
                foreach (var kv in dd) detailText += $" {kv.Key}: {kv.Value as string ?? JsonTree.SerializeToString(kv.Value)};";
            var message = $"{op.Method} {op.Route} failed: {status} {resp.ReasonPhrase}{(code != null ? $" ({code})" : "")}{reason}"
                + $"{(detailText.Length > 0 ? $" Details:{detailText}" : "")}{(runId != null ? $" Run id: {runId}." : "")}"
                + $"{(retryAfter != null ? $" Retry after {Math.Ceiling(retryAfter.GetValueOrDefault().TotalSeconds)} s." : "")}";
            return new CxpaApiException(message, status, code, serverMessage, details, runId, op.Method.Method, op.Route, retryAfter);
        }

        /// <summary>Where a redirect points, shown as its scheme and authority only (never a path or query); "elsewhere" when not absolute.</summary>
        private static string RedirectTarget(Uri? location)
            => location != null && location.IsAbsoluteUri ? location.GetLeftPart(UriPartial.Authority) : "elsewhere";
    }
}
