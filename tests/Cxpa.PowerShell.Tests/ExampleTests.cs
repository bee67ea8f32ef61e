using System.Collections.ObjectModel;
using System.Management.Automation;
using System.Management.Automation.Runspaces;
using Cxpa.Emulator;

namespace Cxpa.PowerShell.Tests;

/// <summary>
/// Every script in examples/ (except Runbook.Tests.ps1, which needs Pester) runs in the hosted engine against the emulator
/// the way src/Cxpa.Playground/Program.cs RunScript runs it: module imported, $env:CXPA_API_URL, CXPA_INGEST_KEY,
/// ZONE_JWT_SECRET and AUDIENCE_ID set, the script's folder as location, Set-StrictMode -Version 3.0, then the file's text.
/// </summary>
[Collection(ProcessEnvironmentCollection.Name)]
public sealed class ExampleTests : IClassFixture<EmulatorFixture>
{
    private readonly EmulatorFixture _emu;
    public ExampleTests(EmulatorFixture emu) => _emu = emu;

    private static string ExamplePath(string name) => Path.Combine(PowerShellHost.RepoRoot, "examples", name);

    /// <summary>Runs an example file as the Playground does (or, with script, that text in the same setting); restores the environment.</summary>
    private ScriptResult RunExample(string name, string? script = null, IDictionary<string, object?>? vars = null)
        => ProcessEnvironmentCollection.Preserving(() =>
        {
            var path = ExamplePath(name);
            Assert.True(File.Exists(path), path + " is missing");
            var iss = InitialSessionState.CreateDefault2();
            iss.ImportPSModule(new[] { PowerShellHost.ModulePath });
            iss.EnvironmentVariables.Add(new SessionStateVariableEntry("CXPA_API_URL", _emu.Server.BaseUrl.ToString(), ""));
            using var rs = RunspaceFactory.CreateRunspace(iss);
            rs.Open();
            Environment.SetEnvironmentVariable("CXPA_API_URL", _emu.Server.BaseUrl.ToString());
            Environment.SetEnvironmentVariable("CXPA_INGEST_KEY", EmulatorConfig.DemoSharedIngestKey);
            Environment.SetEnvironmentVariable("ZONE_JWT_SECRET", EmulatorConfig.DemoZoneSecret);
            Environment.SetEnvironmentVariable("AUDIENCE_ID", EmulatorConfig.DemoZoneAudience);
            rs.SessionStateProxy.Path.SetLocation(Path.GetDirectoryName(path)!);
            if (vars != null) foreach (var kv in vars) rs.SessionStateProxy.SetVariable(kv.Key, kv.Value);
            using var ps = System.Management.Automation.PowerShell.Create();
            ps.Runspace = rs;
            ps.AddCommand("Set-StrictMode").AddParameter("Version", "3.0").AddStatement();
            ps.AddScript(script ?? File.ReadAllText(path));
            // Like the Playground: output goes to a collection, so what was output before a terminating error is kept.
            var output = new PSDataCollection<PSObject>();
            Exception? thrown = null;
            try { ps.Invoke(null, output); }
            catch (Exception ex) { thrown = ex; }
            return ScriptResult.From(ps, output, thrown);
        });

    private static void Clean(ScriptResult r)
    {
        Assert.True(r.Thrown == null, r.Thrown?.ToString());
        Assert.True(r.Errors.Count == 0, string.Join("\n", r.Errors.Select(e => e.FullyQualifiedErrorId + ": " + e)));
        Assert.Equal(PSInvocationState.Completed, r.State);
    }

    private static List<string> Lines(ScriptResult r) => r.Output.Where(o => o?.BaseObject is string).Select(o => (string)o.BaseObject).ToList();

    private static object? Prop(PSObject o, string name) => o.Properties[name]?.Value is PSObject p ? p.BaseObject : o.Properties[name]?.Value;

    [Fact]
    public void Quickstart_runs_clean()
    {
        var r = RunExample("Quickstart.ps1");
        Clean(r);
        var lines = Lines(r);
        Assert.Contains(lines, l => l.StartsWith("Run ") && l.Contains(" is completed: "));
        Assert.Contains("3 of 3 runs completed", lines);
        Assert.Contains(lines, l => l.Contains("failed: Upstream site unreachable") && l.Contains("RunFailed"));
        Assert.Contains(lines, l => l.StartsWith("Saved q3-report.pdf (262144 bytes"));
        Assert.Contains(lines, l => l.StartsWith("Registered run "));
    }

    [Fact]
    public void ZoneBackend_answers_a_good_request_with_the_run_and_a_forged_one_with_401()
    {
        var r = RunExample("ZoneBackend.ps1");
        Clean(r);
        var responses = r.Output.Where(o => o.Properties["StatusCode"] != null).ToList();
        Assert.Equal(2, responses.Count);
        var ok = responses[0];
        Assert.Equal(200, Prop(ok, "StatusCode"));
        Assert.Equal("completed", Prop(ok, "Status"));
        Assert.Equal(EmulatorConfig.DemoUserId, Prop(ok, "UserId"));
        Assert.Equal(42L, Prop(ok, "AgentId"));
        long runId = (long)Prop(ok, "RunId")!;
        Assert.True(_emu.Server.State.TryGetRun(runId, out var run));
        Assert.Equal(EmulatorConfig.DemoUserId, run.Snapshot().CreatedBy);
        var bad = responses[1];
        Assert.Equal(401, Prop(bad, "StatusCode"));
        Assert.Contains("BadSignature", (string)Prop(bad, "Error")!);
        var lines = Lines(r);
        Assert.Contains(lines, l => l.StartsWith("Request 1: 200, run ") && l.EndsWith(" is completed"));
        Assert.Contains(lines, l => l.StartsWith("Request 2: 401"));
        // The run went through the zone endpoints, uncached.
        var zone = _emu.Server.Requests.Find("POST", "/api/zones/agents/42/runs/trigger-and-wait");
        Assert.NotEmpty(zone);
        Assert.Equal("no-store", zone[^1].CacheControl);
    }

    [Fact]
    public void RuntimeRunbook_completes_one_run_and_reports_the_failure_of_the_other()
    {
        var r = RunExample("RuntimeRunbook.ps1");
        Clean(r);
        var lines = Lines(r);
        Assert.Equal(3, lines.Count);
        Assert.Matches(@"^Run \d+: complete -> completed$", lines[0]);
        Assert.Matches(@"^Run \d+: fail -> failed$", lines[1]);
        Assert.Matches(@"^Platform says run \d+ is failed: The CRM export failed after 12 contacts \(simulated\)\.$", lines[2]);

        long completed = long.Parse(lines[0].Split(' ', ':')[1]);
        Assert.True(_emu.Server.State.TryGetRun(completed, out var run));
        Assert.Equal("completed", run.Status);
        Assert.Equal(48, run.AgentId);
        Assert.Equal("done", run.Snapshot().OutputData?["stage"]?.GetValue<string>());
        Assert.Equal(2, run.Snapshot().Outputs);
        // The credential was resolved with the run's credentials token.
        Assert.NotEmpty(_emu.Server.Requests.Find("GET", "/api/credentials/conn_hubspot/resolve"));
    }

    [Fact]
    public async Task RuntimeRunbook_takes_the_trigger_payload_as_its_input()
    {
        // As on the platform: the payload (JSON) is the runbook's input.
        var start = RunExample("RuntimeRunbook.ps1", "(Start-CxpaRun -AgentId 48 -InputObject @{ list = 'vip' }).RunId");
        Clean(start);
        long id = Convert.ToInt64(start.Output[0].BaseObject);
        using var http = new HttpClient();
        var payload = await http.GetStringAsync(new Uri(_emu.Server.BaseUrl, $"_emulator/runs/{id}/trigger-payload"));

        var r = RunExample("RuntimeRunbook.ps1", "& ./RuntimeRunbook.ps1 -TriggerPayload $payload",
            new Dictionary<string, object?> { ["payload"] = payload });
        Clean(r);
        Assert.Equal($"Run {id}: complete -> completed", Assert.Single(Lines(r)));
        Assert.True(_emu.Server.State.TryGetRun(id, out var run));
        Assert.Equal("completed", run.Status);
        Assert.Single(_emu.Server.State.RunsForAgent(48), x => x.Id == id);
    }

    [Fact]
    public void Runbook_outputs_a_result_for_the_completed_run()
    {
        var r = RunExample("Runbook.ps1");
        Clean(r);
        var result = Assert.Single(r.Output);
        Assert.Equal(42L, Prop(result, "AgentId"));
        Assert.Equal("completed", Prop(result, "Status"));
        Assert.False(string.IsNullOrEmpty((string?)Prop(result, "Summary")));
        Assert.True((long)Prop(result, "RunId")! > 0);
    }

    [Fact]
    public void Runbook_with_a_failing_agent_outputs_the_failure_and_fails_the_job()
    {
        var r = RunExample("Runbook.ps1", "& ./Runbook.ps1 -AgentId 45 -InputObject @{ url = 'https://down.example.com' } -TimeoutSec 30");
        var thrown = Assert.IsAssignableFrom<RuntimeException>(r.Thrown);
        Assert.StartsWith("RunFailed,", thrown.ErrorRecord.FullyQualifiedErrorId);
        Assert.Contains("Upstream site unreachable", thrown.ErrorRecord.ToString());
        var result = Assert.Single(r.Output);
        Assert.Equal("failed", Prop(result, "Status"));
        Assert.Equal("RunFailed", Prop(result, "ErrorId"));
        Assert.Contains("Upstream site unreachable", (string)Prop(result, "Error")!);
        Assert.True((long)Prop(result, "RunId")! > 0);
    }

    [Fact]
    public void Runbook_Tests_file_is_a_Pester_5_file_that_says_it_is_not_run_in_CI()
    {
        // Not run here (Pester is not reachable from the build machine): check that it parses and has the expected shape.
        var path = ExamplePath("Runbook.Tests.ps1");
        var ast = System.Management.Automation.Language.Parser.ParseFile(path, out _, out var errors);
        Assert.Empty(errors);
        var text = File.ReadAllText(path);
        Assert.Contains("not run in CI", text, StringComparison.OrdinalIgnoreCase);
        var commands = ast.FindAll(a => a is System.Management.Automation.Language.CommandAst, true)
            .Select(a => ((System.Management.Automation.Language.CommandAst)a).GetCommandName()).ToHashSet(StringComparer.OrdinalIgnoreCase);
        Assert.Contains("BeforeAll", commands);
        Assert.Contains("Describe", commands);
        Assert.Contains("It", commands);
        Assert.Contains("Should", commands);
        Assert.Contains("dotnet run --project src/Cxpa.Emulator", text);
    }
}
