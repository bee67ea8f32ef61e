using System;
using System.IO;
using System.Net.Http;
using System.Net.Sockets;
using Cxpa.Engine.Operations;

namespace Cxpa.Engine.Http
{
    /// <summary>
    /// Which failed attempts are sent again, what a failure that is not retried becomes, and whether a failure may have
    /// reached the platform. Idempotent calls (reads, keyed writes) retry 408, 429, 500, 502, 503, 504, connection failures and
    /// header timeouts; calls that start work retry 429 and a connection that was never made only.
    /// </summary>
    internal static class RetryClassifier
    {
        /// <summary>Whether an answer's status is retried under <paramref name="mode"/>.</summary>
        internal static bool IsRetryableStatus(RetryMode mode, int code) => RetryRules.RetriesStatus(mode, code);

        /// <summary>Whether the attempt that ended in <paramref name="response"/> or <paramref name="failure"/> is sent again.</summary>
        internal static bool ShouldRetry(CxpaOperation op, CxpaCallOptions opts, HttpResponseMessage? response, Exception? failure, bool cancelled)
        {
            if (op.Retry == RetryMode.Never || cancelled) return false;
            if (response != null)
            {
                if (!IsRetryableStatus(op.Retry, (int)response.StatusCode)) return false;
                var ra = RetryAfter(response, opts.TimeProvider);
                if (ra != null)
                {
                    if (ra > opts.MaximumRetryAfter) return false;
                    var left = opts.Deadline?.Remaining;
                    if (left != null && ra > left) return false;
                }
                return true;
            }
            var hre = failure as HttpRequestException;
            if (hre != null)
                return op.Retry == RetryMode.Idempotent || IsConnectionRefused(hre);
            if (failure is CxpaTimeoutException) return op.Retry == RetryMode.Idempotent;
            return false;
        }

        /// <summary>The wait a Retry-After asks for (never negative); null when there is none.</summary>
        internal static TimeSpan? RetryAfter(HttpResponseMessage resp, TimeProvider time)
        {
            var ra = resp.Headers.RetryAfter;
            if (ra == null) return null;
            TimeSpan? wait = ra.Delta;
            if (wait == null && ra.Date != null) wait = ra.Date.GetValueOrDefault().Subtract(time.GetUtcNow());
            if (wait == null) return null;
            return wait < TimeSpan.Zero ? TimeSpan.Zero : wait;
        }

        /// <summary>Why an attempt failed, for the retry line (only a connection failure or a timeout is ever retried).</summary>
        internal static string Describe(Exception? ex)
        {
            var h = ex as HttpRequestException;
            return h != null ? $"connection failure: {CauseOf(h)}" : ex!.Message;
        }

        /// <summary>What broke a connection: the inner failure's message, or the exception's own.</summary>
        internal static string CauseOf(HttpRequestException h) => h.InnerException?.Message ?? h.Message;

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

        /// <summary>The error of a request that is not safe to repeat and may have reached the server: never resent.</summary>
        internal static CxpaOutcomeUnknownException OutcomeUnknown(CxpaOperation op, string where, Exception ex)
        {
            var h = ex as HttpRequestException;
            var cause = h != null ? CauseOf(h) : ex.Message;
            var why = ex is CxpaTimeoutException ? ex.Message.TrimEnd('.') : $"the connection to {where} broke: {cause.TrimEnd('.')}";
            var effect = op.Effect switch
            {
                OperationEffect.SendsEvent => "the platform may have recorded the event",
                OperationEffect.Write => "the platform may have acted on it",
                _ => "the platform may have started the run",
            };
            var message = $"{op.Method} {op.Route}: the outcome is unknown ({why}). The request may have reached the platform and {effect}; it was not sent again.{op.RunIdSuffix}";
            return new CxpaOutcomeUnknownException(message, op.Method.Method, op.Route, op.RunId, ex, op.Effect);
        }

        /// <summary>The error a failed last attempt ends in (outcome unknown, a connection failure); null to rethrow the failure itself.</summary>
        internal static Exception? MapFailure(CxpaEndpoint endpoint, CxpaOperation op, Exception failure)
        {
            var where = $"{endpoint.BaseUrl.Host}:{endpoint.BaseUrl.Port}";
            if (op.Retry == RetryMode.UntilReached && MayHaveReached(failure)) return OutcomeUnknown(op, where, failure);
            var hre = failure as HttpRequestException;
            if (hre != null) return new CxpaConnectionException($"{op.Method} {op.Route} could not reach {where}: {CauseOf(hre)}", op.RunId, hre, op.Effect);
            return null;
        }
    }
}
