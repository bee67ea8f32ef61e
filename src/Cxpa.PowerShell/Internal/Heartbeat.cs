using System;
using System.Management.Automation;

namespace Cxpa.PowerShell.Internal
{
    /// <summary>
    /// The heartbeat of a long wait: in a non-interactive host (pwsh -NonInteractive, output redirected to a file or a
    /// pipe, a host without a console UI such as a job or a hosted runspace) it is shown like Write-Host; wherever the caller
    /// chose an information action (-InformationAction, or a $InformationPreference other than SilentlyContinue), that
    /// action decides; an interactive console without one gets the progress bar only.
    /// </summary>
    internal static class Heartbeat
    {
        internal static HeartbeatMode For(PSCmdlet cmdlet)
        {
            if (InformationActionChosen(cmdlet)) return HeartbeatMode.Information;
            return NonInteractive(cmdlet) ? HeartbeatMode.Host : HeartbeatMode.None;
        }

        private static bool InformationActionChosen(PSCmdlet cmdlet)
        {
            if (cmdlet.MyInvocation.BoundParameters.ContainsKey("InformationAction")) return true;
            var pref = cmdlet.GetVariableValue("InformationPreference");
            return pref != null && !string.Equals(pref.ToString(), nameof(ActionPreference.SilentlyContinue), StringComparison.OrdinalIgnoreCase);
        }

        private static bool NonInteractive(PSCmdlet cmdlet)
        {
            try
            {
                if (!Environment.UserInteractive || cmdlet.Host.UI == null || cmdlet.Host.Name != "ConsoleHost") return true;
                return Console.IsOutputRedirected || NonInteractiveSwitch(Environment.GetCommandLineArgs());
            }
            catch (Exception ex) when (ex is InvalidOperationException || ex is PlatformNotSupportedException || ex is System.Security.SecurityException)
            {
                return true;
            }
        }

        /// <summary>
        /// Whether the process's own switches (before -File or -Command, whose arguments belong to the script) include
        /// -NonInteractive, which pwsh and powershell.exe take abbreviated to -noni and with / or -- too.
        /// </summary>
        internal static bool NonInteractiveSwitch(string[] args)
        {
            for (var i = 1; i < args.Length; i++)
            {
                var a = args[i];
                if (a.EndsWith(".dll", StringComparison.OrdinalIgnoreCase)) continue;
                var name = a.TrimStart('-', '/');
                if (name.Length == a.Length || name.Length == 0) continue;
                if (name.Length >= 4 && "noninteractive".StartsWith(name, StringComparison.OrdinalIgnoreCase)) return true;
                if (IsPrefixOf(name, "file", 1) || IsPrefixOf(name, "command", 1) || IsPrefixOf(name, "encodedcommand", 1)) return false;
            }
            return false;
        }

        private static bool IsPrefixOf(string name, string word, int min)
            => name.Length >= min && word.StartsWith(name, StringComparison.OrdinalIgnoreCase);
    }
}
