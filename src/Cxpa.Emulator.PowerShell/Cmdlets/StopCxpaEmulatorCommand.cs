using System.Management.Automation;

namespace Cxpa.Emulator.Cmdlets;

/// <summary>
/// <para type="synopsis">Stops an emulator that Start-CxpaEmulator started.</para>
/// </summary>
[Cmdlet(VerbsLifecycle.Stop, "CxpaEmulator", HelpUri = "https://github.com/cxpa/cxpa-powershell/blob/main/docs/Stop-CxpaEmulator.md")]
[OutputType(typeof(void))]
public sealed class StopCxpaEmulatorCommand : EmulatorCmdlet
{
    /// <summary>The emulator (from Start-CxpaEmulator); default: the last one started that still runs.</summary>
    [Parameter(Position = 0, ValueFromPipeline = true)]
    public override CxpaEmulator? Emulator { get; set; }

    protected override void ProcessRecord()
    {
        if (Emulator is { IsRunning: false }) { WriteVerbose($"The emulator at {Emulator.Url} is already stopped."); return; }
        var e = ResolveEmulator();
        e.Server.Dispose();
        EmulatorRegistry.Remove(e);
        WriteVerbose($"Stopped the emulator at {e.Url}.");
    }
}
