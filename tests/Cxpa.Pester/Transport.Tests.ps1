# The transport as users meet it, against a recording server in this test's own process (real sockets): header values
# refused before anything is sent, compressed JSON answers, -Debug lines of the HTTP exchange without secrets, and
# Connect-Cxpa -Proxy (the server acts as the proxy: it records the absolute-URI request and asks for the credential), and
# without -Proxy the proxy environment variables (HTTP_PROXY, HTTPS_PROXY, NO_PROXY) in a fresh pwsh.

BeforeAll {
    Import-Module "$PSScriptRoot/Support/CxpaTest.psm1" -Force
    $script:saved = Clear-CxpaTestEnvironment
    # The shared raw server (Support/RawHttpServer.cs), compiled into this process once: the tests read its Heads and
    # switch RequireProxyAuth as they go.
    if (-not ('CxpaRecordingServer' -as [type])) {
        Add-Type -TypeDefinition ((Get-Content -Raw -LiteralPath "$PSScriptRoot/Support/RawHttpServer.cs") + "`n" + @'
public sealed class CxpaRecordingServer : RawHttpServer
{
    public bool RequireProxyAuth;
    private byte[] _bomb;

    protected override void Answer(Stream s, RawRequest r)
    {
        if (RequireProxyAuth && r.Header("Proxy-Authorization") == null)
        {
            Write(s, "407 Proxy Authentication Required", "Proxy-Authenticate: Basic realm=\"test\"\r\n", new byte[0]);
            return;
        }
        if (r.Target.EndsWith("/runs/7001"))
        {
            Write(s, "200 OK", "Content-Type: application/json\r\nContent-Encoding: gzip\r\nx-request-id: rq-7001\r\n", Gzip(Encoding.UTF8.GetBytes("{\"id\":7001,\"agent_id\":42,\"status\":\"completed\",\"output_data\":{\"text\":\"unzipped\"}}")));
            return;
        }
        if (r.Target.EndsWith("/runs/7002"))
        {
            if (_bomb == null) _bomb = Gzip(new byte[1 << 20], 200);
            Write(s, "200 OK", "Content-Type: application/json\r\nContent-Encoding: gzip\r\n", _bomb);
            return;
        }
        Write(s, "200 OK", "Content-Type: application/json\r\nx-request-id: rq-plain\r\n", Encoding.UTF8.GetBytes("{\"id\":7,\"agent_id\":42,\"status\":\"running\"}"));
    }
}
'@)
    }
    $script:server = [CxpaRecordingServer]::new()
    $server.Start()
    $script:base = "http://127.0.0.1:$($server.Port)"
    Import-Module Cxpa
    $script:key = 'cxpa_transport_test_key'
    $script:api = @{ BaseUrl = $base; IngestApiKey = $key; RetryIntervalSec = 0 }

    function Get-Heads { $h = $null; $all = @(); while ($server.Heads.TryDequeue([ref] $h)) { $all += $h }; $all }
}

AfterAll {
    if ($script:server) { $script:server.Stop() }
    if ($script:saved) { Restore-CxpaTestEnvironment -Saved $script:saved }
}

Describe 'A value that cannot go into a header is refused before anything is sent' {
    BeforeEach { $null = Get-Heads }

    It 'a key with CR/LF: InvalidHeaderValue naming -IngestApiKey, never the value, nothing sent' {
        $err = $null
        try { Get-CxpaRun -BaseUrl $base -IngestApiKey "tok`r`nX-Injected: 1" -AgentId 42 -RunId 7 -ErrorAction Stop } catch { $err = $_ }
        $err.FullyQualifiedErrorId | Should -Be 'InvalidHeaderValue,Cxpa.PowerShell.Cmdlets.GetCxpaRunCommand'
        $err.CategoryInfo.Category | Should -Be 'InvalidArgument'
        "$err" | Should -Match '-IngestApiKey'
        "$err" | Should -Not -Match 'X-Injected'
        @(Get-Heads).Count | Should -Be 0
    }

    It 'a non-ASCII key on a run start: InvalidHeaderValue, not OutcomeUnknown, nothing sent' {
        $err = $null
        try { Start-CxpaRun -BaseUrl $base -IngestApiKey "k$([char]0xE9)y" -AgentId 42 -InputObject @{ q = 1 } -ErrorAction Stop } catch { $err = $_ }
        $err.FullyQualifiedErrorId | Should -Be 'InvalidHeaderValue,Cxpa.PowerShell.Cmdlets.StartCxpaRunCommand'
        @(Get-Heads).Count | Should -Be 0
    }

    It 'a piped credentials token with CR/LF: InvalidHeaderValue naming -CredentialsToken, nothing sent' {
        $payload = [pscustomobject]@{ runId = 5; agentApiKey = 'agent_key'; credentialsToken = "tok`r`nX-Injected: 1" }
        $err = $null
        try { $payload | Get-CxpaCredential -BaseUrl $base -ConnectionId 'c1' -ErrorAction Stop } catch { $err = $_ }
        $err.FullyQualifiedErrorId | Should -Match '^InvalidHeaderValue,'
        "$err" | Should -Match '-CredentialsToken'
        "$err" | Should -Not -Match 'X-Injected'
        @(Get-Heads).Count | Should -Be 0
    }

    It 'Connect-Cxpa refuses such a key before keeping it' {
        { Connect-Cxpa -BaseUrl $base -IngestApiKey "a`nb" } | Should -Throw -ErrorId 'InvalidHeaderValue,Cxpa.PowerShell.Cmdlets.ConnectCxpaCommand'
    }
}

Describe 'Compressed JSON answers' {
    It 'asks for gzip, deflate, br and decodes a gzip answer' {
        $null = Get-Heads
        $run = Get-CxpaRun @api -AgentId 42 -RunId 7001
        $run.RunId | Should -Be 7001
        $run.Output.text | Should -Be 'unzipped'
        @(Get-Heads)[0] | Should -Match "(?m)^Accept-Encoding: gzip, deflate, br\r$"
    }

    It 'a gzip bomb (200 MB decoded) is refused as ResponseTooLarge in bounded memory' {
        [GC]::Collect()
        $before = (Get-Process -Id $PID).WorkingSet64
        $err = $null
        try { Get-CxpaRun @api -AgentId 42 -RunId 7002 -MaximumRetryCount 0 -ErrorAction Stop } catch { $err = $_ }
        [GC]::Collect()
        $err.FullyQualifiedErrorId | Should -Be 'ResponseTooLarge,Cxpa.PowerShell.Cmdlets.GetCxpaRunCommand'
        ((Get-Process -Id $PID).WorkingSet64 - $before) | Should -BeLessThan 300MB
    }
}

Describe '-Debug shows the HTTP exchange' {
    It 'one line per request and per answer, with the attempt, status, time, length and request id; secrets masked' {
        $out = Get-CxpaRun @api -AgentId 42 -RunId 7 -Debug 5>&1 4>&1 3>&1 6>&1
        $debug = @($out | Where-Object { $_ -is [System.Management.Automation.DebugRecord] } | ForEach-Object Message)
        $debug | Where-Object { $_ -like "HTTP request: GET $base/api/agents/42/runs/7 (attempt 1)*" } | Should -HaveCount 1
        $answer = @($debug | Where-Object { $_ -like "HTTP answer: 200 OK to GET $base/api/agents/42/runs/7 (attempt 1) in * ms, content length *" })
        $answer | Should -HaveCount 1
        $answer[0] | Should -Match 'request id rq-plain'
        ($debug -join "`n") | Should -Match 'Authorization: \*\*\*'
        ($out | Out-String) | Should -Not -Match $key
    }

    It 'writes nothing to the debug stream without -Debug' {
        $out = Get-CxpaRun @api -AgentId 42 -RunId 7 5>&1
        @($out | Where-Object { $_ -is [System.Management.Automation.DebugRecord] }) | Should -HaveCount 0
    }
}

Describe 'Connect-Cxpa -Proxy' {
    AfterEach { Disconnect-Cxpa; $server.RequireProxyAuth = $false }

    It 'sends every call through the proxy, with its credential, and shows neither secret' {
        $null = Get-Heads
        $server.RequireProxyAuth = $true
        $proxyCredential = [pscredential]::new('proxy-user', (ConvertTo-SecureString 'proxy-secret-pw' -AsPlainText -Force))
        # Nothing listens on port 1: the call can only arrive through the proxy.
        $out = & {
            Connect-Cxpa -BaseUrl 'http://127.0.0.1:1' -IngestApiKey $key -Proxy $base -ProxyCredential $proxyCredential -PassThru -Verbose
            Get-CxpaRun -AgentId 42 -RunId 7 -Verbose
            Get-CxpaConnection | Format-List * | Out-String
        } *>&1
        $run = $out | Where-Object { $_ -is [Cxpa.Run] }
        $run.RunId | Should -Be 7
        $heads = @(Get-Heads)
        $heads.Count | Should -Be 2
        $heads[0] | Should -Match '^GET http://127\.0\.0\.1:1/api/agents/42/runs/7 HTTP/1\.1'
        $heads[0] | Should -Not -Match 'Proxy-Authorization'
        $expected = [Convert]::ToBase64String([Text.Encoding]::UTF8.GetBytes('proxy-user:proxy-secret-pw'))
        $heads[1] | Should -Match "(?m)^Proxy-Authorization: Basic $([regex]::Escape($expected))\r$"
        $text = $out | Out-String
        $text | Should -Not -Match 'proxy-secret-pw'
        $text | Should -Not -Match $key
    }

    It 'refuses -ProxyCredential without -Proxy' {
        $proxyCredential = [pscredential]::new('u', (ConvertTo-SecureString 'p' -AsPlainText -Force))
        { Connect-Cxpa -BaseUrl $base -IngestApiKey $key -ProxyCredential $proxyCredential } | Should -Throw -ErrorId 'InvalidProxy,Cxpa.PowerShell.Cmdlets.ConnectCxpaCommand'
    }
}

Describe 'Without -Proxy, the proxy environment variables apply' -Skip:($PSVersionTable.PSEdition -eq 'Desktop') {
    # .NET reads them once per process, so each case runs in a fresh pwsh. The platform's host, cxpa.invalid, is a reserved
    # name that no resolver knows: only a proxy can answer for it, and this file's recording server is the proxy.
    BeforeAll {
        $script:childScript = @'
$ErrorActionPreference = 'Stop'
Import-Module Cxpa
Connect-Cxpa -BaseUrl $env:CXPA_TEST_TARGET -IngestApiKey 'cxpa_transport_test_key' -AllowUnencryptedAuthentication
try { 'run ' + (Get-CxpaRun -AgentId 42 -RunId 7 -MaximumRetryCount 0).RunId }
catch { 'error ' + $_.FullyQualifiedErrorId + ': ' + $_.Exception.Message }
'@
        function Invoke-ProxyChild([string] $Target, [hashtable] $Variables) {
            # Only the variables of the case: a proxy setting of this machine is emptied (lower case too where names are
            # case-sensitive); a variable that is not set stays unset (GATEWAY_INTERFACE, even empty, turns HTTP_PROXY off).
            $environment = [hashtable]::new([StringComparer]::Ordinal)
            $names = 'HTTP_PROXY', 'HTTPS_PROXY', 'ALL_PROXY', 'NO_PROXY'
            if (-not $IsWindows) { $names += 'http_proxy', 'https_proxy', 'all_proxy', 'no_proxy' }
            foreach ($n in $names) { if ($null -ne [Environment]::GetEnvironmentVariable($n)) { $environment[$n] = $null } }
            foreach ($n in $Variables.Keys) { $environment[$n] = $Variables[$n] }
            $environment.CXPA_TEST_TARGET = $Target
            $null = Get-Heads
            $result = Invoke-CxpaTestPwsh -Script $childScript -Environment $environment
            $result.Errors | Should -BeNullOrEmpty
            [pscustomobject]@{ Output = ($result.Output -join "`n"); Heads = @(Get-Heads) }
        }
    }

    It 'HTTP_PROXY: a call to an http platform goes to the proxy as an absolute-URI request, and its answer is used' {
        $r = Invoke-ProxyChild 'http://cxpa.invalid:1234' @{ HTTP_PROXY = $base }
        $r.Output | Should -Be 'run 7'
        $r.Heads.Count | Should -Be 1
        $r.Heads[0] | Should -Match '^GET http://cxpa\.invalid:1234/api/agents/42/runs/7 HTTP/1\.1\r\n'
        $r.Heads[0] | Should -Match '(?m)^Host: cxpa\.invalid:1234\r$'
    }

    It 'HTTP_PROXY with NO_PROXY naming another host: the call still goes through the proxy' {
        $r = Invoke-ProxyChild 'http://cxpa.invalid:1234' @{ HTTP_PROXY = $base; NO_PROXY = 'other.invalid' }
        $r.Output | Should -Be 'run 7'
        $r.Heads.Count | Should -Be 1
    }

    It 'HTTP_PROXY with NO_PROXY covering the platform (<NoProxy>): the call goes direct, so the name does not resolve and the proxy sees nothing' -ForEach @(
        @{ NoProxy = 'cxpa.invalid' }
        @{ NoProxy = '.invalid' }
        @{ NoProxy = 'other.invalid,cxpa.invalid' }
    ) {
        $r = Invoke-ProxyChild 'http://cxpa.invalid:1234' @{ HTTP_PROXY = $base; NO_PROXY = $NoProxy }
        $r.Output | Should -BeLike 'error ConnectionFailed,*'
        $r.Heads.Count | Should -Be 0
    }

    It 'HTTPS_PROXY: a call to an https platform asks the proxy for a tunnel to it (CONNECT); HTTP_PROXY alone is not used for it' {
        $r = Invoke-ProxyChild 'https://cxpa.invalid:1234' @{ HTTPS_PROXY = $base }
        # The recording server is no real proxy: it answers the CONNECT with JSON, so TLS through it fails, after the request.
        $r.Output | Should -BeLike 'error *'
        $r.Heads.Count | Should -Be 1
        $r.Heads[0] | Should -Match '^CONNECT cxpa\.invalid:1234 HTTP/1\.1\r\n'
        $r.Heads[0] | Should -Not -Match 'cxpa_transport_test_key'

        $r = Invoke-ProxyChild 'https://cxpa.invalid:1234' @{ HTTP_PROXY = $base }
        $r.Output | Should -BeLike 'error ConnectionFailed,*'
        $r.Heads.Count | Should -Be 0
    }
}
