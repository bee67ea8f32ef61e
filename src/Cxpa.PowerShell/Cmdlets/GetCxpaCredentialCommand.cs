using System;
using System.Management.Automation;
using System.Security;
using Cxpa.Engine.Models;
using Cxpa.Engine.Operations;
using Cxpa.PowerShell.Internal;

namespace Cxpa.PowerShell.Cmdlets
{
    /// <summary>
    /// <para type="synopsis">Resolves a credential: by integration key with a zone token, or by connection id from a runtime.</para>
    /// </summary>
    [Cmdlet(VerbsCommon.Get, "CxpaCredential", DefaultParameterSetName = ZoneSet, HelpUri = HelpUris.Docs + "Get-CxpaCredential.md")]
    [OutputType(typeof(OAuthCredential), typeof(ApiKeyCredential), typeof(BasicCredential), typeof(GenericCredential))]
    public sealed class GetCxpaCredentialCommand : CxpaApiCmdlet
    {
        private const string ZoneSet = "Zone";
        private const string RuntimeSet = "Runtime";

        #region Parameters

        /// <summary>The integration's slug as configured on the agent (zone form), e.g. hubspot.</summary>
        [Parameter(Mandatory = true, Position = 0, ParameterSetName = ZoneSet)]
        [ValidateNotNullOrEmpty]
        public string IntegrationKey { get; set; } = "";

        /// <summary>The zone token (zone form). Defaults to the Connect-Cxpa -ZoneToken connection.</summary>
        [Parameter(ParameterSetName = ZoneSet)]
        [SecretTransformation]
        [ValidateNotNull]
        public SecureString? ZoneToken { get; set; }

        /// <summary>The agent (zone form). Defaults to the zone token's agentId claim.</summary>
        [Parameter(ParameterSetName = ZoneSet)]
        [ValidateRange(1, long.MaxValue)]
        public long AgentId { get; set; }

        /// <summary>The connection id to resolve (runtime form).</summary>
        [Parameter(Mandatory = true, Position = 0, ParameterSetName = RuntimeSet)]
        [ValidateNotNullOrEmpty]
        public string ConnectionId { get; set; } = "";

        /// <summary>The run (runtime form). Binds from the trigger payload by property name.</summary>
        [Parameter(ParameterSetName = RuntimeSet, ValueFromPipelineByPropertyName = true)]
        [ValidateRange(1, long.MaxValue)]
        public long RunId { get; set; }

        /// <summary>The runtime's agent API key (runtime form). Binds from the trigger payload by property name.</summary>
        [Parameter(ParameterSetName = RuntimeSet, ValueFromPipelineByPropertyName = true)]
        [SecretTransformation]
        public SecureString? AgentApiKey { get; set; }

        /// <summary>The run's credentials token (runtime form). Binds from the trigger payload by property name.</summary>
        [Parameter(ParameterSetName = RuntimeSet, ValueFromPipelineByPropertyName = true)]
        [SecretTransformation]
        public SecureString? CredentialsToken { get; set; }

        /// <summary>Outputs secret fields as plain text instead of SecureStrings.</summary>
        [Parameter]
        public SwitchParameter AsPlainText { get; set; }

        #endregion

        #region Overrides

        /// <summary>Resolves the credential.</summary>
        protected override void ProcessRecord()
        {
            if (ParameterSetName == RuntimeSet)
            {
                long runId = RunId;
                var c = Connections.Runtime(AgentApiKey, CredentialsToken, ref runId);
                var resolving = $"Resolving credential '{ConnectionId}' for run {runId}";
                // Checked here so that the message names the parameter; nothing is sent without the token.
                if (c.Endpoint().CredentialsToken == null)
                    WriteCxpaError(new CxpaConfigurationException("Resolving a credential needs the run's credentials token (-CredentialsToken).", "MissingCredentialsToken"), ConnectionId, resolving);
                else if (Describe(() => CxpaOperations.ResolveCredential(ConnectionId, runId), ConnectionId, resolving) is { } resolve)
                    Send(resolve, () => CreateClient(c), d => WriteObject(OutputObjects.Credential(d, ConnectionId, AsPlainText)), ConnectionId, resolving);
                return;
            }

            CxpaConnection zone;
            if (ZoneToken != null) zone = Connections.ZoneFromParameter(ZoneToken);
            else zone = Connections.Resolve(CxpaOperations.AcceptedKinds(CxpaOperations.ZoneCredentialName), null, null, "No zone token: pass -ZoneToken, or run Connect-Cxpa -ZoneToken <token>.");
            var agentId = Connections.AgentId(AgentId, zone, "-AgentId is required when the zone token has no agentId claim.");
            var reading = $"Reading credential '{IntegrationKey}' of agent {agentId}";
            if (Describe(() => CxpaOperations.ZoneCredential(agentId, IntegrationKey), IntegrationKey, reading) is { } read)
                Send(read, () => CreateClient(zone), d => WriteObject(OutputObjects.Credential(d, IntegrationKey, AsPlainText)), IntegrationKey, reading);
        }

        #endregion

        #region Private

        /// <summary>The operation, or null with the record's InvalidArgument error when an id cannot be one path segment (empty, '.', '..'): nothing is sent.</summary>
        private CxpaOperation<CredentialData>? Describe(Func<CxpaOperation<CredentialData>> describe, string target, string doing)
        {
            try { return describe(); }
            catch (CxpaConfigurationException ex)
            {
                WriteCxpaError(ex, target, doing);
                return null;
            }
        }

        #endregion
    }
}
