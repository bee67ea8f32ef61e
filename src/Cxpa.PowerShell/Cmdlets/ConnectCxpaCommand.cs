using System;
using System.Management.Automation;
using System.Security;
using Cxpa.Engine;
using Cxpa.Engine.Http;
using Cxpa.PowerShell.Internal;

namespace Cxpa.PowerShell.Cmdlets
{
    /// <summary>
    /// <para type="synopsis">Sets the default platform URL and secret for the Cxpa cmdlets in this process.</para>
    /// </summary>
    [Cmdlet(VerbsCommunications.Connect, "Cxpa", DefaultParameterSetName = IngestSet, HelpUri = HelpUris.Docs + "Connect-Cxpa.md")]
    [OutputType(typeof(CxpaConnection))]
    public sealed class ConnectCxpaCommand : CxpaCmdlet
    {
        private const string IngestSet = "IngestApiKey";
        private const string ZoneSet = "ZoneToken";
        private const string RuntimeSet = "AgentApiKey";
        private const string IngestCredentialSet = "IngestCredential";
        private const string RuntimeCredentialSet = "AgentCredential";

        #region Parameters

        /// <summary>The platform's base URL. Defaults to $env:CXPA_API_URL, then $env:PLATFORM_API_BASE_URL.</summary>
        [Parameter(Position = 0)]
        [ValidateNotNull]
        public Uri? BaseUrl { get; set; }

        /// <summary>An agent's ingest API key (SecureString or string): for starting, reading, registering and ingesting runs.</summary>
        [Parameter(Mandatory = true, ParameterSetName = IngestSet)]
        [SecretTransformation]
        [ValidateNotNull]
        public SecureString? IngestApiKey { get; set; }

        /// <summary>A PSCredential whose password is the agent's ingest API key (an automation credential asset, Get-Secret); the user name is ignored.</summary>
        [Parameter(Mandatory = true, ParameterSetName = IngestCredentialSet)]
        [ValidateNotNull]
        public PSCredential? Credential { get; set; }

        /// <summary>A zone token (the per-request JWT a zone app receives): for the zone endpoints, on behalf of its user.</summary>
        [Parameter(Mandatory = true, ParameterSetName = ZoneSet)]
        [SecretTransformation]
        [ValidateNotNull]
        public SecureString? ZoneToken { get; set; }

        /// <summary>A runtime's agent API key, for Send-CxpaRunEvent and Get-CxpaCredential -ConnectionId.</summary>
        [Parameter(Mandatory = true, ParameterSetName = RuntimeSet)]
        [SecretTransformation]
        [ValidateNotNull]
        public SecureString? AgentApiKey { get; set; }

        /// <summary>A PSCredential whose password is the runtime's agent API key; the user name is ignored. Takes -RunId and -CredentialsToken as -AgentApiKey does.</summary>
        [Parameter(Mandatory = true, ParameterSetName = RuntimeCredentialSet)]
        [ValidateNotNull]
        public PSCredential? AgentCredential { get; set; }

        /// <summary>The run a runtime reports on.</summary>
        [Parameter(Mandatory = true, ParameterSetName = RuntimeSet)]
        [Parameter(Mandatory = true, ParameterSetName = RuntimeCredentialSet)]
        [ValidateRange(1, long.MaxValue)]
        public long RunId { get; set; }

        /// <summary>The run's credentials token, for resolving credentials.</summary>
        [Parameter(ParameterSetName = RuntimeSet)]
        [Parameter(ParameterSetName = RuntimeCredentialSet)]
        [SecretTransformation]
        public SecureString? CredentialsToken { get; set; }

        /// <summary>An HTTP proxy for every call through this connection, e.g. http://proxy.example.com:8080. Without it, the system's proxy settings apply (HTTPS_PROXY, HTTP_PROXY, NO_PROXY). Like Invoke-RestMethod -Proxy.</summary>
        [Parameter]
        [ValidateNotNull]
        public Uri? Proxy { get; set; }

        /// <summary>The credential the proxy asks for (a secret like the keys: never shown). Like Invoke-RestMethod -ProxyCredential.</summary>
        [Parameter]
        [ValidateNotNull]
        [Credential]
        public PSCredential? ProxyCredential { get; set; }

        /// <summary>Sends the credentials of the current user to the proxy. Like Invoke-RestMethod -ProxyUseDefaultCredentials.</summary>
        [Parameter]
        public SwitchParameter ProxyUseDefaultCredentials { get; set; }

        /// <summary>Allows sending the secret over http:// to a host that is not this machine.</summary>
        [Parameter]
        public SwitchParameter AllowUnencryptedAuthentication { get; set; }

        /// <summary>Outputs the connection object.</summary>
        [Parameter]
        public SwitchParameter PassThru { get; set; }

        #endregion

        #region Overrides

        /// <summary>Builds and stores the connection. Nothing is sent: the platform checks the secret on first use.</summary>
        protected override void EndProcessing()
        {
            var url = BaseUrl ?? ConnectionResolver.EnvUrl();
            if (url == null)
                Terminate("MissingBaseUrl", "No platform URL: pass -BaseUrl, or set $env:CXPA_API_URL.", ErrorCategory.InvalidArgument);
            var ingestKey = ParameterSetName == IngestCredentialSet ? PasswordOf(Credential!, "Credential", "the agent's ingest API key") : IngestApiKey;
            var agentKey = ParameterSetName == RuntimeCredentialSet ? PasswordOf(AgentCredential!, "AgentCredential", "the runtime's agent API key") : AgentApiKey;
            CxpaConnection c;
            try
            {
                switch (ParameterSetName)
                {
                    case ZoneSet:
                        c = ConnectionResolver.ZoneConnection(url!, ZoneToken!, AllowUnencryptedAuthentication, "Connect-Cxpa");
                        break;
                    case RuntimeSet:
                    case RuntimeCredentialSet:
                        var ep = ConnectionResolver.Endpoint(url!, CxpaAuthKind.AgentApiKey, Secret.FromSecureString(agentKey!), AllowUnencryptedAuthentication,
                            ParameterSetName == RuntimeCredentialSet ? "The password of -AgentCredential" : null);
                        ep.CredentialsToken = ConnectionResolver.CredentialsToken(CredentialsToken);
                        c = ConnectionHandles.New(ep, "Connect-Cxpa", RunId);
                        break;
                    default:
                        c = ConnectionHandles.New(ConnectionResolver.Endpoint(url!, CxpaAuthKind.IngestApiKey, Secret.FromSecureString(ingestKey!), AllowUnencryptedAuthentication,
                            ParameterSetName == IngestCredentialSet ? "The password of -Credential" : null), "Connect-Cxpa");
                        break;
                }
                if (Proxy != null)
                    c.Endpoint().Proxy = new CxpaProxy(Proxy, ProxyCredential?.UserName, ProxyCredential != null ? Secret.FromSecureString(ProxyCredential.Password) : null,
                        ProxyUseDefaultCredentials);
                else if (ProxyCredential != null || ProxyUseDefaultCredentials)
                    throw new CxpaConfigurationException("-ProxyCredential and -ProxyUseDefaultCredentials need -Proxy.", "InvalidProxy");
            }
            catch (CxpaConfigurationException ex)
            {
                ThrowTerminatingError(new ErrorRecord(ex, ex.ErrorId, ErrorCategory.InvalidArgument, url));
                return;
            }
            ConnectionStore.Set(c);
            WriteVerbose($"Connected to {c.BaseUrl} with {CxpaClient.Describe(c.Endpoint().AuthKind)}{(c.Endpoint().Proxy is { } p ? $" through the proxy {p}" : "")}.");
            if (PassThru) WriteObject(c);
        }

        #endregion

        #region Private

        /// <summary>The password of a credential, the key; an empty one is a terminating error (nothing is sent, the user name is ignored).</summary>
        private SecureString PasswordOf(PSCredential credential, string parameter, string what)
        {
            var password = credential.Password;
            if (password == null || password.Length == 0)
                Terminate("EmptyCredentialPassword", $"The password of -{parameter} is empty: it must be {what}.", ErrorCategory.InvalidArgument);
            return password!;
        }

        #endregion
    }
}
