using System.Management.Automation;

namespace Cxpa.PowerShell.Tests;

/// <summary>
/// The agent-run cmdlets through the real PowerShell engine against the emulator: what the Pester suite (the installed
/// module in the real pwsh) does not already prove, such as overlapping reads, 202 polling, What-if text of every cmdlet,
/// verbose and heartbeat streams.
/// </summary>
public sealed class RunCmdletTests : IClassFixture<EmulatorFixture>
{
    private readonly EmulatorFixture _emu;
    public RunCmdletTests(EmulatorFixture emu) => _emu = emu;

    private static ErrorRecord? AnyError(ScriptResult r) => (r.Thrown as RuntimeException)?.ErrorRecord ?? r.Errors.FirstOrDefault();

    private static void NoErrors(ScriptResult r)
    {
        Assert.Null(r.Thrown);
        Assert.True(r.Errors.Count == 0, string.Join("\n", r.Errors.Select(e => e.FullyQualifiedErrorId + ": " + e)));
    }

    [Theory]
    [InlineData("Register-CxpaRun -AgentId 42 -ExternalRunId ''", "ParameterArgumentValidationError")]
    [InlineData("Register-CxpaRun -AgentId 42 -ExternalRunId ('x' * 256)", "ParameterArgumentValidationError")]
    [InlineData("Send-CxpaIngest -AgentId 44 -ExternalRunId e1 -Status Exploded", "ParameterArgumentValidationError")]
    public void Bad_input_fails_in_binding_and_sends_nothing(string script, string errorId)
    {
        var before = _emu.Server.Requests.Total;
        var r = _emu.Run(script);
        var err = r.Errors.FirstOrDefault() ?? (r.Thrown as RuntimeException)?.ErrorRecord;
        Assert.NotNull(err);
        Assert.StartsWith(errorId, err!.FullyQualifiedErrorId);
        Assert.Equal(before, _emu.Server.Requests.Total);
    }

    [Fact]
    public async Task Wait_202_then_polling_reaches_the_terminal_run()
    {
        // A run that outlives a short server window but ends soon after: 202, then polling GETs find it completed.
        var agent = _emu.Server.Config.FindAgent(42)!;
        var r = _emu.Run("$r = Start-CxpaRun -AgentId 47 -TimeoutSec 0; $r");
        NoErrors(r);
        long id = (long)r.Single().Properties["RunId"].Value;
        // Finish it by forcing its status once the cmdlet has polled it and found it still running.
        var polls = _emu.Server.Requests.Count("GET", $"/api/agents/47/runs/{id}");
        var task = Task.Run(async () =>
        {
            await PowerShellHost.Until(() => _emu.Server.Requests.Count("GET", $"/api/agents/47/runs/{id}") > polls, "Wait-CxpaRun polls the run");
            _emu.Server.State.ForceStatus(id, "completed");
        });
        var w = _emu.Run($"Wait-CxpaRun -AgentId 47 -RunId {id} -TimeoutSec 30");
        await task;
        NoErrors(w);
        Assert.Equal("completed", w.Single().Properties["Status"].Value);
        Assert.NotNull(agent);
    }

    [Fact]
    public async Task Start_Wait_that_gets_202_polls_the_same_run_and_starts_no_second_one()
    {
        // The agent's running_timeout_ms (800 ms) caps the server window below the run's 2 s: the platform answers 202,
        // and the cmdlet polls GET of that run until it completes, without triggering again.
        var cfg = Cxpa.Emulator.EmulatorConfig.CreateDemo();
        var a = cfg.FindAgent(42)!;
        a.RunningTimeoutMs = 800;
        a.DurationMs = 2000;
        await using var server = await Cxpa.Emulator.EmulatorServer.StartAsync(cfg);
        var r = PowerShellHost.Run("Start-CxpaRun -BaseUrl $url -IngestApiKey $key -AgentId 42 -Wait -TimeoutSec 30",
            new Dictionary<string, object?> { ["url"] = server.BaseUrl.ToString(), ["key"] = EmulatorFixture.Key });
        NoErrors(r);
        Assert.Equal("completed", r.Single().Properties["Status"].Value);
        Assert.Single(server.State.RunsForAgent(42));
        Assert.Equal(1, server.Requests.Count("POST", "/api/agents/42/runs/trigger-and-wait"));
        Assert.Equal(202, server.Requests.Find("POST", "/api/agents/42/runs/trigger-and-wait")[0].Status);
        Assert.True(server.Requests.Count("GET", "/api/agents/42/runs/") >= 1);
    }

    [Fact]
    public void Start_Wait_with_a_short_timeout_outputs_the_run_and_RunWaitTimeout_without_a_second_trigger()
    {
        var before = _emu.Server.State.RunsForAgent(47).Count;
        var r = _emu.Run("Start-CxpaRun -AgentId 47 -Wait -TimeoutSec 2");
        Assert.Single(r.Output);
        Assert.StartsWith("RunWaitTimeout,", Assert.Single(r.Errors).FullyQualifiedErrorId);
        Assert.Equal(before + 1, _emu.Server.State.RunsForAgent(47).Count);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(8)]
    public void GetCxpaRun_overlapping_reads_keep_input_order_with_each_error_in_its_place(int throttle)
    {
        // Mixed input: three runs, a missing id in second place, a repeat at the end; ids as pipeline objects and as one array.
        var r = _emu.Run($$"""
            $ids = @(Start-CxpaRun -AgentId 42; Start-CxpaRun -AgentId 42; Start-CxpaRun -AgentId 42).RunId
            $rows = foreach ($id in $ids[0], 987654321, $ids[1], $ids[2], $ids[0]) { [pscustomobject]@{ AgentId = 42; RunId = $id } }
            $piped = foreach ($x in ($rows | Get-CxpaRun -ThrottleLimit {{throttle}} 2>&1)) { if ($x -is [System.Management.Automation.ErrorRecord]) { 'E' + $x.TargetObject } else { [string]$x.RunId } }
            $array = foreach ($x in (Get-CxpaRun -AgentId 42 -RunId $rows.RunId -ThrottleLimit {{throttle}} 2>&1)) { if ($x -is [System.Management.Automation.ErrorRecord]) { 'E' + $x.TargetObject } else { [string]$x.RunId } }
            ($ids -join ','), ($piped -join ','), ($array -join ',')
            """);
        Assert.Null(r.Thrown);
        var ids = ((string)r.Output[0].BaseObject).Split(',');
        var expected = string.Join(",", ids[0], "E987654321", ids[1], ids[2], ids[0]);
        Assert.Equal(expected, r.Output[1].BaseObject);
        Assert.Equal(expected, r.Output[2].BaseObject);
    }

    [Fact]
    public void GetCxpaRun_ThrottleLimit_out_of_range_fails_in_binding_and_sends_nothing()
    {
        var before = _emu.Server.Requests.Total;
        var r = _emu.Run("Get-CxpaRun -AgentId 42 -RunId 1 -ThrottleLimit 0");
        Assert.Equal("ParameterArgumentValidationError", ((r.Thrown as ParameterBindingException)?.ErrorId ?? (r.Thrown as RuntimeException)?.ErrorRecord.FullyQualifiedErrorId ?? r.Errors.FirstOrDefault()?.FullyQualifiedErrorId ?? "")?.Split(',')[0]);
        Assert.Equal(before, _emu.Server.Requests.Total);
    }

    [Fact]
    public void WhatIf_sends_nothing_and_says_method_path_and_a_redacted_body()
    {
        var before = _emu.Server.Requests.Total;
        var host = new CapturingHost();
        var r = PowerShellHost.Run("""
            Connect-Cxpa -BaseUrl $url -IngestApiKey $key
            Start-CxpaRun -AgentId 42 -InputObject @{ secretish = 'value-should-not-show' } -WhatIf
            Register-CxpaRun -AgentId 42 -ExternalRunId w1 -WhatIf
            Send-CxpaIngest -AgentId 44 -ExternalRunId w1 -Status Completed -Output @{ pages = 'hidden-value' } -WhatIf
            Save-CxpaRunOutput -AgentId 43 -Path ([IO.Path]::GetTempPath()) -WhatIf
            Send-CxpaRunEvent -RunId 5 -AgentApiKey 'agent-key-never-shown' -Started -WhatIf
            """, new Dictionary<string, object?> { ["url"] = _emu.Url, ["key"] = EmulatorFixture.Key }, host: host);
        NoErrors(r);
        Assert.Empty(r.Output);
        Assert.Equal(before, _emu.Server.Requests.Total);
        var text = host.Text;
        Assert.Contains("POST api/agents/42/runs/trigger with an object with keys secretish (values not shown)", text);
        Assert.Contains("POST api/agents/42/runs/register", text);
        Assert.Contains("POST api/agents/44/runs/ingest", text);
        Assert.Contains("POST api/agents/43/runs/trigger-and-download", text);
        Assert.Contains("POST api/runs/5/callback with a 'started' event", text);
        Assert.DoesNotContain("value-should-not-show", text);
        Assert.DoesNotContain("hidden-value", text);
        Assert.DoesNotContain("agent-key-never-shown", text);
        Assert.DoesNotContain(EmulatorFixture.Key, text);
    }

    [Fact]
    public void RegisterCxpaRun_is_idempotent_and_hides_the_token_unless_AsPlainText()
    {
        var r = _emu.Run("""
            $a = Register-CxpaRun -AgentId 42 -ExternalRunId 'ext-idem-1' -InputObject @{ u = 1 } -Metadata @{ source = 'test' }
            $b = Register-CxpaRun -AgentId 42 -ExternalRunId 'ext-idem-1' -AsPlainText
            $a; $b
            """);
        NoErrors(r);
        Assert.Equal(r.Output[0].Properties["RunId"].Value, r.Output[1].Properties["RunId"].Value);
        Assert.IsType<System.Security.SecureString>(r.Output[0].Properties["CredentialsToken"].Value);
        var plain = Assert.IsType<string>(r.Output[1].Properties["CredentialsToken"].Value);
        Assert.Equal(3, plain.Split('.').Length);
        Assert.NotNull(r.Output[0].Properties["ExpiresAt"].Value);
        Assert.True(_emu.Server.State.TryGetRun((long)r.Output[0].Properties["RunId"].Value, out var run));
        Assert.Equal("running", run.Status);
    }

    [Fact]
    public void SendCxpaIngest_upserts_and_refuses_to_change_a_terminal_run()
    {
        var r = _emu.Run("""
            Send-CxpaIngest -AgentId 44 -ExternalRunId 'exec-001' -Status Running
            Send-CxpaIngest -AgentId 44 -ExternalRunId 'exec-001' -Status Completed -Output @{ pages = 42 } -Outputs 42
            Send-CxpaIngest -AgentId 44 -ExternalRunId 'exec-001' -Status Failed -ErrorMessage 'late'
            """);
        Assert.Equal(2, r.Output.Count);
        Assert.Equal(r.Output[0].Properties["RunId"].Value, r.Output[1].Properties["RunId"].Value);
        Assert.Equal("completed", r.Output[1].Properties["Status"].Value);
        var err = Assert.Single(r.Errors);
        Assert.StartsWith("Conflict,", err.FullyQualifiedErrorId);
        Assert.Equal(ErrorCategory.InvalidOperation, err.CategoryInfo.Category);
    }

    [Fact]
    public void SendCxpaIngest_on_a_platform_agent_is_refused()
    {
        var r = _emu.Run("Send-CxpaIngest -AgentId 42 -ExternalRunId 'x1' -Status Running");
        Assert.Equal(ErrorCategory.PermissionDenied, Assert.Single(r.Errors).CategoryInfo.Category);
    }

    [Fact]
    public void SaveCxpaRunOutput_streams_the_file_with_its_server_name_and_run_id()
    {
        var dir = Directory.CreateTempSubdirectory("cxpa-save-").FullName;
        try
        {
            var r = _emu.Run("Save-CxpaRunOutput -AgentId 43 -InputObject @{ topic = 'Q3' } -Path $dir", vars: new Dictionary<string, object?> { ["dir"] = dir });
            NoErrors(r);
            var f = r.Single();
            Assert.IsType<FileInfo>(f.BaseObject);
            var path = ((FileInfo)f.BaseObject).FullName;
            Assert.Equal(Path.Combine(dir, "q3-report.pdf"), path);
            Assert.True((long)f.Properties["RunId"].Value > 0);
            Assert.Equal("application/pdf", f.Properties["ContentType"].Value?.ToString());
            var bytes = File.ReadAllBytes(path);
            Assert.Equal(256 * 1024, bytes.Length);
            Assert.Equal(-1, Cxpa.Emulator.FilePattern.FirstMismatch(bytes));
            Assert.Single(Directory.GetFiles(dir));
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void SaveCxpaRunOutput_never_overwrites_without_Force()
    {
        var dir = Directory.CreateTempSubdirectory("cxpa-save-").FullName;
        try
        {
            var target = Path.Combine(dir, "mine.pdf");
            File.WriteAllText(target, "keep me");
            var before = _emu.Server.Requests.Total;
            var r = _emu.Run("Save-CxpaRunOutput -AgentId 43 -Path $target", vars: new Dictionary<string, object?> { ["target"] = target });
            var err = (r.Thrown as RuntimeException)?.ErrorRecord ?? Assert.Single(r.Errors);
            Assert.StartsWith("FileExists,", err.FullyQualifiedErrorId);
            Assert.Equal("keep me", File.ReadAllText(target));
            Assert.Equal(before, _emu.Server.Requests.Total);

            var forced = _emu.Run("Save-CxpaRunOutput -AgentId 43 -Path $target -Force", vars: new Dictionary<string, object?> { ["target"] = target });
            NoErrors(forced);
            Assert.Equal(256 * 1024, new FileInfo(target).Length);
            Assert.Single(Directory.GetFiles(dir));
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void SaveCxpaRunOutput_on_a_json_agent_is_a_conflict_and_leaves_no_file()
    {
        var dir = Directory.CreateTempSubdirectory("cxpa-save-").FullName;
        try
        {
            var r = _emu.Run("Save-CxpaRunOutput -AgentId 42 -Path $dir", vars: new Dictionary<string, object?> { ["dir"] = dir });
            Assert.StartsWith("Conflict,", Assert.Single(r.Errors).FullyQualifiedErrorId);
            Assert.Empty(Directory.GetFiles(dir));
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void Connection_objects_and_GetCxpaConnection_never_show_the_key()
    {
        var r = _emu.Run("""
            $c = Connect-Cxpa -BaseUrl $url -IngestApiKey $key -PassThru
            Disconnect-Cxpa
            Start-CxpaRun -AgentId 42 -Connection $c
            Connect-Cxpa -BaseUrl $url -IngestApiKey $key
            Get-CxpaConnection
            """, connect: false);
        NoErrors(r);
        Assert.Equal(2, r.Output.Count);
        Assert.Equal("IngestApiKey", r.Output[1].Properties["AuthKind"].Value);
        Assert.Equal("Connect-Cxpa", r.Output[1].Properties["Source"].Value);
        Assert.DoesNotContain(EmulatorFixture.Key, r.AllText());
        Assert.DoesNotContain(r.Output[1].Properties, p => p.Value?.ToString()?.Contains(EmulatorFixture.Key) == true);
    }

    [Fact]
    public void Verbose_tells_the_requests_made()
    {
        var r = _emu.Run("Start-CxpaRun -AgentId 42 -Verbose");
        NoErrors(r);
        Assert.Contains(r.Verbose, v => v.Message.Contains("POST") && v.Message.Contains("/api/agents/42/runs/trigger"));
    }

    [Fact]
    public void Waits_in_a_non_interactive_host_report_a_heartbeat_in_the_Information_stream()
    {
        // The hosted engine is not the console host, as in Azure Automation: waits tell they are alive in the Information
        // stream (job output keeps it), also with progress off. The 30-second interval is shortened through $env:CXPA_WAIT_HEARTBEAT_SECONDS.
        var r = _emu.Run("""
            $saved = $env:CXPA_WAIT_HEARTBEAT_SECONDS
            try {
                $env:CXPA_WAIT_HEARTBEAT_SECONDS = '0.2'
                $ProgressPreference = 'SilentlyContinue'
                $run = Start-CxpaRun -AgentId 47
                $run | Wait-CxpaRun -TimeoutSec 2 -ErrorAction SilentlyContinue -InformationVariable beats
                'run=' + $run.RunId
                foreach ($b in $beats) { 'beat=' + $b.Source + '|' + $b.MessageData }
            }
            finally { $env:CXPA_WAIT_HEARTBEAT_SECONDS = $saved }
            """);
        Assert.Null(r.Thrown);
        Assert.True(r.Errors.All(e => e.FullyQualifiedErrorId.StartsWith("RunWaitTimeout", StringComparison.Ordinal)), string.Join("\n", r.Errors.Select(e => e.FullyQualifiedErrorId + ": " + e)));
        var runId = r.Output.Select(o => o.BaseObject).OfType<string>().Single(l => l.StartsWith("run=", StringComparison.Ordinal))[4..];
        var beats = r.Output.Select(o => o.BaseObject).OfType<string>().Where(l => l.StartsWith("beat=", StringComparison.Ordinal)).ToList();
        Assert.True(beats.Count >= 3, "expected a heartbeat every 200 ms of a 2-second wait, got: " + string.Join("; ", beats));
        Assert.All(beats, b => Assert.StartsWith("beat=Cxpa.Wait|Run " + runId + ":", b));
    }

    [Fact]
    public void Verbose_follows_VerbosePreference_and_an_explicit_Verbose_false_wins()
    {
        var r = _emu.Run("""
            $id = (Start-CxpaRun -AgentId 42).RunId
            $VerbosePreference = 'Continue'
            $null = Get-CxpaRun -AgentId 42 -RunId $id
            $null = Get-CxpaRun -AgentId 42 -RunId $id -Verbose:$false
            $VerbosePreference = 'SilentlyContinue'
            $null = Get-CxpaRun -AgentId 42 -RunId $id
            """);
        NoErrors(r);
        // Only the first read (preference Continue, no -Verbose:$false) tells its request and its answer.
        Assert.Single(r.Verbose, v => v.Message.StartsWith("GET ", StringComparison.Ordinal) && v.Message.Contains("/api/agents/42/runs/"));
        Assert.Single(r.Verbose, v => v.Message.Contains(" answered 200 "));
    }
}

/// <summary>Tests that change the process's environment variables: never in parallel with others.</summary>
[Collection(ProcessEnvironmentCollection.Name)]
public sealed class RunCmdletEnvironmentTests : IClassFixture<EmulatorFixture>
{
    private readonly EmulatorFixture _emu;
    public RunCmdletEnvironmentTests(EmulatorFixture emu) => _emu = emu;

    private static ErrorRecord? AnyError(ScriptResult r) => (r.Thrown as RuntimeException)?.ErrorRecord ?? r.Errors.FirstOrDefault();

    private static void NoErrors(ScriptResult r)
    {
        Assert.Null(r.Thrown);
        Assert.True(r.Errors.Count == 0, string.Join("\n", r.Errors.Select(e => e.FullyQualifiedErrorId + ": " + e)));
    }

    [Fact]
    public void Missing_url_and_key_name_both_ways_to_give_them()
    {
        var noUrl = _emu.Run("$env:CXPA_API_URL = $null; $env:PLATFORM_API_BASE_URL = $null; Get-CxpaRun -AgentId 42 -RunId 1", connect: false);
        var e1 = AnyError(noUrl);
        Assert.NotNull(e1);
        Assert.StartsWith("MissingBaseUrl,", e1!.FullyQualifiedErrorId);
        Assert.Contains("-BaseUrl", e1.ToString());
        Assert.Contains("CXPA_API_URL", e1.ToString());

        var noKey = _emu.Run("$env:CXPA_INGEST_KEY = $null; Get-CxpaRun -BaseUrl $url -AgentId 42 -RunId 1", connect: false);
        var e2 = AnyError(noKey);
        Assert.NotNull(e2);
        Assert.StartsWith("MissingKey,", e2!.FullyQualifiedErrorId);
        Assert.Contains("-IngestApiKey", e2.ToString());
        Assert.Contains("CXPA_INGEST_KEY", e2.ToString());
    }
}
