using System;
using System.Collections.Concurrent;
using System.Net;
using System.Net.Http;
using System.Runtime.CompilerServices;
using System.Threading;
using System.Threading.Tasks;
using Cxpa.Engine.Json;
using Cxpa.Engine.Operations;
using Polly;
using Polly.Retry;

namespace Cxpa.Engine.Http
{
    /// <summary>
    /// Sends operations: the retry rule around each attempt, then small ordered policies (headers, auth, answer cap,
    /// decompression, logging) over one handler. Transports are pooled per distinct handler configuration (the proxy), so
    /// that every client of the same configuration reuses the same connections; a host or a test may give its own handler.
    /// </summary>
    public sealed class CxpaTransport
    {
        private static readonly ConcurrentDictionary<string, CxpaTransport> Pool = new ConcurrentDictionary<string, CxpaTransport>();
        private static readonly ConditionalWeakTable<HttpMessageHandler, CxpaTransport> OverHandlers = new ConditionalWeakTable<HttpMessageHandler, CxpaTransport>();
        private static readonly ResiliencePropertyKey<CxpaOperation> OperationKey = new ResiliencePropertyKey<CxpaOperation>("cxpa.operation");
        private static readonly ResiliencePropertyKey<CxpaCallOptions> OptionsKey = new ResiliencePropertyKey<CxpaCallOptions>("cxpa.options");

        private readonly TransportPolicy[] _policies;
        private readonly ConcurrentDictionary<(int, TimeSpan), ResiliencePipeline<HttpResponseMessage>> _pipelines
            = new ConcurrentDictionary<(int, TimeSpan), ResiliencePipeline<HttpResponseMessage>>();

        private CxpaTransport(HttpMessageHandler handler, bool ownsHandler)
        {
            var client = new HttpClient(handler, ownsHandler) { Timeout = Timeout.InfiniteTimeSpan };
            _policies = new TransportPolicy[]
            {
                new HeadersPolicy(),
                new AuthPolicy(),
                new AnswerCapPolicy(),
                new DecompressionPolicy(),
                new LoggingPolicy(),
                new SendPolicy(client),
            };
        }

        /// <summary>The pooled transport without a proxy of its own (the system's proxy settings apply).</summary>
        public static CxpaTransport Default => For((CxpaProxy?)null);

        /// <summary>The pooled transport for <paramref name="proxy"/> (null: the system's settings): one per distinct configuration.</summary>
        public static CxpaTransport For(CxpaProxy? proxy)
            => Pool.GetOrAdd(proxy?.PoolKey ?? "", _ => new CxpaTransport(CreateHandler(proxy), ownsHandler: true));

        /// <summary>A transport over the caller's handler (kept as long as the handler lives; never disposed by the transport).</summary>
        public static CxpaTransport For(HttpMessageHandler handler)
        {
            if (handler == null) throw new ArgumentNullException(nameof(handler));
            return OverHandlers.GetValue(handler, h => new CxpaTransport(h, ownsHandler: false));
        }

        /// <summary>How many pooled transports (handler configurations) exist.</summary>
        internal static int PooledCount => Pool.Count;

        internal static HttpMessageHandler CreateHandler(CxpaProxy? proxy)
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
            if (proxy != null)
            {
                var web = new WebProxy(proxy.Address) { BypassProxyOnLocal = false, UseDefaultCredentials = proxy.UseDefaultCredentials };
                if (proxy.UserName != null) web.Credentials = new NetworkCredential(proxy.UserName, proxy.Password?.ToSecureString());
                handler.Proxy = web;
                handler.UseProxy = true;
            }
            return handler;
        }

        /// <summary>Sends an operation with retries; returns a 2xx answer (a JSON one already buffered) or throws a Cxpa exception.</summary>
        internal async Task<HttpResponseMessage> SendAsync(CxpaEndpoint endpoint, CxpaCallOptions opts, CxpaOperation op, CancellationToken ct)
        {
            byte[]? body = op.HasBody ? JsonTree.Serialize(op.BodyValue) : null;
            var resp = await SendWithRetriesAsync(endpoint, opts, op, body, ct).ConfigureAwait(false);
            var code = (int)resp.StatusCode;
            if (code >= 200 && code < 300) return resp;
            using (resp) throw await ApiErrorReader.CreateErrorAsync(resp, op, opts, ct).ConfigureAwait(false);
        }

        /// <summary>Runs the attempts through the retry pipeline; returns the last answer or throws the last failure, mapped.</summary>
        private async Task<HttpResponseMessage> SendWithRetriesAsync(CxpaEndpoint endpoint, CxpaCallOptions opts, CxpaOperation op, byte[]? body, CancellationToken ct)
        {
            var ctx = ResilienceContextPool.Shared.Get(ct);
            ctx.Properties.Set(OperationKey, op);
            ctx.Properties.Set(OptionsKey, opts);
            int attempt = 0;
            try
            {
                var outcome = await Pipeline(opts).ExecuteOutcomeAsync(
                    async (ResilienceContext c, int state) =>
                    {
                        using var m = new TransportMessage(endpoint, opts, op, body, Interlocked.Increment(ref attempt), c.CancellationToken);
                        try
                        {
                            await RunPoliciesAsync(m).ConfigureAwait(false);
                            return Outcome.FromResult(m.Response!);
                        }
                        catch (Exception ex) { return Outcome.FromException<HttpResponseMessage>(ex); }
                    }, ctx, 0).ConfigureAwait(false);
                var failure = outcome.Exception;
                if (failure != null)
                {
                    var mapped = RetryClassifier.MapFailure(endpoint, op, failure);
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

        private Task RunPoliciesAsync(TransportMessage m) => _policies[0].ProcessAsync(m, _policies, 1);

        private ResiliencePipeline<HttpResponseMessage> Pipeline(CxpaCallOptions o)
        {
            if (o.MaximumRetryCount <= 0) return ResiliencePipeline<HttpResponseMessage>.Empty;
            // Pipelines on the system clock are kept per retry setting; one on another clock (a test's) is built for the call.
            return ReferenceEquals(o.TimeProvider, TimeProvider.System)
                ? _pipelines.GetOrAdd((o.MaximumRetryCount, o.RetryInterval), key => BuildPipeline(key.Item1, key.Item2, TimeProvider.System))
                : BuildPipeline(o.MaximumRetryCount, o.RetryInterval, o.TimeProvider);
        }

        private static ResiliencePipeline<HttpResponseMessage> BuildPipeline(int maxRetries, TimeSpan interval, TimeProvider time)
            => new ResiliencePipelineBuilder<HttpResponseMessage> { TimeProvider = time }
                .AddRetry(new RetryStrategyOptions<HttpResponseMessage>
                {
                    MaxRetryAttempts = maxRetries,
                    Delay = interval <= TimeSpan.Zero ? TimeSpan.FromMilliseconds(1) : interval,
                    BackoffType = DelayBackoffType.Exponential,
                    UseJitter = true,
                    MaxDelay = TimeSpan.FromSeconds(60),
                    ShouldHandle = args =>
                    {
                        var op = args.Context.Properties.GetValue(OperationKey, null!);
                        var opts = args.Context.Properties.GetValue(OptionsKey, null!);
                        return new ValueTask<bool>(op != null && RetryClassifier.ShouldRetry(op, opts, args.Outcome.Result, args.Outcome.Exception,
                            args.Context.CancellationToken.IsCancellationRequested));
                    },
                    DelayGenerator = args => new ValueTask<TimeSpan?>(args.Outcome.Result != null
                        ? RetryClassifier.RetryAfter(args.Outcome.Result, args.Context.Properties.GetValue(OptionsKey, null!)?.TimeProvider ?? TimeProvider.System)
                        : null),
                    OnRetry = args =>
                    {
                        var op = args.Context.Properties.GetValue(OperationKey, null!);
                        var opts = args.Context.Properties.GetValue(OptionsKey, null!);
                        var why = args.Outcome.Result != null
                            ? $"{(int)args.Outcome.Result.StatusCode} {args.Outcome.Result.ReasonPhrase}"
                            : RetryClassifier.Describe(args.Outcome.Exception);
                        opts?.Log.Verbose($"Retrying {op?.Method} {op?.Route} in {args.RetryDelay.TotalSeconds:0.0} s (retry {args.AttemptNumber + 1} of {maxRetries}): {why}.");
                        args.Outcome.Result?.Dispose();
                        return default;
                    },
                }).Build();
    }
}
