namespace Cxpa.PowerShell.Internal
{
    /// <summary>Whether and how a long wait writes its heartbeat (see <see cref="Heartbeat"/>).</summary>
    internal enum HeartbeatMode
    {
        /// <summary>No heartbeat: an interactive console with no information action chosen (the progress bar shows the wait).</summary>
        None,
        /// <summary>A plain Information record, which the caller's -InformationAction or $InformationPreference shows, keeps or drops.</summary>
        Information,
        /// <summary>An Information record tagged PSHOST: shown as Write-Host shows its text, in a non-interactive host.</summary>
        Host,
    }
}
