using System.Collections;
using System.Collections.Generic;
using System.Globalization;
using System.Management.Automation;
using System.Management.Automation.Language;

namespace Cxpa.PowerShell.Internal
{
    /// <summary>Tab completion for -AgentId: the agents used through the current connection, most recent first, and a zone token's agent.</summary>
    public sealed class AgentIdCompleter : IArgumentCompleter
    {
        /// <inheritdoc />
        public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
            CommandAst commandAst, IDictionary fakeBoundParameters)
        {
            var c = ConnectionStore.Get();
            if (c == null) yield break;
            var ids = new List<long>();
            if (c.AgentId is { } own) ids.Add(own);
            lock (c.RecentAgentIds) foreach (var id in c.RecentAgentIds) if (!ids.Contains(id)) ids.Add(id);
            foreach (var id in ids)
            {
                var text = id.ToString(CultureInfo.InvariantCulture);
                if (text.StartsWith(wordToComplete ?? "", System.StringComparison.Ordinal))
                    yield return new CompletionResult(text, text, CompletionResultType.ParameterValue, $"Agent {text} (used through {c.BaseUrl})");
            }
        }
    }
}
