using System.Management.Automation;
using Cxpa.PowerShell.Internal;

namespace Cxpa.PowerShell.Cmdlets
{
    /// <summary>
    /// <para type="synopsis">Forgets the default connection of this process.</para>
    /// </summary>
    [Cmdlet(VerbsCommunications.Disconnect, "Cxpa", HelpUri = HelpUris.Docs + "Disconnect-Cxpa.md")]
    [OutputType(typeof(void))]
    public sealed class DisconnectCxpaCommand : CxpaCmdlet
    {
        #region Overrides

        /// <summary>Clears the default connection, for every runspace of the process.</summary>
        protected override void EndProcessing()
        {
            if (ConnectionStore.Get() == null) WriteVerbose("No connection to forget.");
            ConnectionStore.Set(null);
        }

        #endregion
    }
}
