using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Language;

namespace Cxpa.Emulator;

/// <summary>Completes HTTP methods.</summary>
public sealed class MethodCompleter : IArgumentCompleter
{
    private static readonly string[] Methods = { "GET", "POST", "DELETE", "PUT", "PATCH" };

    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete, CommandAst commandAst, IDictionary fakeBoundParameters) =>
        Methods.Where(m => m.StartsWith(wordToComplete.Trim('\'', '"'), StringComparison.OrdinalIgnoreCase))
               .Select(m => new CompletionResult(m, m, CompletionResultType.ParameterValue, m));
}
