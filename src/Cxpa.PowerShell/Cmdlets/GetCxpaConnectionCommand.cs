using System;
using System.Management.Automation;
using Cxpa.Engine;
using Cxpa.Engine.Http;
using Cxpa.PowerShell.Internal;

namespace Cxpa.PowerShell.Cmdlets
{
    /// <summary>
    /// <para type="synopsis">Shows the connection the Cxpa cmdlets use by default.</para>
    /// </summary>
    [Cmdlet(VerbsCommon.Get, "CxpaConnection", HelpUri = HelpUris.Docs + "Get-CxpaConnection.md")]
    [OutputType(typeof(CxpaConnection))]
    public sealed class GetCxpaConnectionCommand : CxpaCmdlet
    {
        #region Overrides

        /// <summary>Outputs the Connect-Cxpa default, else the one the environment variables make, else nothing.</summary>
        protected override void EndProcessing()
        {
            var c = ConnectionStore.Get();
            if (c != null) { WriteObject(c); return; }
            var url = ConnectionResolver.EnvUrl();
            var key = Environment.GetEnvironmentVariable("CXPA_INGEST_KEY");
            if (url != null && !string.IsNullOrEmpty(key))
            {
                try { WriteObject(ConnectionHandles.New(ConnectionResolver.Endpoint(url, CxpaAuthKind.IngestApiKey, Secret.FromString(key!), false), "Environment")); }
                catch (CxpaConfigurationException ex) { WriteError(new ErrorRecord(ex, ex.ErrorId, ErrorCategory.InvalidArgument, url)); }
            }
            else WriteVerbose("Not connected: run Connect-Cxpa, or set $env:CXPA_API_URL and $env:CXPA_INGEST_KEY.");
        }

        #endregion
    }
}
