using System.Management.Automation;

namespace Cxpa.Emulator;

/// <summary>Fault specs from a cmdlet parameter: a bad one is a terminating InvalidFaultSpec error naming it and the form.</summary>
internal static class FaultSpec
{
    public const string Form = "\"<route>:<kind>[:count][:arg]\", e.g. \"GET /api/agents/42/runs/*:Status:2:503\" " +
        "(route: * | /path | METHOD /path, '*' one segment, '**' any; kind: Status Html MalformedJson Delay Reset CutDownload ResetAfterHandling; count: a number or *)";

    public static FaultRule Parse(PSCmdlet cmdlet, string spec)
    {
        try { return FaultRule.Parse(spec); }
        catch (FormatException e)
        {
            cmdlet.ThrowTerminatingError(new ErrorRecord(new ArgumentException($"Fault spec '{spec}': {e.Message} Expected {Form}.", e),
                "InvalidFaultSpec", ErrorCategory.InvalidArgument, spec));
            throw;
        }
    }
}
