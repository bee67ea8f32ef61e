using System;
using System.Collections;
using System.Collections.Generic;
using System.Management.Automation;
using System.Net.Http;
using System.Security;
using Cxpa.Engine.Http;
using Cxpa.Engine.Operations;
using Cxpa.PowerShell.Internal;

namespace Cxpa.PowerShell.Cmdlets
{
    /// <summary>
    /// <para type="synopsis">Calls any platform endpoint by method and path, with the connection's key, retries, answer limits and typed errors.</para>
    /// <para type="description">An escape hatch for platform endpoints the module does not wrap yet, as Invoke-MgGraphRequest and Invoke-AzRestMethod are.</para>
    /// </summary>
    [Cmdlet(VerbsLifecycle.Invoke, "CxpaRestMethod", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low, HelpUri = HelpUris.Docs + "Invoke-CxpaRestMethod.md")]
    [OutputType(typeof(PSObject), typeof(string))]
    public sealed class InvokeCxpaRestMethodCommand : CxpaApiCmdlet
    {
        #region Parameters

        /// <summary>The HTTP method. GET, HEAD, OPTIONS, PUT and DELETE are retried like reads; POST and PATCH are never sent again once they may have reached the platform. Default GET.</summary>
        [Parameter]
        [ValidateSet("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", IgnoreCase = true)]
        public string Method { get; set; } = "GET";

        /// <summary>The path relative to the base URL, e.g. api/agents/42/runs/7 (a query string may follow). An absolute URL is refused: the key goes only to the platform.</summary>
        [Parameter(Mandatory = true, Position = 0)]
        [ValidateNotNullOrEmpty]
        public string Path { get; set; } = "";

        /// <summary>The JSON body: hashtables, PSCustomObjects, arrays and plain values, under the same plain-data policy as -InputObject (about_Cxpa INPUT).</summary>
        [Parameter]
        public object? Body { get; set; }

        /// <summary>Extra request headers (a hashtable). Authorization, x-credentials-token, x-zone-token, Proxy-Authorization, Cookie, Host and the content headers are refused: the connection and the transport set them.</summary>
        [Parameter]
        [ValidateNotNull]
        public IDictionary? Headers { get; set; }

        /// <summary>Outputs the answer's text as it came (decoded) instead of objects.</summary>
        [Parameter]
        public SwitchParameter Raw { get; set; }

        /// <summary>An ingest API key (SecureString or string). Defaults to the connection, then $env:CXPA_INGEST_KEY.</summary>
        [Parameter]
        [SecretTransformation]
        [ValidateNotNull]
        public SecureString? IngestApiKey { get; set; }

        /// <summary>A zone token (SecureString or string) instead of a key.</summary>
        [Parameter]
        [SecretTransformation]
        [ValidateNotNull]
        public SecureString? ZoneToken { get; set; }

        /// <summary>An agent API key (SecureString or string) instead of an ingest key.</summary>
        [Parameter]
        [SecretTransformation]
        [ValidateNotNull]
        public SecureString? AgentApiKey { get; set; }

        #endregion

        #region Overrides

        /// <summary>Resolves the connection and checks the path and headers before anything is sent.</summary>
        protected override void BeginProcessing()
        {
            int keys = (IngestApiKey != null ? 1 : 0) + (ZoneToken != null ? 1 : 0) + (AgentApiKey != null ? 1 : 0);
            if (keys > 1) Terminate("ConnectionConflict", "Pass one of -IngestApiKey, -ZoneToken and -AgentApiKey.", ErrorCategory.InvalidArgument);
            try { _route = CxpaOperations.RestPath(Path); }
            catch (CxpaConfigurationException ex) { ThrowTerminatingError(new ErrorRecord(ex, ex.ErrorId, ErrorCategory.InvalidArgument, Path)); }
            _headers = ReadHeaders();
            var kinds = CxpaOperations.AcceptedKinds("rest");
            if (ZoneToken != null) _connection = Connections.ZoneFromParameter(ZoneToken);
            else if (AgentApiKey != null) _connection = Connections.Resolve(kinds, CxpaAuthKind.AgentApiKey, AgentApiKey, "");
            else _connection = Connections.Resolve(kinds, IngestApiKey != null ? CxpaAuthKind.IngestApiKey : (CxpaAuthKind?)null, IngestApiKey,
                "No key: pass -IngestApiKey, -ZoneToken or -AgentApiKey, run Connect-Cxpa, or set $env:CXPA_INGEST_KEY.");
        }

        /// <summary>Sends the call and writes its answer.</summary>
        protected override void ProcessRecord()
        {
            var hasBody = Body != null;
            object? json = null;
            if (hasBody && !TryJson(Body, "Body", anyValue: true, out json)) return;
            var operation = CxpaOperations.Rest(new HttpMethod(Method.ToUpperInvariant()), _route, json, hasBody, _headers, Raw);
            Send(operation, () => CreateClient(_connection!), answer => { if (answer != null) WriteObject(answer, enumerateCollection: !Raw); },
                Path, $"{operation.Method.Method} {operation.Route}");
        }

        #endregion

        #region Private

        private CxpaConnection? _connection;
        private string _route = "";
        private List<KeyValuePair<string, string>>? _headers;

        private static readonly HashSet<string> Reserved = new HashSet<string>(StringComparer.OrdinalIgnoreCase)
        {
            "Authorization", "Proxy-Authorization", "x-credentials-token", "x-zone-token", "Cookie", "Host", "Content-Length",
            "Content-Type", "Content-Encoding", "Transfer-Encoding", "Connection", "Accept-Encoding", "Accept", "User-Agent",
        };

        /// <summary>The -Headers entries as name/value pairs; a reserved name, a name that is not an HTTP token or a value that cannot go into a header is a terminating error.</summary>
        private List<KeyValuePair<string, string>>? ReadHeaders()
        {
            if (Headers == null) return null;
            var list = new List<KeyValuePair<string, string>>();
            foreach (DictionaryEntry e in Headers)
            {
                var name = e.Key?.ToString() ?? "";
                if (!IsToken(name))
                    Terminate("InvalidHeaders", "A header name in -Headers is not a valid HTTP header name.", ErrorCategory.InvalidArgument);
                if (Reserved.Contains(name))
                    Terminate("InvalidHeaders", $"-Headers must not set '{name}': the connection's key and the transport set it.", ErrorCategory.InvalidArgument);
                var value = LanguagePrimitives.ConvertTo<string>(e.Value is PSObject p ? p.BaseObject : e.Value) ?? "";
                if (!HeaderValues.IsValid(value))
                    Terminate("InvalidHeaderValue", $"The value of the '{name}' header in -Headers holds a control character (such as a line break) or a non-ASCII character, which cannot go into an HTTP header; nothing was sent.", ErrorCategory.InvalidArgument);
                list.Add(new KeyValuePair<string, string>(name, value));
            }
            return list;
        }

        private static bool IsToken(string name)
        {
            if (name.Length == 0) return false;
            foreach (var c in name)
                if (!(char.IsLetterOrDigit(c) && c < 0x80) && "!#$%&'*+-.^_`|~".IndexOf(c) < 0) return false;
            return true;
        }

        #endregion
    }
}
