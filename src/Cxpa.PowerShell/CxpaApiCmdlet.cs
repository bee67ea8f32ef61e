using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Security;
using System.Threading;
using Cxpa.Engine;
using Cxpa.Engine.Http;
using Cxpa.Engine.Runs;
using Cxpa.Engine.Zone;
using Cxpa.PowerShell.Internal;

namespace Cxpa.PowerShell
{
    /// <summary>
    /// A cmdlet that calls the platform: resolves where and with which secret (-Connection, then -BaseUrl and key
    /// parameters, then the Connect-Cxpa default, then $env:CXPA_API_URL / PLATFORM_API_BASE_URL and $env:CXPA_INGEST_KEY),
    /// and builds the engine client with the retry and timeout parameters.
    /// </summary>
    public abstract class CxpaApiCmdlet : CxpaCmdlet
    {
        #region Parameters

        /// <summary>The platform's base URL, e.g. https://cxpa.example.com. Defaults to the connection, then $env:CXPA_API_URL, then $env:PLATFORM_API_BASE_URL.</summary>
        [Parameter]
        [ValidateNotNull]
        public Uri? BaseUrl { get; set; }

        /// <summary>A connection from Connect-Cxpa -PassThru, instead of -BaseUrl and a key.</summary>
        [Parameter]
        [ValidateNotNull]
        public CxpaConnection? Connection { get; set; }

        /// <summary>How many times a transient failure is retried: 408, 429, 502, 503, 504 and connection failures for reads and keyed calls (register, ingest); only 429 and a refused connection for calls that start a run, which are never resent once they may have reached the platform. Default 3; 0 turns retries off.</summary>
        [Parameter]
        [ValidateRange(0, 20)]
        public int MaximumRetryCount { get; set; } = 3;

        /// <summary>Seconds before the first retry; later retries back off exponentially with jitter, and a Retry-After from the platform wins. Default 1.</summary>
        [Parameter]
        [ValidateRange(0, 600)]
        public int RetryIntervalSec { get; set; } = 1;

        /// <summary>Seconds to wait for the platform's answer headers on each request (a trigger-and-wait adds its server window). Default 100. Like Invoke-RestMethod -ConnectionTimeoutSeconds.</summary>
        [Parameter]
        [ValidateRange(1, 3600)]
        public int ConnectionTimeoutSeconds { get; set; } = 100;

        /// <summary>Seconds one read of an answer's body may take (a stalled download fails after it). Default 30. Like Invoke-RestMethod -OperationTimeoutSeconds.</summary>
        [Parameter]
        [ValidateRange(1, 3600)]
        public int OperationTimeoutSeconds { get; set; } = 30;

        /// <summary>Allows sending a key over http:// to a host that is not this machine. Keys travel in clear text then.</summary>
        [Parameter]
        public SwitchParameter AllowUnencryptedAuthentication { get; set; }

        #endregion

        #region Private

        /// <summary>Builds the client for the accepted kinds of secret, with explicit secrets from the cmdlet's own parameters.</summary>
        internal CxpaConnection ResolveConnection(CxpaAuthKind[] accepted, CxpaAuthKind? explicitKind, SecureString? explicitKey, string missingKeyHelp)
        {
            if (Connection != null)
            {
                if (BaseUrl != null || explicitKey != null)
                    Fail("ConnectionConflict", "Pass either -Connection or -BaseUrl and a key, not both.", ErrorCategory.InvalidArgument);
                if (!accepted.Contains(Connection.Endpoint.AuthKind))
                    Fail("WrongKeyKind", $"{MyInvocation.MyCommand.Name} needs {string.Join(" or ", accepted.Select(CxpaClient.Describe))}, but -Connection holds {CxpaClient.Describe(Connection.Endpoint.AuthKind)}.", ErrorCategory.InvalidArgument);
                return Connection;
            }

            var def = ConnectionStore.Get();
            Uri? url = BaseUrl ?? def?.BaseUrl ?? EnvUrl();
            if (url == null)
                Fail("MissingBaseUrl", "No platform URL: pass -BaseUrl, run Connect-Cxpa -BaseUrl <url> ..., or set $env:CXPA_API_URL.", ErrorCategory.InvalidArgument);

            CxpaConnection result;
            try
            {
                if (explicitKey != null && explicitKind != null)
                {
                    result = new CxpaConnection(new CxpaEndpoint(url!, explicitKind.Value, Secret.FromSecureString(explicitKey), AllowUnencryptedAuthentication), "Parameters");
                }
                else if (def != null && accepted.Contains(def.Endpoint.AuthKind) && (BaseUrl == null || SameUrl(BaseUrl, def.BaseUrl)))
                {
                    // The default's key goes only to the default's URL: a different -BaseUrl needs its own key.
                    return def;
                }
                else if (accepted.Contains(CxpaAuthKind.IngestApiKey) && Environment.GetEnvironmentVariable("CXPA_INGEST_KEY") is { Length: > 0 } envKey)
                {
                    result = new CxpaConnection(new CxpaEndpoint(url!, CxpaAuthKind.IngestApiKey, Secret.FromString(envKey), AllowUnencryptedAuthentication), "Environment");
                }
                else
                {
                    Fail("MissingKey", missingKeyHelp, ErrorCategory.InvalidArgument);
                    return null!;
                }
            }
            catch (CxpaConfigurationException ex)
            {
                ThrowTerminatingError(new ErrorRecord(ex, ex.ErrorId, ErrorCategory.InvalidArgument, url));
                return null!;
            }
            return result;
        }

        internal static Uri? EnvUrl()
        {
            foreach (var name in new[] { "CXPA_API_URL", "PLATFORM_API_BASE_URL" })
            {
                var s = Environment.GetEnvironmentVariable(name);
                if (!string.IsNullOrWhiteSpace(s) && Uri.TryCreate(s!.Trim(), UriKind.Absolute, out var u)) return u;
            }
            return null;
        }

        private static bool SameUrl(Uri a, Uri b)
            => Uri.Compare(new Uri(a.GetLeftPart(UriPartial.Path).TrimEnd('/') + "/"), new Uri(b.GetLeftPart(UriPartial.Path).TrimEnd('/') + "/"),
                UriComponents.SchemeAndServer | UriComponents.Path, UriFormat.Unescaped, StringComparison.OrdinalIgnoreCase) == 0;

        /// <summary>The engine client for a connection, with this cmdlet's retry settings, logging and an optional deadline.</summary>
        internal CxpaClient CreateClient(CxpaConnection connection, int timeoutSec = 0)
        {
            var opts = new CxpaCallOptions
            {
                MaximumRetryCount = MaximumRetryCount,
                RetryInterval = TimeSpan.FromSeconds(RetryIntervalSec),
                RequestTimeout = TimeSpan.FromSeconds(ConnectionTimeoutSeconds),
                ReadTimeout = TimeSpan.FromSeconds(OperationTimeoutSeconds),
                Log = Log,
                ObjectFactory = PSObjectFactory.Instance,
                Deadline = timeoutSec > 0 ? DateTimeOffset.UtcNow.AddSeconds(timeoutSec) : (DateTimeOffset?)null,
            };
            return new CxpaClient(connection.Endpoint, opts);
        }

        /// <summary>A runtime connection: the -AgentApiKey/-CredentialsToken parameters, else the Connect-Cxpa -AgentApiKey default.</summary>
        internal CxpaConnection ResolveRuntime(SecureString? agentApiKey, SecureString? credentialsToken, ref long runId)
        {
            CxpaConnection c;
            if (agentApiKey != null)
            {
                c = ResolveConnection(new[] { CxpaAuthKind.AgentApiKey }, CxpaAuthKind.AgentApiKey, agentApiKey, "");
                if (credentialsToken != null && credentialsToken.Length > 0) c.Endpoint.CredentialsToken = Secret.FromSecureString(credentialsToken);
            }
            else
            {
                c = ResolveConnection(new[] { CxpaAuthKind.AgentApiKey }, null, null,
                    "No agent API key: pass -AgentApiKey (it binds from the trigger payload), or run Connect-Cxpa -AgentApiKey <key> -RunId <id>.");
                if (credentialsToken != null && credentialsToken.Length > 0)
                {
                    var ep = new CxpaEndpoint(c.BaseUrl, CxpaAuthKind.AgentApiKey, c.Endpoint.Key, c.Endpoint.AllowUnencryptedAuthentication) { CredentialsToken = Secret.FromSecureString(credentialsToken) };
                    c = new CxpaConnection(ep, "Parameters") { RunId = c.RunId };
                }
            }
            if (runId <= 0) runId = c.RunId ?? 0;
            if (runId <= 0) Fail("MissingRunId", "-RunId is required (it binds from the trigger payload, or comes from Connect-Cxpa -RunId).", ErrorCategory.InvalidArgument);
            return c;
        }

        /// <summary>A zone connection from a -ZoneToken parameter, with the URL from -BaseUrl, the default connection or the environment.</summary>
        internal CxpaConnection ZoneFromParameter(SecureString zoneToken)
        {
            if (Connection != null) Fail("ConnectionConflict", "Pass either -Connection or -ZoneToken, not both.", ErrorCategory.InvalidArgument);
            var url = BaseUrl ?? ConnectionStore.Get()?.BaseUrl ?? EnvUrl();
            if (url == null) Fail("MissingBaseUrl", "No platform URL: pass -BaseUrl, run Connect-Cxpa, or set $env:CXPA_API_URL.", ErrorCategory.InvalidArgument);
            try { return ZoneConnection(url!, zoneToken, AllowUnencryptedAuthentication, "Parameters"); }
            catch (CxpaConfigurationException ex) { ThrowTerminatingError(new ErrorRecord(ex, ex.ErrorId, ErrorCategory.InvalidArgument, url)); return null!; }
        }

        /// <summary>Converts a user value for a JSON body (an object, or with anyValue any JSON value); writes InvalidInput and returns false when it cannot.</summary>
        internal bool TryJson(object? value, string parameterName, bool anyValue, out object? json)
        {
            try
            {
                json = anyValue ? InputConverter.ToJsonValue(value, parameterName) : InputConverter.ToJsonObject(value, parameterName);
                return true;
            }
            catch (ArgumentException ex)
            {
                // The target is where the refused value is (input.items[2].p), not the value: it may be large or not plain data.
                var target = ex is InputPolicyException policy ? policy.Path : (object?)value;
                WriteError(new ErrorRecord(ex, "InvalidInput", ErrorCategory.InvalidArgument, target) { ErrorDetails = new ErrorDetails(ex.Message) });
                json = null;
                return false;
            }
        }

        /// <summary>Makes a zone connection from a zone token, reading its claims (unverified: the platform checks it).</summary>
        internal static CxpaConnection ZoneConnection(Uri url, SecureString token, bool allowUnencrypted, string source)
        {
            var secret = Secret.FromSecureString(token);
            var claims = ZoneTokens.ReadUnverified(secret.Reveal());
            return new CxpaConnection(new CxpaEndpoint(url, CxpaAuthKind.ZoneToken, secret, allowUnencrypted), source)
            {
                AgentId = claims?.AgentId,
                UserId = claims?.UserId,
                ExpiresAt = claims?.ExpiresAt,
            };
        }

        #endregion
    }

    /// <summary>A cmdlet of the agent-run family: ingest API key, or (where it says so) a zone token.</summary>
    public abstract class CxpaRunCmdlet : CxpaApiCmdlet
    {
        #region Parameters

        /// <summary>The agent's ingest API key (SecureString or string). Defaults to the connection, then $env:CXPA_INGEST_KEY.</summary>
        [Parameter]
        [SecretTransformation]
        [ValidateNotNull]
        public SecureString? IngestApiKey { get; set; }

        #endregion

        #region Private

        internal const string MissingIngestKey =
            "No ingest API key: pass -IngestApiKey, run Connect-Cxpa -IngestApiKey <key>, or set $env:CXPA_INGEST_KEY.";

        /// <summary>Ingest key only (register, ingest).</summary>
        internal CxpaConnection ResolveIngest()
            => ResolveConnection(new[] { CxpaAuthKind.IngestApiKey }, IngestApiKey != null ? CxpaAuthKind.IngestApiKey : (CxpaAuthKind?)null, IngestApiKey, MissingIngestKey);

        /// <summary>Ingest key or zone token (run calls). -ZoneToken selects the zone endpoints.</summary>
        internal CxpaConnection ResolveRunConnection(SecureString? zoneToken)
        {
            if (zoneToken != null && IngestApiKey != null)
                Fail("ConnectionConflict", "Pass either -IngestApiKey or -ZoneToken, not both.", ErrorCategory.InvalidArgument);
            if (zoneToken != null) return ZoneFromParameter(zoneToken);
            return ResolveConnection(new[] { CxpaAuthKind.IngestApiKey, CxpaAuthKind.ZoneToken },
                IngestApiKey != null ? CxpaAuthKind.IngestApiKey : (CxpaAuthKind?)null, IngestApiKey,
                "No ingest API key or zone token: pass -IngestApiKey or -ZoneToken, run Connect-Cxpa, or set $env:CXPA_INGEST_KEY.");
        }

        /// <summary>The agent id: the parameter, else the zone token's agentId claim, else a clear error.</summary>
        internal long ResolveAgentId(long agentId, CxpaConnection connection)
        {
            if (agentId > 0) return agentId;
            if (connection.Endpoint.AuthKind == CxpaAuthKind.ZoneToken && connection.AgentId is > 0) return connection.AgentId.Value;
            Fail("MissingAgentId", "-AgentId is required (a zone token's agentId claim supplies it in zone mode).", ErrorCategory.InvalidArgument);
            return 0;
        }

        /// <summary>
        /// Waits on runs in one loop, outputting each as it turns terminal (with RunFailed/RunCancelled errors),
        /// and when -WaitTimeoutSeconds elapses outputs the runs still in flight with a RunWaitTimeout error each. -Any stops at the first.
        /// </summary>
        internal void WaitAndOutput(CxpaClient client, IList<Run> runs, int timeoutSec, bool any, DateTimeOffset? startedAt = null)
        {
            var waiter = new RunWaiter(client, runs);
            var ticker = new ProgressTicker(this, runs.Count == 1 ? $"Waiting for run {runs[0].RunId}" : $"Waiting for {runs.Count} runs");
            var start = startedAt ?? DateTimeOffset.UtcNow;
            using var cts = CancellationTokenSource.CreateLinkedTokenSource(StopToken);
            DateTimeOffset? deadline = timeoutSec > 0 ? start.AddSeconds(timeoutSec) : (DateTimeOffset?)null;
            if (deadline != null)
            {
                var left = deadline.Value - DateTimeOffset.UtcNow;
                cts.CancelAfter(left > TimeSpan.Zero ? left : TimeSpan.FromMilliseconds(1));
            }
            int total = runs.Count, finished = 0;
            bool timedOut = false;
            var lastHeartbeat = DateTimeOffset.UtcNow;
            void Tick()
            {
                var pending = total - finished;
                var elapsed = DateTimeOffset.UtcNow - start;
                var status = total == 1
                    ? $"Run {runs[0].RunId}: {waiter.Pending.FirstOrDefault()?.Status ?? "waiting"} ({elapsed.TotalSeconds:0} s)"
                    : $"{finished} of {total} runs finished, {pending} pending ({elapsed.TotalSeconds:0} s)";
                ticker.Update(status, total > 1 ? finished * 100 / total : -1,
                    deadline != null ? (int)Math.Max(0, (deadline.Value - DateTimeOffset.UtcNow).TotalSeconds) : -1);
                if (NonInteractive && DateTimeOffset.UtcNow - lastHeartbeat >= HeartbeatInterval)
                {
                    lastHeartbeat = DateTimeOffset.UtcNow;
                    WriteInformation(new InformationRecord(status, "Cxpa.Wait"));
                }
            }
            try
            {
                while (!waiter.IsDone)
                {
                    IReadOnlyList<Run> batch;
                    try
                    {
                        batch = Await(waiter.NextAsync(cts.Token), Tick);
                    }
                    catch (Exception ex) when (!StopToken.IsCancellationRequested && deadline != null
                        && (cts.IsCancellationRequested || DateTimeOffset.UtcNow >= deadline.Value)
                        && (ex is OperationCanceledException || ex is CxpaTimeoutException))
                    {
                        timedOut = true;
                        break;
                    }
                    catch (PipelineStoppedException) { throw; }
                    catch (Exception ex) when (!(ex is OperationCanceledException))
                    {
                        foreach (var p in waiter.Pending) WriteCxpaError(ex, p.RunId, $"Waiting for run {p.RunId}");
                        return;
                    }
                    foreach (var f in waiter.TakeFailures())
                    {
                        finished++;
                        WriteCxpaError(f.Value, f.Key.RunId);
                    }
                    foreach (var run in batch)
                    {
                        finished++;
                        WriteObject(run);
                        if (RunOutcome.ErrorFor(run) is { } err) WriteError(err);
                    }
                    if (any && finished > 0) return;
                }
            }
            finally
            {
                ticker.Complete();
            }
            if (timedOut)
            {
                foreach (var p in waiter.Pending)
                {
                    WriteObject(p);
                    WriteError(RunOutcome.Timeout(p, timeoutSec));
                }
            }
        }

        internal static TimeSpan HeartbeatInterval = TimeSpan.FromSeconds(30);

        private bool NonInteractive
        {
            get
            {
                try { return !Environment.UserInteractive || Host.Name != "ConsoleHost"; }
                catch { return true; }
            }
        }

        #endregion
    }
}
