using System.Collections;
using System.Management.Automation;

namespace Cxpa.Emulator.Cmdlets;

/// <summary>
/// <para type="synopsis">Gets the requests an emulator received, oldest first, with secrets masked.</para>
/// </summary>
[Cmdlet(VerbsCommon.Get, "CxpaEmulatorRequest", HelpUri = "https://github.com/cxpa/cxpa-powershell/blob/main/docs/Get-CxpaEmulatorRequest.md")]
[OutputType(typeof(EmulatorRequest))]
public sealed class GetCxpaEmulatorRequestCommand : EmulatorCmdlet
{
    /// <summary>The emulator (from Start-CxpaEmulator); default: the last one started that still runs.</summary>
    [Parameter(ValueFromPipeline = true)]
    public override CxpaEmulator? Emulator { get; set; }

    /// <summary>Only requests with this method (GET, POST...).</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(MethodCompleter))]
    public string? Method { get; set; }

    /// <summary>Only requests whose path matches this wildcard pattern (/api/agents/7/runs/*).</summary>
    [Parameter(Position = 0)]
    [ValidateNotNullOrEmpty]
    [SupportsWildcards]
    public string? Path { get; set; }

    protected override void ProcessRecord()
    {
        var e = Emulator ?? ResolveEmulator();
        var pattern = Path is null ? null : new WildcardPattern(Path, WildcardOptions.IgnoreCase);
        foreach (var entry in e.Server.Requests.Entries)
        {
            if (Method is not null && !string.Equals(Method, entry.Method, StringComparison.OrdinalIgnoreCase)) continue;
            if (pattern is not null && !pattern.IsMatch(entry.Path)) continue;
            var headers = new Hashtable(StringComparer.OrdinalIgnoreCase);
            foreach (var h in entry.Headers)
                headers[h.Key] = PsJson.IsSecretName(h.Key) || h.Key.Equals("Cookie", StringComparison.OrdinalIgnoreCase) ? "<redacted>" : h.Value;
            WriteObject(new EmulatorRequest(entry, headers, PsJson.FromJsonText(entry.Body)));
        }
    }
}
