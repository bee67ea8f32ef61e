using System.Text.RegularExpressions;
using Cxpa.Engine.Http;
using Cxpa.Engine.Operations;

namespace Cxpa.PowerShell.Tests;

/// <summary>
/// The retry help says what the code does: every sentence of Get-Help's -MaximumRetryCount text (and of about_Cxpa's
/// RETRIES list) that names HTTP statuses names exactly the statuses one retry rule of that cmdlet's requests resends,
/// read from the engine's classifier (RetryRules) and the operations' own rules (CxpaOperations), and every rule the
/// cmdlet's requests use is named.
/// </summary>
public sealed class RetryHelpTests
{
    private static readonly Regex Status = new(@"\b[1-5]\d\d\b");

    /// <summary>The retry rules of the requests each cmdlet sends, from the engine's own descriptions of them.</summary>
    public static TheoryData<string> Cmdlets => new(Rules.Keys);

    private static readonly Dictionary<string, RetryMode[]> Rules = new()
    {
        ["Start-CxpaRun"] = new[]
        {
            CxpaOperations.Trigger(CxpaAuthKind.IngestApiKey, 42, null).Retry,
            CxpaOperations.TriggerAndWait(CxpaAuthKind.IngestApiKey, 42, null, TimeSpan.FromSeconds(1)).Retry,
            CxpaOperations.GetRun(CxpaAuthKind.IngestApiKey, 42, 1).Retry, // the polls of -Wait
        },
        ["Save-CxpaRunOutput"] = new[] { CxpaOperations.TriggerAndDownload(CxpaAuthKind.IngestApiKey, 42, null, TimeSpan.FromSeconds(1)).Retry },
        ["Get-CxpaRun"] = new[] { CxpaOperations.GetRun(CxpaAuthKind.IngestApiKey, 42, 1).Retry },
        ["Wait-CxpaRun"] = new[] { CxpaOperations.GetRun(CxpaAuthKind.ZoneToken, 42, 1).Retry },
        ["Register-CxpaRun"] = new[] { CxpaOperations.Register(42, "x", null, null, null).Retry },
        ["Send-CxpaIngest"] = new[] { CxpaOperations.Ingest(42, "x", "completed", null, null, null).Retry },
        ["Get-CxpaCredential"] = new[] { CxpaOperations.ZoneCredential(42, "k").Retry, CxpaOperations.ResolveCredential("c", 1).Retry },
        ["Invoke-CxpaRestMethod"] = new[]
        {
            CxpaOperations.Rest(HttpMethod.Get, "api/x", null, false, null, false).Retry,
            CxpaOperations.Rest(HttpMethod.Post, "api/x", null, false, null, false).Retry,
        },
        ["Send-CxpaRunEvent"] = new[]
        {
            CxpaOperations.SendRunEvent(1, new RunStartedEvent()).Retry,
            CxpaOperations.SendRunEvent(1, new RunCompleteEvent()).Retry,
            CxpaOperations.SendRunEvent(1, new RunFailEvent("m")).Retry,
            CxpaOperations.SendRunEvent(1, new RunWaitingEvent("t", "d")).Retry,
            CxpaOperations.SendRunEvent(1, new RunOutputEvent(1)).Retry,
        },
    };

    [Theory]
    [MemberData(nameof(Cmdlets))]
    public void MaximumRetryCountHelp_NamesTheStatusesOfTheCmdletsRetryRules(string name)
    {
        var r = PowerShellHost.Run("@((Get-Help $name -Parameter MaximumRetryCount).description | ForEach-Object { $_.Text }) -join ' '",
            new Dictionary<string, object?> { ["name"] = name });
        Assert.Null(r.Thrown);
        Assert.Empty(r.Errors);
        var text = string.Join(" ", r.Output.Select(o => o.ToString()));
        Assert.Contains("Default 3", text);
        AssertSentencesMatch(name + " -MaximumRetryCount", text, Rules[name].Distinct().ToArray());
    }

    [Fact]
    public void EveryCmdletWithRetries_HasItsRetryRulesHere()
    {
        var r = PowerShellHost.Run("foreach ($n in $names) { if ((Get-Command $n).Parameters.ContainsKey('MaximumRetryCount')) { $n } }",
            new Dictionary<string, object?> { ["names"] = ModuleManifest.Cmdlets.ToArray() });
        Assert.Empty(r.Errors);
        Assert.Equal(Rules.Keys.Order(), r.Output.Select(o => o.ToString()).Order());
    }

    [Fact]
    public void AboutCxpa_RetryList_NamesTheStatusesOfBothRetryRules()
    {
        var r = PowerShellHost.Run("Get-Help about_Cxpa");
        Assert.Null(r.Thrown);
        var lines = string.Join("\n", r.Output.Select(o => o.ToString())).Split('\n').Select(l => l.Trim()).ToList();
        var at = lines.FindIndex(l => l.StartsWith("Which failures are retried", StringComparison.Ordinal));
        Assert.True(at >= 0, "about_Cxpa has no list of which failures are retried.");
        // The list: its items up to the next blank line (an item may wrap over several lines).
        var list = string.Join(" ", lines.Skip(at + 1).SkipWhile(l => l.Length == 0).TakeWhile(l => l.Length > 0));
        AssertSentencesMatch("about_Cxpa", list, new[] { RetryMode.Idempotent, RetryMode.UntilReached });
    }

    [Fact]
    public void TheRulesDiffer_SoTheseTestsCanTellThemApart()
    {
        // A trigger is resent on fewer statuses than a read: the help that promised a 503 retry of a run start fails above.
        Assert.Contains(503, RetryRules.RetriedStatuses(RetryMode.Idempotent));
        Assert.DoesNotContain(503, RetryRules.RetriedStatuses(RetryMode.UntilReached));
        Assert.NotEmpty(RetryRules.RetriedStatuses(RetryMode.UntilReached));
        Assert.Empty(RetryRules.RetriedStatuses(RetryMode.Never));
    }

    private static void AssertSentencesMatch(string what, string text, RetryMode[] modes)
    {
        var sets = modes.ToDictionary(m => m, m => RetryRules.RetriedStatuses(m).ToHashSet());
        var named = new HashSet<RetryMode>();
        foreach (var sentence in Regex.Split(text, @"(?<=[.:])\s+"))
        {
            var statuses = Status.Matches(sentence).Select(m => int.Parse(m.Value)).ToHashSet();
            if (statuses.Count == 0) continue;
            var match = sets.Where(s => s.Value.SetEquals(statuses)).Select(s => s.Key).ToList();
            Assert.True(match.Count > 0,
                $"{what}: '{sentence}' names {string.Join(", ", statuses.Order())}, which no retry rule of these requests resends " +
                $"({string.Join("; ", sets.Select(s => $"{s.Key}: {string.Join(", ", s.Value.Order())}"))}).");
            named.UnionWith(match);
        }
        Assert.True(named.SetEquals(modes), $"{what}: the text names the statuses of {string.Join(", ", named)} but the requests use {string.Join(", ", modes)}.");
    }
}
