using System.Reflection;

namespace Cxpa.PowerShell.Tests;

/// <summary>How a wait finds the process's -NonInteractive switch (its heartbeat's host detection).</summary>
public sealed class HeartbeatTests
{
    // The cmdlet assembly lives in Cxpa's own load context: reach the internal method through the loaded module.
    private static readonly Lazy<MethodInfo> Method = new(() =>
    {
        var r = PowerShellHost.Run("(Get-Command Wait-CxpaRun).ImplementingType.Assembly");
        Assert.Null(r.Thrown);
        var cmdlets = (Assembly)r.Single().BaseObject;
        return cmdlets.GetType("Cxpa.PowerShell.Internal.Heartbeat", throwOnError: true)!
            .GetMethod("NonInteractiveSwitch", BindingFlags.NonPublic | BindingFlags.Static)!;
    });

    private static bool NonInteractiveSwitch(string commandLine) => (bool)Method.Value.Invoke(null, new object[] { commandLine.Split(' ') })!;

    [Theory]
    [InlineData("pwsh -NonInteractive -File runbook.ps1")]
    [InlineData("pwsh -noni -File runbook.ps1")]
    [InlineData("pwsh -NoProfile -NONINTERACTIVE -Command Get-Date")]
    [InlineData("/usr/share/pwsh/pwsh.dll -NoProfile -NonInteractive -File x.ps1")]
    [InlineData("powershell.exe /NonInteractive -File runbook.ps1")]
    [InlineData("pwsh --noninteractive -File runbook.ps1")]
    public void The_switch_before_the_script_counts(string commandLine)
        => Assert.True(NonInteractiveSwitch(commandLine));

    [Theory]
    [InlineData("pwsh")]
    [InlineData("pwsh -NoProfile")]
    [InlineData("pwsh -File runbook.ps1 -NonInteractive")]
    [InlineData("pwsh -Command Start-Thing -noni")]
    [InlineData("pwsh -non -File x.ps1")]
    [InlineData("pwsh NonInteractive")]
    [InlineData("pwsh -NoLogo -NoProfile")]
    [InlineData("pwsh -NonInteractiveX -File x.ps1")]
    public void Anything_else_does_not(string commandLine)
        => Assert.False(NonInteractiveSwitch(commandLine));
}
