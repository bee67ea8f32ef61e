using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Security;
using Cxpa.Engine;
using Cxpa.Engine.Http;
using Cxpa.Engine.Operations;
using Cxpa.Engine.Zone;
using Cxpa.PowerShell.Internal;

namespace Cxpa.PowerShell
{
    /// <summary>
    /// Where a cmdlet's call goes and with which secret: -Connection, then -BaseUrl and the cmdlet's key parameters, then
    /// the Connect-Cxpa default, then $env:CXPA_API_URL / PLATFORM_API_BASE_URL and $env:CXPA_INGEST_KEY. Also the agent id
    /// (the parameter, else the zone token's claim) and the run id of a runtime call. Every refusal is a terminating error
    /// raised before anything is sent.
    /// </summary>
    internal sealed class ConnectionResolver
    {
        private readonly CxpaApiCmdlet _cmdlet;

        internal ConnectionResolver(CxpaApiCmdlet cmdlet) => _cmdlet = cmdlet;

        /// <summary>The connection for the accepted kinds of secret, with an explicit secret from the cmdlet's own parameters.</summary>
        internal CxpaConnection Resolve(IReadOnlyList<CxpaAuthKind> accepted, CxpaAuthKind? explicitKind, SecureString? explicitKey, string missingKeyHelp)
        {
            var connection = _cmdlet.Connection;
            if (connection != null)
            {
                if (_cmdlet.BaseUrl != null || explicitKey != null)
                    _cmdlet.Terminate("ConnectionConflict", "Pass either -Connection or -BaseUrl and a key, not both.", ErrorCategory.InvalidArgument);
                if (!accepted.Contains(connection.Endpoint().AuthKind))
                    _cmdlet.Terminate("WrongKeyKind", $"{_cmdlet.MyInvocation.MyCommand.Name} needs {string.Join(" or ", accepted.Select(CxpaClient.Describe))}, but -Connection holds {CxpaClient.Describe(connection.Endpoint().AuthKind)}.", ErrorCategory.InvalidArgument);
                return connection;
            }

            var def = ConnectionStore.Get();
            Uri? url = _cmdlet.BaseUrl ?? def?.BaseUrl ?? EnvUrl();
            if (url == null)
                _cmdlet.Terminate("MissingBaseUrl", "No platform URL: pass -BaseUrl, run Connect-Cxpa -BaseUrl <url> ..., or set $env:CXPA_API_URL.", ErrorCategory.InvalidArgument);

            var allow = _cmdlet.AllowUnencryptedAuthentication.IsPresent;
            try
            {
                if (explicitKey != null && explicitKind != null)
                    return ConnectionHandles.New(Endpoint(url!, explicitKind.Value, Secret.FromSecureString(explicitKey), allow), "Parameters");
                // A stored key goes only to its own origin: the Connect-Cxpa key to the default's URL, the environment's key
                // to the environment's URL. A -BaseUrl of another origin needs its own key.
                if (def != null && accepted.Contains(def.Endpoint().AuthKind) && (_cmdlet.BaseUrl == null || SameOrigin(_cmdlet.BaseUrl, def.BaseUrl)))
                    return def;
                if (accepted.Contains(CxpaAuthKind.IngestApiKey) && Environment.GetEnvironmentVariable("CXPA_INGEST_KEY") is { Length: > 0 } envKey)
                {
                    var envUrl = EnvUrl();
                    if (envUrl != null && SameOrigin(url!, envUrl))
                        return ConnectionHandles.New(Endpoint(url!, CxpaAuthKind.IngestApiKey, Secret.FromString(envKey), allow, "$env:CXPA_INGEST_KEY"), "Environment");
                    _cmdlet.Terminate("MissingKey", envUrl == null
                        ? $"No key for {Origin(url!)}: $env:CXPA_INGEST_KEY is sent only to the URL in $env:CXPA_API_URL, which is not set. Set it, or pass -IngestApiKey (or run Connect-Cxpa -BaseUrl <url> -IngestApiKey <key>)."
                        : $"No key for {Origin(url!)}: $env:CXPA_INGEST_KEY is sent only to $env:CXPA_API_URL ({Origin(envUrl)}). Pass -IngestApiKey for this URL (or run Connect-Cxpa -BaseUrl <url> -IngestApiKey <key>).",
                        ErrorCategory.InvalidArgument, url);
                }
            }
            catch (CxpaConfigurationException ex)
            {
                _cmdlet.ThrowTerminatingError(new ErrorRecord(ex, ex.ErrorId, ErrorCategory.InvalidArgument, url));
            }
            _cmdlet.Terminate("MissingKey", missingKeyHelp, ErrorCategory.InvalidArgument);
            return null!;
        }

        /// <summary>The ingest-key connection (Register-CxpaRun, Send-CxpaIngest): -IngestApiKey, the default connection or the environment.</summary>
        internal CxpaConnection Ingest(SecureString? ingestApiKey)
            => Resolve(CxpaOperations.AcceptedKinds(CxpaOperations.RegisterName), ingestApiKey != null ? CxpaAuthKind.IngestApiKey : (CxpaAuthKind?)null, ingestApiKey,
                "No ingest API key: pass -IngestApiKey, run Connect-Cxpa -IngestApiKey <key>, or set $env:CXPA_INGEST_KEY.");

        /// <summary>The connection of a run call (Start/Save/Get/Wait): -ZoneToken selects the zone endpoints; else the ingest key as in <see cref="Ingest"/>, or a zone default.</summary>
        internal CxpaConnection IngestOrZone(SecureString? ingestApiKey, SecureString? zoneToken)
        {
            if (zoneToken != null && ingestApiKey != null)
                _cmdlet.Terminate("ConnectionConflict", "Pass either -IngestApiKey or -ZoneToken, not both.", ErrorCategory.InvalidArgument);
            if (zoneToken != null) return ZoneFromParameter(zoneToken);
            return Resolve(CxpaOperations.AcceptedKinds(CxpaOperations.TriggerName), ingestApiKey != null ? CxpaAuthKind.IngestApiKey : (CxpaAuthKind?)null, ingestApiKey,
                "No ingest API key or zone token: pass -IngestApiKey or -ZoneToken, run Connect-Cxpa, or set $env:CXPA_INGEST_KEY.");
        }

        /// <summary>A runtime connection: the -AgentApiKey/-CredentialsToken parameters, else the Connect-Cxpa -AgentApiKey default; and the run id.</summary>
        internal CxpaConnection Runtime(SecureString? agentApiKey, SecureString? credentialsToken, ref long runId)
        {
            CxpaConnection c;
            Secret? token = null;
            try { token = CredentialsToken(credentialsToken); }
            catch (CxpaConfigurationException ex) { _cmdlet.ThrowTerminatingError(new ErrorRecord(ex, ex.ErrorId, ErrorCategory.InvalidArgument, null)); }
            if (agentApiKey != null)
            {
                c = Resolve(RuntimeKinds, CxpaAuthKind.AgentApiKey, agentApiKey, "");
                if (token != null) c.Endpoint().CredentialsToken = token;
            }
            else
            {
                c = Resolve(RuntimeKinds, null, null,
                    "No agent API key: pass -AgentApiKey (it binds from the trigger payload), or run Connect-Cxpa -AgentApiKey <key> -RunId <id>.");
                if (token != null)
                {
                    var ep = Endpoint(c.BaseUrl, CxpaAuthKind.AgentApiKey, c.Endpoint().Key, c.Endpoint().AllowUnencryptedAuthentication);
                    ep.CredentialsToken = token;
                    ep.Proxy = c.Endpoint().Proxy;
                    c = ConnectionHandles.New(ep, "Parameters", c.RunId);
                }
            }
            if (runId <= 0) runId = c.RunId ?? 0;
            if (runId <= 0) _cmdlet.Terminate("MissingRunId", "-RunId is required (it binds from the trigger payload, or comes from Connect-Cxpa -RunId).", ErrorCategory.InvalidArgument);
            return c;
        }

        /// <summary>A zone connection from a -ZoneToken parameter, with the URL from -BaseUrl, the default connection or the environment.</summary>
        internal CxpaConnection ZoneFromParameter(SecureString zoneToken)
        {
            if (_cmdlet.Connection != null) _cmdlet.Terminate("ConnectionConflict", "Pass either -Connection or -ZoneToken, not both.", ErrorCategory.InvalidArgument);
            var url = _cmdlet.BaseUrl ?? ConnectionStore.Get()?.BaseUrl ?? EnvUrl();
            if (url == null) _cmdlet.Terminate("MissingBaseUrl", "No platform URL: pass -BaseUrl, run Connect-Cxpa, or set $env:CXPA_API_URL.", ErrorCategory.InvalidArgument);
            try { return ZoneConnection(url!, zoneToken, _cmdlet.AllowUnencryptedAuthentication, "Parameters"); }
            catch (CxpaConfigurationException ex) { _cmdlet.ThrowTerminatingError(new ErrorRecord(ex, ex.ErrorId, ErrorCategory.InvalidArgument, url)); return null!; }
        }

        /// <summary>The agent id: the parameter, else the zone token's agentId claim, else a terminating MissingAgentId error.</summary>
        internal long AgentId(long agentId, CxpaConnection connection, string missingHelp)
        {
            if (agentId > 0) return agentId;
            if (connection.Endpoint().AuthKind == CxpaAuthKind.ZoneToken && connection.AgentId is > 0) return connection.AgentId.Value;
            _cmdlet.Terminate("MissingAgentId", missingHelp, ErrorCategory.InvalidArgument);
            return 0;
        }

        /// <summary>Makes a zone connection from a zone token, reading its claims (unverified: the platform checks it).</summary>
        internal static CxpaConnection ZoneConnection(Uri url, SecureString token, bool allowUnencrypted, string source)
        {
            var secret = Secret.FromSecureString(token);
            var claims = ZoneTokens.ReadUnverified(secret.Reveal());
            var connection = ConnectionHandles.New(Endpoint(url, CxpaAuthKind.ZoneToken, secret, allowUnencrypted), source);
            connection.AgentId = claims?.AgentId;
            connection.UserId = claims?.UserId;
            connection.ExpiresAt = claims?.ExpiresAt;
            return connection;
        }

        /// <summary>The kinds of secret the runtime's calls accept (resolve-credential, run events).</summary>
        private static IReadOnlyList<CxpaAuthKind> RuntimeKinds => CxpaOperations.AcceptedKinds(CxpaOperations.RunEventName);

        /// <summary>
        /// The engine endpoint; the engine's refusal of a key over unencrypted http:// is reworded to name the parameter
        /// that allows it (matched by its ErrorId). A key that cannot go into a header is refused here, naming where it came
        /// from (<paramref name="source"/>, by default the key parameter of its kind), never its value.
        /// </summary>
        internal static CxpaEndpoint Endpoint(Uri url, CxpaAuthKind kind, Secret key, bool allowUnencrypted, string? source = null)
        {
            if (!HeaderValues.IsValid(key)) throw InvalidHeaderValue(source ?? "-" + kind);
            try
            {
                return new CxpaEndpoint(url, kind, key, allowUnencrypted);
            }
            catch (CxpaConfigurationException ex) when (ex.ErrorId == "UnencryptedAuthentication")
            {
                throw new CxpaConfigurationException(
                    $"Refusing to send a key over unencrypted http:// to {url.Host}. Use https://, or pass -AllowUnencryptedAuthentication if you accept the risk.",
                    ex.ErrorId, ex);
            }
        }

        /// <summary>A credentials token as the engine's secret (null when none is given); one that cannot go into a header is refused.</summary>
        internal static Secret? CredentialsToken(SecureString? token)
        {
            if (token == null || token.Length == 0) return null;
            var secret = Secret.FromSecureString(token);
            if (!HeaderValues.IsValid(secret)) throw InvalidHeaderValue("-CredentialsToken");
            return secret;
        }

        /// <summary>The InvalidHeaderValue error of a value from <paramref name="source"/> (a parameter or a variable): names it, never the value.</summary>
        internal static CxpaConfigurationException InvalidHeaderValue(string source)
            => new CxpaConfigurationException(
                $"{source} holds a control character (such as a line break) or a non-ASCII character, which cannot go into an HTTP header; nothing was sent.",
                "InvalidHeaderValue");

        /// <summary>The platform URL from $env:CXPA_API_URL, else $env:PLATFORM_API_BASE_URL; null when neither is a URL.</summary>
        internal static Uri? EnvUrl()
        {
            foreach (var name in new[] { "CXPA_API_URL", "PLATFORM_API_BASE_URL" })
            {
                var s = Environment.GetEnvironmentVariable(name);
                if (!string.IsNullOrWhiteSpace(s) && Uri.TryCreate(s!.Trim(), UriKind.Absolute, out var u)) return u;
            }
            return null;
        }

        /// <summary>
        /// Whether a stored key may go to <paramref name="a"/>: the same origin as <paramref name="b"/>, the URL it was given
        /// for (scheme, host and port, the port a scheme implies counted; the host compared as written, so localhost and
        /// 127.0.0.1 are different hosts, as a browser has it).
        /// </summary>
        internal static bool SameOrigin(Uri a, Uri b)
            => string.Equals(a.Scheme, b.Scheme, StringComparison.OrdinalIgnoreCase)
                && string.Equals(a.IdnHost, b.IdnHost, StringComparison.OrdinalIgnoreCase)
                && a.Port == b.Port;

        /// <summary>scheme://host:port of a URL, for messages (no path, no user info).</summary>
        private static string Origin(Uri u) => u.Scheme + "://" + u.Authority;
    }
}
