using System.Diagnostics;
using System.Management.Automation;
using Cxpa.Emulator;
using Xunit.Abstractions;

namespace Cxpa.PowerShell.Tests;

/// <summary>
/// The fault matrix: each endpoint × each injected fault → retried and succeeded, or a clear error;
/// the emulator's run table proves no duplicate trigger, the file system proves no partial file.
/// </summary>
[Collection("Reliability")]
public sealed class ReliabilityTests : IClassFixture<EmulatorFixture>
{
    private readonly EmulatorFixture _emu;
    private readonly ITestOutputHelper _out;

    public ReliabilityTests(EmulatorFixture emu, ITestOutputHelper output)
    {
        _emu = emu;
        _out = output;
        _emu.Server.Faults.Clear();
    }

    public sealed record Case(string Name, string Route, Func<FaultInjector, string, FaultRule> Fault, string Script, long Agent, string? ExpectErrorId, int ExpectRunsCreated);

    // Retry interval 0: backoff starts at 1 ms; Retry-After values are honoured as given.
    private const string Opts = "-RetryIntervalSec 0";

    public static IEnumerable<object[]> Matrix()
    {
        var trigger = "POST /api/agents/42/runs/trigger";
        var wait = "POST /api/agents/42/runs/trigger-and-wait";
        var get = "GET /api/agents/42/runs/*";
        var register = "POST /api/agents/42/runs/register";
        var ingest = "POST /api/agents/44/runs/ingest";
        var zone = "POST /api/zones/agents/42/runs";
        var start = $"Start-CxpaRun -AgentId 42 {Opts}";
        var startWait = $"Start-CxpaRun -AgentId 42 -Wait -TimeoutSec 20 {Opts}";
        var getRun = $"$id = (Start-CxpaRun -AgentId 42 -MaximumRetryCount 0).RunId; Get-CxpaRun -AgentId 42 -RunId $id {Opts}";
        var reg = $"Register-CxpaRun -AgentId 42 -ExternalRunId ('fm-' + [guid]::NewGuid()) {Opts}";
        var ing = $"Send-CxpaIngest -AgentId 44 -ExternalRunId ('fm-' + [guid]::NewGuid()) -Status Completed {Opts}";
        var zoneStart = $"$t = New-CxpaZoneToken -UserId '{EmulatorConfig.DemoUserId}' -AgentId 42 -Secret '{EmulatorConfig.DemoZoneSecret}' -Audience '{EmulatorConfig.DemoZoneAudience}'; Start-CxpaRun -ZoneToken $t {Opts}";
        var httpDate = DateTimeOffset.UtcNow.AddSeconds(1).ToString("r");

        // trigger: never resent once it may have reached the server; 429 and refused connections are safe to retry.
        yield return C("trigger 429 Retry-After 1 → retried", trigger, (f, r) => f.Status(r, 429, 1, "1"), start, 42, null, 1);
        yield return C("trigger 429 Retry-After date → retried", trigger, (f, r) => f.Status(r, 429, 1, httpDate), start, 42, null, 1);
        yield return C("trigger 429 ×5 → gives up after 3 retries", trigger, (f, r) => f.Status(r, 429, 5, "0"), start, 42, "RateLimited", 0);
        yield return C("trigger 503 → not resent", trigger, (f, r) => f.Status(r, 503, 1, "1"), start, 42, "ServerError", 0);
        yield return C("trigger 500 → error", trigger, (f, r) => f.Status(r, 500), start, 42, "ServerError", 0);
        yield return C("trigger HTML 502 → error", trigger, (f, r) => f.Html(r, 502), start, 42, "ServerError", 0);
        yield return C("trigger malformed JSON → error", trigger, (f, r) => f.MalformedJson(r, 200), start, 42, "InvalidResponse", 0);
        yield return C("trigger reset → not resent", trigger, (f, r) => f.Reset(r), start, 42, "OutcomeUnknown", 0);
        yield return C("trigger reset after handling → one run, not resent", trigger, (f, r) => f.ResetAfterHandling(r), start, 42, "OutcomeUnknown", 1);
        yield return C("trigger delay 300 ms → ok", trigger, (f, r) => f.Delay(r, 300), start, 42, null, 1);
        yield return C("trigger-and-wait 429 → retried", wait, (f, r) => f.Status(r, 429, 1, "0"), startWait, 42, null, 1);
        yield return C("trigger-and-wait reset after handling → one run", wait, (f, r) => f.ResetAfterHandling(r), startWait, 42, "OutcomeUnknown", 1);
        yield return C("trigger-and-wait 503 → not resent", wait, (f, r) => f.Status(r, 503), startWait, 42, "ServerError", 0);
        yield return C("zone runs 429 → retried", zone, (f, r) => f.Status(r, 429, 1, "0"), zoneStart, 42, null, 1);
        yield return C("zone runs reset after handling → one run", zone, (f, r) => f.ResetAfterHandling(r), zoneStart, 42, "OutcomeUnknown", 1);
        // GET: idempotent.
        yield return C("get 503 ×2 → retried", get, (f, r) => f.Status(r, 503, 2, "0"), getRun, 42, null, 1);
        yield return C("get 502 HTML → retried", get, (f, r) => f.Html(r, 502), getRun, 42, null, 1);
        yield return C("get 504 → retried", get, (f, r) => f.Status(r, 504), getRun, 42, null, 1);
        yield return C("get reset → retried", get, (f, r) => f.Reset(r), getRun, 42, null, 1);
        yield return C("get 429 date → retried", get, (f, r) => f.Status(r, 429, 1, httpDate), getRun, 42, null, 1);
        yield return C("get 500 → retried", get, (f, r) => f.Status(r, 500), getRun, 42, null, 1);
        yield return C("get 503 forever → gives up", get, (f, r) => f.Status(r, 503, FaultRule.Forever, "0"), getRun, 42, "ServerError", 1);
        yield return C("get malformed JSON → error", get, (f, r) => f.MalformedJson(r), getRun, 42, "InvalidResponse", 1);
        yield return C("get 404 → not retried", get, (f, r) => f.Status(r, 404, 1, null, null, "not_found"), getRun, 42, "NotFound", 1);
        // Keyed calls: register and ingest may be resent.
        yield return C("register 503 → retried", register, (f, r) => f.Status(r, 503, 1, "0"), reg, 42, null, 1);
        yield return C("register reset after handling → resent, same run", register, (f, r) => f.ResetAfterHandling(r), reg, 42, null, 1);
        yield return C("register 401 → not retried", register, (f, r) => f.Status(r, 401, 1, null, null, "unauthorized"), reg, 42, "Unauthorized", 0);
        yield return C("register 422 → not retried", register, (f, r) => f.Status(r, 422, 1, null, null, "validation_failed"), reg, 42, "ValidationFailed", 0);
        yield return C("ingest reset → retried", ingest, (f, r) => f.Reset(r), ing, 44, null, 1);
        yield return C("ingest reset after handling → resent, one run", ingest, (f, r) => f.ResetAfterHandling(r), ing, 44, null, 1);
        yield return C("ingest 502 → retried", ingest, (f, r) => f.Status(r, 502), ing, 44, null, 1);
        yield return C("ingest 409 → not retried", ingest, (f, r) => f.Status(r, 409, 1, null, null, "conflict"), ing, 44, "Conflict", 0);
    }

    private static object[] C(string name, string route, Func<FaultInjector, string, FaultRule> fault, string script, long agent, string? errorId, int runs)
        => new object[] { new Case(name, route, fault, script, agent, errorId, runs) };

    [Theory]
    [MemberData(nameof(Matrix))]
    public void Fault_matrix(Case c)
    {
        var before = _emu.Server.State.RunsForAgent(c.Agent).Count;
        var rule = c.Fault(_emu.Server.Faults, c.Route);
        var sw = Stopwatch.StartNew();
        var r = _emu.Run(c.Script + " -Verbose");
        _emu.Server.Faults.Clear();
        var created = _emu.Server.State.RunsForAgent(c.Agent).Count - before;
        var retries = r.Verbose.Count(v => v.Message.StartsWith("Retrying", StringComparison.Ordinal));
        _out.WriteLine($"{c.Name}: hits={rule.Hits} retries={retries} runs={created} errors={string.Join(",", r.Errors.Select(e => e.FullyQualifiedErrorId.Split(',')[0]))} {sw.ElapsedMilliseconds} ms");
        Assert.True(rule.Hits >= 1, "the fault was not hit");
        Assert.Null(r.Thrown);
        if (c.ExpectErrorId == null)
        {
            Assert.True(r.Errors.Count == 0, string.Join("\n", r.Errors.Select(e => e.FullyQualifiedErrorId + ": " + e)));
            Assert.NotEmpty(r.Output);
        }
        else
        {
            var err = Assert.Single(r.Errors);
            Assert.StartsWith(c.ExpectErrorId + ",", err.FullyQualifiedErrorId);
            Assert.False(string.IsNullOrEmpty(err.ErrorDetails?.Message));
        }
        Assert.Equal(c.ExpectRunsCreated, created);
        Assert.DoesNotContain(EmulatorFixture.Key, r.AllText());
    }

    [Fact]
    public async Task Header_timeout_retries_a_GET_and_never_resends_a_trigger()
    {
        var id = (long)_emu.Run("(Start-CxpaRun -AgentId 42).RunId").Single().BaseObject;
        _emu.Server.Faults.Delay("GET /api/agents/42/runs/*", 2500, 2);
        var get = _emu.Run($"Get-CxpaRun -AgentId 42 -RunId {id} -ConnectionTimeoutSeconds 1 -MaximumRetryCount 1 -RetryIntervalSec 0 -Verbose");
        var e1 = Assert.Single(get.Errors);
        Assert.StartsWith("Timeout,", e1.FullyQualifiedErrorId);
        Assert.Equal(System.Management.Automation.ErrorCategory.OperationTimeout, e1.CategoryInfo.Category);
        Assert.Contains(id.ToString(), e1.ErrorDetails.Message);
        Assert.Single(get.Verbose, v => v.Message.StartsWith("Retrying", StringComparison.Ordinal));

        _emu.Server.Faults.Clear();
        var before = _emu.Server.State.RunsForAgent(42).Count;
        var triggers = _emu.Server.Requests.Count("POST", "/api/agents/42/runs/trigger");
        _emu.Server.Faults.Delay("POST /api/agents/42/runs/trigger", 2500);
        var start = _emu.Run("Start-CxpaRun -AgentId 42 -ConnectionTimeoutSeconds 1 -RetryIntervalSec 0");
        Assert.StartsWith("OutcomeUnknown,", Assert.Single(start.Errors).FullyQualifiedErrorId); // no answer in time: the run may exist
        Assert.Equal(triggers + 1, _emu.Server.Requests.Count("POST", "/api/agents/42/runs/trigger"));
        // The delayed request reaches the handler after the client gave up: once the emulator has finished it, still one run at most.
        var delayed = _emu.Server.Requests.Find("POST", "/api/agents/42/runs/trigger")[^1];
        await PowerShellHost.Until(() => delayed.Status != 0 || delayed.Aborted, "the emulator has finished the delayed trigger");
        Assert.InRange(_emu.Server.State.RunsForAgent(42).Count - before, 0, 1);
    }

    [Fact]
    public void Cut_download_is_an_error_and_leaves_no_file_and_keeps_an_existing_one()
    {
        var dir = Directory.CreateTempSubdirectory("cxpa-cut-").FullName;
        try
        {
            var existing = Path.Combine(dir, "q3-report.pdf");
            File.WriteAllText(existing, "previous report");
            var rule = _emu.Server.Faults.CutDownload("POST /api/agents/43/runs/trigger-and-download", 100_000);
            var r = _emu.Run("Save-CxpaRunOutput -AgentId 43 -Path $dir -Force", vars: new Dictionary<string, object?> { ["dir"] = dir });
            Assert.Equal(1, rule.Hits);
            var err = Assert.Single(r.Errors);
            Assert.StartsWith("DownloadIncomplete,", err.FullyQualifiedErrorId);
            Assert.Contains("broke off", err.ErrorDetails.Message);
            Assert.Equal(new[] { existing }, Directory.GetFiles(dir));
            Assert.Equal("previous report", File.ReadAllText(existing));
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public async Task Cut_chunked_download_is_an_error_and_leaves_no_file()
    {
        var cfg = EmulatorConfig.CreateDemo();
        cfg.FindAgent(43)!.File!.Chunked = true;
        await using var server = await EmulatorServer.StartAsync(cfg);
        var dir = Directory.CreateTempSubdirectory("cxpa-cut-").FullName;
        try
        {
            server.Faults.CutDownload("POST /api/agents/43/runs/trigger-and-download", 70_000);
            var r = PowerShellHost.Run("Save-CxpaRunOutput -BaseUrl $url -IngestApiKey $key -AgentId 43 -Path $dir",
                new Dictionary<string, object?> { ["url"] = server.BaseUrl.ToString(), ["key"] = EmulatorFixture.Key, ["dir"] = dir });
            var err = Assert.Single(r.Errors);
            Assert.StartsWith("DownloadIncomplete,", err.FullyQualifiedErrorId);
            Assert.Empty(Directory.GetFiles(dir));
            Assert.Single(server.State.RunsForAgent(43));
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void Download_429_is_retried_and_saves_the_whole_file_once()
    {
        var dir = Directory.CreateTempSubdirectory("cxpa-dl-").FullName;
        try
        {
            var before = _emu.Server.State.RunsForAgent(43).Count;
            _emu.Server.Faults.Status("POST /api/agents/43/runs/trigger-and-download", 429, 1, "0");
            var r = _emu.Run("Save-CxpaRunOutput -AgentId 43 -Path $dir", vars: new Dictionary<string, object?> { ["dir"] = dir });
            Assert.Empty(r.Errors);
            Assert.Equal(256 * 1024, new FileInfo(Assert.Single(Directory.GetFiles(dir))).Length);
            Assert.Equal(before + 1, _emu.Server.State.RunsForAgent(43).Count);
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void Ctrl_C_stops_a_wait()
    {
        var sw = new Stopwatch();
        var polls = _emu.Server.Requests.Count("GET", "/api/agents/47/runs/*");
        var r = _emu.Run("Start-CxpaRun -AgentId 47 | Wait-CxpaRun", onStart: ps =>
        {
            _ = Task.Run(async () =>
            {
                // Stop once the wait is under way: it has polled the run.
                await PowerShellHost.Until(() => _emu.Server.Requests.Count("GET", "/api/agents/47/runs/*") > polls, "Wait-CxpaRun polls the run");
                sw.Start();
                ps.Stop();
                sw.Stop();
            });
        });
        // Agent 47's run lasts ten minutes, so a wait that returns at all was stopped: no clock in the assertion
        // (how fast the stop is, is measured by the benchmarks).
        _out.WriteLine($"wait stop time: {sw.ElapsedMilliseconds} ms");
        Assert.Equal(PSInvocationState.Stopped, r.State);
    }

    [Fact]
    public async Task Ctrl_C_stops_a_download_mid_way_and_leaves_no_file()
    {
        var cfg = EmulatorConfig.CreateDemo();
        var file = cfg.FindAgent(43)!.File!;
        file.SizeBytes = 8L << 30; // far more than can be copied before the stop
        await using var server = await EmulatorServer.StartAsync(cfg);
        var dir = Directory.CreateTempSubdirectory("cxpa-stop-").FullName;
        try
        {
            var sw = new Stopwatch();
            var r = PowerShellHost.Run("Save-CxpaRunOutput -BaseUrl $url -IngestApiKey $key -AgentId 43 -Path $dir",
                new Dictionary<string, object?> { ["url"] = server.BaseUrl.ToString(), ["key"] = EmulatorFixture.Key, ["dir"] = dir },
                ps => _ = Task.Run(async () =>
                {
                    // Stop once the temporary file has data.
                    await PowerShellHost.Until(() => Directory.EnumerateFiles(dir).Any(f => new FileInfo(f).Length > 0), "the temporary file has data");
                    sw.Start();
                    ps.Stop();
                    sw.Stop();
                }));
            // An 8 GiB body that had not finished: Stopped (not Completed) and an empty folder prove the stop and the clean-up.
            _out.WriteLine($"download stop time: {sw.ElapsedMilliseconds} ms");
            Assert.True(r.State == PSInvocationState.Stopped,
                $"state {r.State}, stop time {sw.ElapsedMilliseconds} ms, errors: {string.Join(" | ", r.Errors.Select(e => e.FullyQualifiedErrorId + ": " + e.Exception.Message))}");
            Assert.Empty(Directory.GetFiles(dir, "*", SearchOption.AllDirectories));
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void Parallel_runspaces_share_one_client_and_the_process_connection()
    {
        var sw = Stopwatch.StartNew();
        var r = _emu.Run("""
            $id = (Start-CxpaRun -AgentId 42).RunId
            $results = 1..16 | ForEach-Object -ThrottleLimit 16 -UseNewRunspace -Parallel {
                Import-Module $using:module
                $before = @(Get-CxpaConnection).Count
                Connect-Cxpa -BaseUrl $using:url -IngestApiKey $using:key
                $ok = 0
                for ($i = 0; $i -lt 200; $i++) {
                    $run = Get-CxpaRun -AgentId 42 -RunId $using:id -ErrorAction Stop
                    if ($run.RunId -eq $using:id) { $ok++ }
                }
                [pscustomobject]@{ Before = $before; Ok = $ok }
            }
            $results
            """, vars: new Dictionary<string, object?> { ["module"] = PowerShellHost.ModulePath }, connect: true);
        _out.WriteLine($"16 x 200 Get-CxpaRun: {sw.ElapsedMilliseconds} ms");
        Assert.Null(r.Thrown);
        Assert.Empty(r.Errors);
        Assert.Equal(16, r.Output.Count);
        Assert.All(r.Output, o => Assert.Equal(200, (int)o.Properties["Ok"].Value));
        // A fresh runspace sees the caller's Connect-Cxpa default: it is one per process, as Connect-MgGraph's.
        Assert.All(r.Output, o => Assert.Equal(1, (int)o.Properties["Before"].Value));
    }
}

/// <summary>Every secret in use is a unique canary; every stream, error record and exception text is scanned for them.</summary>
[Collection("Reliability")]
public sealed class SecretCanaryTests
{
    [Fact]
    public async Task No_secret_appears_in_any_stream_error_or_exception()
    {
        var canary = "CANARY" + Guid.NewGuid().ToString("N");
        var cfg = EmulatorConfig.CreateDemo();
        cfg.DemoIngestKey = canary + "-ingest";
        var zoneSecret = canary + "-zone-secret-0123456789abcdef";
        foreach (var a in cfg.Agents)
        {
            a.IngestApiKey = canary + "-ingest-" + a.Id;
            a.AgentApiKey = canary + "-agent-" + a.Id;
            a.ZoneSecret = zoneSecret;
            if (a.Credentials != null)
                foreach (var c in a.Credentials.Values.Concat(a.Connections!.Values))
                    foreach (var f in new[] { "access_token", "api_key", "password", "assertion" })
                        if (c.ContainsKey(f)) c[f] = canary + "-cred-" + f;
        }
        await using var server = await EmulatorServer.StartAsync(cfg);
        var dir = Directory.CreateTempSubdirectory("cxpa-canary-").FullName;
        try
        {
            var script = """
                $common = @{ Verbose = $true; Debug = $true; ErrorAction = 'Continue' }
                $DebugPreference = 'Continue'
                Connect-Cxpa -BaseUrl $url -IngestApiKey $ingest -PassThru @common
                Get-CxpaConnection
                $run = Start-CxpaRun -AgentId 42 -InputObject @{ a = 1 } -Wait @common
                Start-CxpaRun -AgentId 45 -Wait @common
                Start-CxpaRun -AgentId 46 @common
                Start-CxpaRun -AgentId 42 -IngestApiKey ($ingest + 'wrong') @common
                Get-CxpaRun -AgentId 42 -RunId $run.RunId, 999999 @common
                Wait-CxpaRun -AgentId 47 -RunId (Start-CxpaRun -AgentId 47).RunId -TimeoutSec 1 @common
                Save-CxpaRunOutput -AgentId 43 -Path $dir @common
                Save-CxpaRunOutput -AgentId 42 -Path $dir @common
                $reg = Register-CxpaRun -AgentId 48 -ExternalRunId 'canary-1' @common
                $reg
                Send-CxpaIngest -AgentId 44 -ExternalRunId 'canary-x' -Status Completed @common
                Send-CxpaIngest -AgentId 42 -ExternalRunId 'canary-x' -Status Completed @common
                Start-CxpaRun -AgentId 42 -WhatIf @common
                $zt = New-CxpaZoneToken -UserId '00000000-0000-4000-8000-000000000000' -AgentId 42 -Secret $zoneSecret -Audience 'cxpa-demo-zone'
                $zt
                Test-CxpaZoneToken -Token $zt -Secret $zoneSecret -Audience 'cxpa-demo-zone' -PassThru @common
                Test-CxpaZoneToken -Token $zt -Secret ($zoneSecret + 'x') -Audience 'cxpa-demo-zone' -PassThru @common
                Start-CxpaRun -ZoneToken $zt -Wait @common
                Start-CxpaRun -ZoneToken $zt -AgentId 43 @common
                foreach ($k in 'hubspot', 'openai', 'ftp', 'legacy', 'nope') { Get-CxpaCredential -IntegrationKey $k -ZoneToken $zt @common }
                $p = [pscustomobject]@{ RunId = $reg.RunId; AgentApiKey = $agentKey; CredentialsToken = $reg.CredentialsToken }
                $p | Send-CxpaRunEvent -Started @common
                $p | Get-CxpaCredential -ConnectionId conn_hubspot @common
                $p | Get-CxpaCredential -ConnectionId conn_ftp @common
                $p | Get-CxpaCredential -ConnectionId conn_hubspot -CredentialsToken 'bad.token.value' @common
                try { throw 'boom' } catch { $p | Send-CxpaRunEvent -ErrorRecord $_ @common }
                $p | Send-CxpaRunEvent -Complete -Output @{ done = $true } @common
                Connect-Cxpa -BaseUrl $url -AgentApiKey $agentKey -RunId $reg.RunId @common
                Send-CxpaRunEvent -Started @common
                Disconnect-Cxpa @common
                """;
            var r = PowerShellHost.Run(script, new Dictionary<string, object?>
            {
                ["url"] = server.BaseUrl.ToString(), ["ingest"] = canary + "-ingest", ["agentKey"] = canary + "-agent-48",
                ["zoneSecret"] = zoneSecret, ["dir"] = dir,
            });
            var text = r.AllText();
            // The script must really have exercised success and failure paths.
            Assert.True(r.Output.Count > 10, $"only {r.Output.Count} outputs");
            Assert.True(r.Errors.Count >= 6, $"only {r.Errors.Count} errors");
            Assert.True(r.Verbose.Count > 20);
            Assert.DoesNotContain(canary, text);
            // Bearer tokens minted at run time (zone token, credentials token) must not appear either.
            Assert.DoesNotContain("eyJ", text);
        }
        finally { Directory.Delete(dir, true); }
    }
}

[CollectionDefinition("Reliability", DisableParallelization = true)]
public sealed class ReliabilityCollection { }
