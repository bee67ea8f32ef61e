using System.Management.Automation;

namespace Cxpa.Emulator.Cmdlets;

/// <summary>
/// <para type="synopsis">Removes every fault of an emulator.</para>
/// </summary>
[Cmdlet(VerbsCommon.Clear, "CxpaEmulatorFault", HelpUri = "https://github.com/cxpa/cxpa-powershell/blob/main/docs/Clear-CxpaEmulatorFault.md")]
[OutputType(typeof(void))]
public sealed class ClearCxpaEmulatorFaultCommand : EmulatorCmdlet
{
    /// <summary>The emulator (from Start-CxpaEmulator); default: the last one started that still runs.</summary>
    [Parameter(Position = 0, ValueFromPipeline = true)]
    public override CxpaEmulator? Emulator { get; set; }

    protected override void ProcessRecord()
    {
        var e = ResolveEmulator();
        e.Server.Faults.Clear();
        WriteVerbose($"Faults cleared on {e.Url}.");
    }
}
