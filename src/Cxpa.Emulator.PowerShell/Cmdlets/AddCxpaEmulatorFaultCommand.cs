using System.Management.Automation;

namespace Cxpa.Emulator.Cmdlets;

/// <summary>
/// <para type="synopsis">Injects a fault into an emulator: an error status, an HTML page, broken JSON, a delay, a reset or a cut download.</para>
/// </summary>
[Cmdlet(VerbsCommon.Add, "CxpaEmulatorFault", HelpUri = "https://github.com/cxpa/cxpa-powershell/blob/main/docs/Add-CxpaEmulatorFault.md")]
[OutputType(typeof(FaultRule))]
public sealed class AddCxpaEmulatorFaultCommand : EmulatorCmdlet
{
    /// <summary>The emulator (from Start-CxpaEmulator); default: the last one started that still runs.</summary>
    [Parameter(ValueFromPipeline = true)]
    public override CxpaEmulator? Emulator { get; set; }

    /// <summary>The fault: "&lt;route&gt;:&lt;kind&gt;[:count][:arg]".</summary>
    [Parameter(Mandatory = true, Position = 0)]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(FaultSpecCompleter))]
    public string[] Spec { get; set; } = Array.Empty<string>();

    /// <summary>Outputs the rules (their Hits and Remaining count as requests arrive).</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void ProcessRecord()
    {
        var e = ResolveEmulator();
        var rules = Spec.Select(s => FaultSpec.Parse(this, s)).ToList();
        foreach (var r in rules)
        {
            e.Server.Faults.Add(r);
            WriteVerbose($"Fault added: {r}.");
            if (PassThru) WriteObject(r);
        }
    }
}
