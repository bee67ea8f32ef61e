using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Language;

namespace Cxpa.Emulator;

/// <summary>Completes fault specs with examples of each kind.</summary>
public sealed class FaultSpecCompleter : IArgumentCompleter
{
    private static readonly string[] Examples =
    {
        "'POST /api/agents/*/runs/trigger:Status:1:503'",
        "'GET /api/agents/*/runs/*:Status:2:503'",
        "'POST /api/agents/*/runs/trigger:Status:1:429,2'",
        "'*:Html:1:502'",
        "'GET /api/agents/*/runs/*:MalformedJson'",
        "'POST /api/agents/*/runs/trigger:Reset'",
        "'POST /api/agents/*/runs/trigger:ResetAfterHandling'",
        "'POST /api/agents/*/runs/trigger-and-download:CutDownload:1:65536'",
        "'*:Delay:1:2000'",
    };

    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete, CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        var word = wordToComplete.Trim('\'', '"');
        foreach (var e in Examples)
            if (e.Trim('\'').StartsWith(word, StringComparison.OrdinalIgnoreCase))
                yield return new CompletionResult(e, e.Trim('\''), CompletionResultType.ParameterValue, e.Trim('\''));
    }
}
