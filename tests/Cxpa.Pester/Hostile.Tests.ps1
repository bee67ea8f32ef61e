# A hostile server on real sockets, in its own pwsh process: a body that never ends, one that trickles, a 200 MB answer,
# a trigger read and then dropped, a GET dropped, answers of the wrong shape. Each call must end (a 60 s hang guard), in
# bounded memory (this process's working set), with a clear ErrorId; a run start that may have reached the server is
# never resent.

BeforeAll {
    Import-Module "$PSScriptRoot/Support/CxpaTest.psm1" -Force
    $script:demo = Get-CxpaTestDemo
    # The cases, by the last segment of the target (a run id, or "trigger").
    $script:server = Start-CxpaTestRawServer -TypeName HostileServer -Source @'
public sealed class HostileServer : RawHttpServer
{
    protected override void Answer(Stream s, RawRequest r)
    {
        switch (r.LastSegment)
        {
            case "trigger":
            case "1006":
                return; // read the request whole, then close the connection without a word
            case "1001": // headers, then a body that never ends
                Head(s, null);
                Forever(s, TimeSpan.Zero);
                return;
            case "1005": // a body that trickles one byte every 100 ms, forever
                Head(s, null);
                Forever(s, TimeSpan.FromMilliseconds(100));
                return;
            case "1002": // a valid 200 MB JSON run row
            {
                const long size = 200L * 1024 * 1024;
                var prefix = Encoding.ASCII.GetBytes("{\"id\":1002,\"agent_id\":42,\"status\":\"completed\",\"pad\":\"");
                Head(s, size);
                s.Write(prefix, 0, prefix.Length);
                var chunk = new byte[64 * 1024];
                for (int i = 0; i < chunk.Length; i++) chunk[i] = (byte)'x';
                long left = size - prefix.Length - 2;
                while (left > 0) { int n = (int)Math.Min(chunk.Length, left); s.Write(chunk, 0, n); left -= n; }
                s.Write(Encoding.ASCII.GetBytes("\"}"), 0, 2);
                return;
            }
            case "1003": Json(s, "[1,2,3]"); return;
            case "1": Json(s, "{\"id\":1234,\"agent_id\":42,\"status\":\"completed\"}"); return;
            case "1007": Json(s, "{\"id\":1007,\"agent_id\":42,\"status\":\"completed\",\"created_at\":9223372036854775807,\"started_at\":253402300800,\"completed_at\":1800000000}"); return;
            default: Json(s, "{\"error\":\"no such case\"}", "404 Not Found"); return;
        }
    }

    static void Head(Stream s, long? length)
    {
        var h = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n" + (length != null ? "Content-Length: " + length + "\r\n" : "") + "\r\n";
        var b = Encoding.ASCII.GetBytes(h);
        s.Write(b, 0, b.Length);
        var start = Encoding.ASCII.GetBytes("{\"id\":1,\"pad\":\"");
        if (length == null) s.Write(start, 0, start.Length);
    }

    static void Forever(Stream s, TimeSpan gap)
    {
        var chunk = new byte[gap == TimeSpan.Zero ? 64 * 1024 : 1];
        for (int i = 0; i < chunk.Length; i++) chunk[i] = (byte)'x';
        while (true) { s.Write(chunk, 0, chunk.Length); if (gap > TimeSpan.Zero) Thread.Sleep(gap); }
    }
}
'@
    Import-Module Cxpa
    $script:api = @{ BaseUrl = $server.Url; IngestApiKey = $demo.IngestKey; RetryIntervalSec = 0 }
    function Get-RequestCount([string] $Line) { Get-CxpaTestRawRequestCount $server $Line }
}

AfterAll {
    Stop-CxpaTestEmulator $script:server
}

Describe 'Answers too large or never ending' {
    It 'a body that never ends: ResponseTooLarge, in bounded memory' {
        $r = Invoke-CxpaTestGuarded { param($a) Get-CxpaRun @a -AgentId 42 -RunId 1001 -OperationTimeoutSeconds 3 -ErrorAction Stop } @{ a = $api }
        $r.Ended | Should -BeTrue -Because 'the call must end (hang guard 60 s)'
        $r.Error.FullyQualifiedErrorId | Should -Be 'ResponseTooLarge,Cxpa.PowerShell.Cmdlets.GetCxpaRunCommand'
        $r.Error.CategoryInfo.Category | Should -Be 'LimitsExceeded'
        $r.Error.ErrorDetails.Message | Should -Match '16777216-byte limit'
        $r.Growth | Should -BeLessThan 300MB
        $r.PeakGrowth | Should -BeLessThan 300MB
        Get-RequestCount 'GET /api/agents/42/runs/1001' | Should -Be 1
    }

    It 'a body that trickles: Timeout after -OperationTimeoutSeconds for the whole body' {
        $r = Invoke-CxpaTestGuarded { param($a) Get-CxpaRun @a -AgentId 42 -RunId 1005 -OperationTimeoutSeconds 3 -MaximumRetryCount 0 -ErrorAction Stop } @{ a = $api }
        $r.Ended | Should -BeTrue
        $r.Error.FullyQualifiedErrorId | Should -Be 'Timeout,Cxpa.PowerShell.Cmdlets.GetCxpaRunCommand'
        $r.Error.ErrorDetails.Message | Should -Match 'reading the answer took longer than 3 s'
        $r.Growth | Should -BeLessThan 300MB
    }

    It 'a valid 200 MB answer: ResponseTooLarge from its Content-Length, not read' {
        $r = Invoke-CxpaTestGuarded { param($a) Get-CxpaRun @a -AgentId 42 -RunId 1002 -ErrorAction Stop } @{ a = $api }
        $r.Ended | Should -BeTrue
        $r.Error.FullyQualifiedErrorId | Should -Be 'ResponseTooLarge,Cxpa.PowerShell.Cmdlets.GetCxpaRunCommand'
        $r.Error.ErrorDetails.Message | Should -Match 'declares 209715200 bytes'
        $r.Growth | Should -BeLessThan 300MB
        $r.PeakGrowth | Should -BeLessThan 300MB
    }
}

Describe 'A connection dropped after the request was read' {
    It 'a trigger: OutcomeUnknown, sent exactly once, and the advice says only what is known (agent, time sent, may run twice)' {
        $before = [DateTime]::UtcNow.AddSeconds(-1)
        $r = Invoke-CxpaTestGuarded { param($a) Start-CxpaRun @a -AgentId 42 -ErrorAction Stop } @{ a = $api }
        $after = [DateTime]::UtcNow.AddSeconds(1)
        $r.Ended | Should -BeTrue
        $r.Error.FullyQualifiedErrorId | Should -Be 'OutcomeUnknown,Cxpa.PowerShell.Cmdlets.StartCxpaRunCommand'
        $r.Error.Exception | Should -BeOfType ([Cxpa.CxpaOutcomeUnknownException])
        $r.Error.Exception | Should -BeOfType ([Cxpa.CxpaConnectionException])
        $r.Error.ErrorDetails.Message | Should -Match 'may have started the run'
        $action = $r.Error.ErrorDetails.RecommendedAction
        $r.Error.Exception.RunId | Should -BeNullOrEmpty
        # No run id to give Get-CxpaRun, and a registered run is never executed by the platform: neither is advised.
        $action | Should -Not -Match 'Get-CxpaRun'
        $action | Should -Not -Match 'Register-CxpaRun'
        $action | Should -Match 'agent 42'
        $action | Should -Match 'run it twice'
        $action | Should -Match 'run id is unknown'
        $action -match 'sent between (\S+ \S+) and (\S+ \S+) UTC' | Should -BeTrue
        $from = [DateTime]::SpecifyKind([DateTime]::ParseExact($Matches[1], 'yyyy-MM-dd HH:mm:ss', $null), 'Utc')
        $to = [DateTime]::SpecifyKind([DateTime]::ParseExact($Matches[2], 'yyyy-MM-dd HH:mm:ss', $null), 'Utc')
        $from | Should -BeGreaterOrEqual $before.AddSeconds(-1)
        $to | Should -BeLessOrEqual $after
        $from | Should -BeLessOrEqual $to
        "$($r.Error.ErrorDetails.Message) $action $($r.Error.Exception)" | Should -Not -Match ([regex]::Escape($demo.IngestKey))
        Get-RequestCount 'POST /api/agents/42/runs/trigger' | Should -Be 1
    }

    It 'a GET: retried, then ConnectionFailed' {
        $r = Invoke-CxpaTestGuarded { param($a) Get-CxpaRun @a -AgentId 42 -RunId 1006 -MaximumRetryCount 2 -ErrorAction Stop } @{ a = $api }
        $r.Ended | Should -BeTrue
        $r.Error.FullyQualifiedErrorId | Should -Be 'ConnectionFailed,Cxpa.PowerShell.Cmdlets.GetCxpaRunCommand'
        # Three attempts (1 + 2 retries); .NET's handler may itself resend a body-less GET whose connection ended before
        # any answer byte, so the server can count more. A trigger (with its body) is never resent by either.
        Get-RequestCount 'GET /api/agents/42/runs/1006' | Should -BeGreaterOrEqual 3
    }
}

Describe 'Answers of the wrong shape' {
    It 'an array where a run was expected: InvalidResponse' {
        $r = Invoke-CxpaTestGuarded { param($a) Get-CxpaRun @a -AgentId 42 -RunId 1003 -ErrorAction Stop } @{ a = $api }
        $r.Ended | Should -BeTrue
        $r.Error.FullyQualifiedErrorId | Should -Be 'InvalidResponse,Cxpa.PowerShell.Cmdlets.GetCxpaRunCommand'
        $r.Error.CategoryInfo.Category | Should -Be 'InvalidResult'
        $r.Error.ErrorDetails.Message | Should -Match 'JSON array where an object was expected'
    }

    It 'dates no date can hold (Unix seconds past 9999-12-31): the run is read, those dates are empty' {
        $r = Invoke-CxpaTestGuarded { param($a) Get-CxpaRun @a -AgentId 42 -RunId 1007 -ErrorAction Stop } @{ a = $api }
        $r.Ended | Should -BeTrue
        $r.Error | Should -BeNullOrEmpty
        $run = @($r.Output | Where-Object { $_ -is [Cxpa.Run] })
        $run.Count | Should -Be 1
        $run[0].RunId | Should -Be 1007
        $run[0].CreatedAt | Should -BeNullOrEmpty
        $run[0].StartedAt | Should -BeNullOrEmpty
        $run[0].CompletedAt | Should -Be ([DateTimeOffset]::FromUnixTimeSeconds(1800000000))
    }

    It 'run 1234 in answer to a GET for run 1: InvalidResponse naming both' {
        $r = Invoke-CxpaTestGuarded { param($a) Get-CxpaRun @a -AgentId 42 -RunId 1 -ErrorAction Stop } @{ a = $api }
        $r.Ended | Should -BeTrue
        $r.Output | Where-Object { $_ -is [Cxpa.Run] } | Should -BeNullOrEmpty
        $r.Error.FullyQualifiedErrorId | Should -Be 'InvalidResponse,Cxpa.PowerShell.Cmdlets.GetCxpaRunCommand'
        $r.Error.ErrorDetails.Message | Should -Match 'run 1234, not run 1 '
    }
}
