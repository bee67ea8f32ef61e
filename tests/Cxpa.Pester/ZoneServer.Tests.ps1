# examples/ZoneServer.ps1, the HttpListener zone backend, driven with real HTTP requests: it runs as its own pwsh process
# (as a user starts it) against an emulator process, and this file is the browser.

BeforeAll {
    Import-Module "$PSScriptRoot/Support/CxpaTest.psm1" -Force
    . "$PSScriptRoot/Support/CxpaTest.Runs.ps1"
    $script:emu = Start-CxpaTestEmulator
    $script:demo = Get-CxpaTestDemo
    Import-Module Cxpa

    # The server picks its own free port (-Prefix with port 0) and names the URL it listens on in its first line.
    $script:log = Join-Path ([System.IO.Path]::GetTempPath()) ("cxpa-zoneserver-$([guid]::NewGuid().ToString('n')).log")
    $script:saved = @{}
    $settings = @{ ZONE_JWT_SECRET = $demo.ZoneSecret; AUDIENCE_ID = $demo.Audience; CXPA_API_URL = $emu.Url }
    foreach ($k in $settings.Keys) { $saved[$k] = [Environment]::GetEnvironmentVariable($k); [Environment]::SetEnvironmentVariable($k, $settings[$k]) }
    try {
        $script:server = Start-Process -FilePath (Get-CxpaTestDotnet) -PassThru -RedirectStandardOutput $log -RedirectStandardError "$log.err" -ArgumentList @(
            (Join-Path $PSHOME 'pwsh.dll'), '-NoProfile', '-NonInteractive', '-File', (Join-Path (Get-CxpaTestRoot) 'examples/ZoneServer.ps1'), '-Prefix', 'http://127.0.0.1:0/')
    }
    finally { foreach ($k in $saved.Keys) { [Environment]::SetEnvironmentVariable($k, $saved[$k]) } }

    $script:http = [System.Net.Http.HttpClient]::new()
    $deadline = [DateTime]::UtcNow.AddSeconds(60)
    $script:base = $null
    do {
        Start-Sleep -Milliseconds 200
        $line = Get-Content -LiteralPath $log -ErrorAction SilentlyContinue | Select-String -Pattern '^Zone server listening on (http://127\.0\.0\.1:\d+/)$' | Select-Object -First 1
        if ($line) { $script:base = $line.Matches[0].Groups[1].Value }
    } until ($base -or $server.HasExited -or [DateTime]::UtcNow -gt $deadline)
    if (-not $base) { throw "The zone server did not start: $(Get-Content -Raw "$log.err" -ErrorAction SilentlyContinue)" }
    $base | Should -Not -Be 'http://127.0.0.1:0/'
    # Listening as soon as it says so: the first request needs no retry.
    $http.GetAsync("${base}healthz").GetAwaiter().GetResult().IsSuccessStatusCode | Should -BeTrue

    function Invoke-Zone([string] $Method, [string] $Path, [string] $Token, [string] $Json) {
        $msg = [System.Net.Http.HttpRequestMessage]::new([System.Net.Http.HttpMethod]::new($Method), $base + $Path.TrimStart('/'))
        if ($Token) { $null = $msg.Headers.TryAddWithoutValidation('X-Zone-Token', $Token) }
        if ($Json) { $msg.Content = [System.Net.Http.StringContent]::new($Json, [System.Text.Encoding]::UTF8, 'application/json') }
        $resp = $http.SendAsync($msg).GetAwaiter().GetResult()
        $bytes = $resp.Content.ReadAsByteArrayAsync().GetAwaiter().GetResult()
        [pscustomobject]@{
            Status      = [int]$resp.StatusCode
            ContentType = $resp.Content.Headers.ContentType.MediaType
            Disposition = $($v = $null; if ($resp.Content.Headers.TryGetValues('Content-Disposition', [ref]$v)) { $v -join ', ' })
            Length      = $resp.Content.Headers.ContentLength
            Bytes       = $bytes
            Json        = $(if ($resp.Content.Headers.ContentType.MediaType -eq 'application/json') { [System.Text.Encoding]::UTF8.GetString($bytes) | ConvertFrom-Json })
        }
    }
    function New-Token([long] $AgentId = 42, [string] $Secret = $demo.ZoneSecret) {
        New-CxpaZoneToken -Secret $Secret -Audience $demo.Audience -UserId $demo.UserId -AgentId $AgentId -AsPlainText
    }
    $script:token = New-Token
}

AfterAll {
    if ($script:http) { $http.Dispose() }
    if ($script:server -and -not $server.HasExited) { $server.Kill($true); $null = $server.WaitForExit(10000) }
    Stop-CxpaTestEmulator $script:emu
    Remove-Item -LiteralPath $script:log, "$($script:log).err" -ErrorAction SilentlyContinue
}

Describe 'examples/ZoneServer.ps1 over HTTP' {
    It 'POST /api/runs starts a run for the signed-in user and answers 201 with its id' {
        $r = Invoke-Zone POST '/api/runs' $token '{"url":"https://example.com"}'
        $r.Status | Should -Be 201
        $r.Json.runId | Should -BeGreaterThan 0
        $row = Invoke-CxpaTestEmulatorApi -Emulator $emu -Path "_emulator/runs/$($r.Json.runId)"
        $row.created_by | Should -Be $demo.UserId
        $row.input_data.url | Should -Be 'https://example.com'
        $script:runId = $r.Json.runId
    }

    It 'GET /api/runs/{id} reads that run as JSON' {
        $r = Invoke-Zone GET "/api/runs/$runId" $token
        $r.Status | Should -Be 200
        $r.ContentType | Should -Be 'application/json'
        $r.Json.RunId | Should -Be $runId
        $r.Json.AgentId | Should -Be 42
        $r.Json.Status | Should -BeIn 'queued', 'running', 'completed'
    }

    It 'GET /api/runs/{id} of a run the platform does not have answers 404 JSON' {
        $r = Invoke-Zone GET '/api/runs/999999' $token
        $r.Status | Should -Be 404
        $r.Json.error | Should -BeLike '*999999*'
    }

    It 'GET /api/report streams the file of a file-output agent to the browser' {
        $null = Invoke-CxpaTestEmulatorApi -Emulator $emu -Path '_emulator/requests' -Method Delete
        $r = Invoke-Zone GET '/api/report' (New-Token -AgentId 43)
        $r.Status | Should -Be 200
        # The platform's headers, forwarded before the first byte: its type, its file name and its length.
        $r.ContentType | Should -Be 'application/pdf'
        $r.Disposition | Should -Be "attachment; filename=`"q3-report.pdf`"; filename*=UTF-8''q3-report.pdf"
        $r.Length | Should -Be 262144
        # Agent 43's whole file (q3-report.pdf, 256 KiB), through the zone trigger-and-download endpoint.
        $r.Bytes.Length | Should -Be 262144
        $download = @(Get-CxpaTestRequest -Emulator $emu | Where-Object { $_.path -eq '/api/zones/agents/43/runs/trigger-and-download' })
        $download.Count | Should -Be 1
    }

    It 'answers 401 JSON with the reason, without the token, when <Case>' -ForEach @(
        @{ Case = 'no token is sent'; Kind = 'none'; Reason = 'Empty' }
        @{ Case = 'the token is forged'; Kind = 'forged'; Reason = 'BadSignature' }
        @{ Case = 'the token is not a JWT'; Kind = 'junk'; Reason = 'Malformed' }
    ) {
        $bad = switch ($Kind) {
            'none' { $null }
            'forged' { New-Token -Secret 'not-the-zone-secret-but-long-enough-000' }
            'junk' { 'not.a-token' }
        }
        $before = Get-CxpaTestRequestCount -Emulator $emu
        $before | Should -BeGreaterThan 0
        $r = Invoke-Zone POST '/api/runs' $bad '{}'
        $r.Status | Should -Be 401
        $r.Json.error | Should -BeLike "*$Reason*"
        if ($bad) { [System.Text.Encoding]::UTF8.GetString($r.Bytes) | Should -Not -BeLike "*$bad*" }
        # Nothing reached the platform.
        Get-CxpaTestRequestCount -Emulator $emu | Should -Be $before
    }

    It 'answers 404 JSON for an unknown route' {
        $r = Invoke-Zone GET '/api/nothing' $token
        $r.Status | Should -Be 404
        $r.Json.error | Should -Be 'not found'
    }

    It 'never writes a token to its log' {
        $text = (Get-Content -Raw $log -ErrorAction SilentlyContinue) + (Get-Content -Raw "$log.err" -ErrorAction SilentlyContinue)
        $text | Should -BeLike '*POST /api/runs -> 201*'
        $text | Should -Not -BeLike "*$($token.Split('.')[2])*"
        $text | Should -Not -BeLike "*$($demo.ZoneSecret)*"
    }
}
