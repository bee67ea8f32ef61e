using System.Management.Automation;
using System.Xml.Linq;

namespace Cxpa.PowerShell.Tests;

/// <summary>What a PowerShell user expects besides results: completion, progress, formatting.</summary>
public sealed class PowerShellNativeTests : IClassFixture<EmulatorFixture>
{
    private readonly EmulatorFixture _emu;
    public PowerShellNativeTests(EmulatorFixture emu) => _emu = emu;

    [Fact]
    public void AgentId_completes_from_the_connection_recent_agents_most_recent_first()
    {
        var r = _emu.Run("""
            $null = Start-CxpaRun -AgentId 43 -WhatIf:$false -ErrorAction SilentlyContinue
            $null = Get-CxpaRun -AgentId 42 -RunId 1 -ErrorAction SilentlyContinue
            foreach ($s in 'Wait-CxpaRun -AgentId ', 'Send-CxpaIngest -Status C') {
                (TabExpansion2 -inputScript $s -cursorColumn $s.Length).CompletionMatches | ForEach-Object CompletionText
            }
            """);
        Assert.Null(r.Thrown);
        var texts = r.Output.Select(o => o.BaseObject.ToString()).ToList();
        Assert.Equal(new[] { "42", "43", "Cancelled", "Completed" }, texts);
    }

    [Fact]
    public void Download_progress_uses_one_activity_and_ends_with_Completed()
    {
        var dir = Directory.CreateTempSubdirectory("cxpa-progress-").FullName;
        try
        {
            var r = _emu.Run("Save-CxpaRunOutput -AgentId 43 -Path $dir", vars: new Dictionary<string, object?> { ["dir"] = dir });
            Assert.Empty(r.Errors);
            Assert.NotEmpty(r.Progress);
            Assert.Single(r.Progress.Select(p => p.ActivityId).Distinct());
            Assert.Equal(ProgressRecordType.Completed, r.Progress[^1].RecordType);
            Assert.All(r.Progress.Take(r.Progress.Count - 1), p => Assert.Equal(ProgressRecordType.Processing, p.RecordType));
        }
        finally { Directory.Delete(dir, true); }
    }

    [Theory]
    [InlineData("-Path $dir")]
    [InlineData("-Destination ([System.IO.MemoryStream]::new())")]
    public void Download_progress_is_completed_before_the_output_is_written(string target)
    {
        var dir = Directory.CreateTempSubdirectory("cxpa-progress-order-").FullName;
        var events = new List<string>();
        try
        {
            // The progress stream and the downstream command see records in the order the cmdlet writes them.
            var r = _emu.Run("Save-CxpaRunOutput -AgentId 43 " + target + " | ForEach-Object { $events.Add('output') }",
                vars: new Dictionary<string, object?> { ["dir"] = dir, ["events"] = events },
                onStart: ps => ps.Streams.Progress.DataAdded += (sender, e) =>
                {
                    var record = ((PSDataCollection<ProgressRecord>)sender!)[e.Index];
                    lock (events) events.Add("progress " + record.RecordType);
                });
            Assert.Empty(r.Errors);
            Assert.Null(r.Thrown);
            Assert.Contains("progress Processing", events);
            Assert.Equal(new[] { "progress Completed", "output" }, events.Where(e => e != "progress Processing"));
            Assert.Equal("output", events[^1]);
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void Wait_progress_is_throttled_to_one_record_a_second_and_silenced_by_preference()
    {
        var r = _emu.Run("$ids = 1..3 | ForEach-Object { (Start-CxpaRun -AgentId 47).RunId }; Wait-CxpaRun -AgentId 47 -RunId $ids -TimeoutSec 3 -ErrorAction SilentlyContinue");
        Assert.Equal(3, r.Output.Count);
        var processing = r.Progress.Count(p => p.RecordType == ProgressRecordType.Processing);
        Assert.InRange(processing, 1, 5);
        Assert.Equal(ProgressRecordType.Completed, r.Progress[^1].RecordType);
        Assert.Contains(r.Progress, p => p.StatusDescription.Contains("0 of 3 runs finished"));

        var silent = _emu.Run("$ProgressPreference = 'SilentlyContinue'; $id = (Start-CxpaRun -AgentId 47).RunId; Wait-CxpaRun -AgentId 47 -RunId $id -TimeoutSec 2 -ErrorAction SilentlyContinue");
        Assert.Empty(silent.Progress);
    }

    [Fact]
    public void Runs_keep_their_full_output_and_unknown_fields_stay_reachable()
    {
        var r = _emu.Run("$r = Start-CxpaRun -AgentId 42 -InputObject @{ a = @{ b = @{ c = @{ d = @{ e = 'deep' } } } } } -Wait; $r.Output.echo.a.b.c.d.e; $r.Duration -is [TimeSpan]; $r.Id -eq $r.RunId");
        Assert.Empty(r.Errors);
        Assert.Equal("deep", r.Output[0].BaseObject);
        Assert.Equal(true, r.Output[1].BaseObject);
        Assert.Equal(true, r.Output[2].BaseObject);
    }

    [Fact]
    public void Default_views_never_show_a_secret_property()
    {
        var doc = System.Xml.Linq.XDocument.Load(Path.Combine(Path.GetDirectoryName(PowerShellHost.ModulePath)!, "Cxpa.format.ps1xml"));
        var views = doc.Descendants("View").ToList();
        var types = views.Select(v => v.Element("ViewSelectedBy")!.Element("TypeName")!.Value).ToHashSet();
        foreach (var t in new[] { "Cxpa.Run", "Cxpa.RunRegistration", "Cxpa.IngestResult", "Cxpa.CxpaCredential", "Cxpa.ZoneTokenResult", "Cxpa.CxpaConnection" })
            Assert.Contains(t, types);
        // One view for every credential type (they derive from Cxpa.CxpaCredential), so mixed results make one table.
        foreach (var t in new[] { "Cxpa.OAuthCredential", "Cxpa.ApiKeyCredential", "Cxpa.BasicCredential", "Cxpa.GenericCredential" })
            Assert.DoesNotContain(t, types);
        var shown = string.Join("\n", views.Descendants().Where(e => e.Name == "PropertyName" || e.Name == "ScriptBlock").Select(e => e.Value));
        foreach (var secret in new[] { "AccessToken", "ApiKey", "Password", "CredentialsToken", "Secret", "Token" })
            Assert.DoesNotContain(secret, shown);
        // The run table shows what the issue asks for.
        var runTable = views.First(v => v.Element("Name")!.Value == "Cxpa.Run");
        var labels = runTable.Descendants("Label").Select(l => l.Value).ToList();
        Assert.Equal(new[] { "RunId", "AgentId", "Status", "Duration", "Created", "Error" }, labels);
    }
}
