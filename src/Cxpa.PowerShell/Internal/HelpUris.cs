namespace Cxpa.PowerShell.Internal
{
    /// <summary>
    /// Where each cmdlet's online help lives (Get-Help -Online): its docs page in the project repository. A cmdlet's
    /// HelpUri is <see cref="Docs"/> + its name + ".md"; the page's "online version" and first related link are the same URL.
    /// </summary>
    internal static class HelpUris
    {
        public const string Docs = "https://github.com/cxpa/cxpa-powershell/blob/main/docs/";
    }
}
