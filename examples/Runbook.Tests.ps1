# Runbook.Tests.ps1: how to test your runbooks against the CXPA emulator with Pester 5. Copy it beside your runbook.
#
# Run it from the repository root, in pwsh with Pester 5:
#     Install-Module Pester -MinimumVersion 5.0 -Scope CurrentUser
#     Invoke-Pester ./examples/Runbook.Tests.ps1 -Output Detailed
# The module: the installed Cxpa when Get-Module -ListAvailable finds one (Install-PSResource Cxpa), else the one this
# repository stages in out/Cxpa (build it with: dotnet build src/Cxpa.PowerShell).
# The emulator: the one at $env:CXPA_EMULATOR_URL when it is set (e.g. a service container in CI); else BeforeAll starts
# one on a free port (the built src/Cxpa.Emulator dll when there is one, else dotnet run --project src/Cxpa.Emulator)
# and AfterAll stops it.
#
# The repository's Pester suite runs this file too (tests/Cxpa.Pester/Invoke-CxpaPester.ps1), so it is kept working.
# See docs/testing-runbooks.md.

BeforeAll {
    $repo = Split-Path -Parent $PSScriptRoot

    if (Get-Module -ListAvailable -Name Cxpa) { Import-Module Cxpa }
    else {
        $staged = Join-Path $repo 'out/Cxpa/Cxpa.psd1'
        if (-not (Test-Path -LiteralPath $staged)) { throw "Cxpa is not installed and not staged at ${staged}: run 'dotnet build src/Cxpa.PowerShell' first." }
        Import-Module $staged
    }

    # The emulator's demo secrets (docs/emulator.md): shared ingest key, zone secret and audience. Test-only values.
    $script:DemoIngestKey = 'cxpa_demo_ingest_key'
    $script:DemoZoneSecret = 'cxpa-demo-zone-secret-local-emulator-only-0001'
    $script:DemoAudience = 'cxpa-demo-zone'
    $script:DemoUserId = '00000000-0000-4000-8000-000000000000'

    $script:EmulatorProcess = $null
    $script:EmulatorLog = $null
    $url = $env:CXPA_EMULATOR_URL
    if (-not $url) {
        # Start one on a free port (--port 0); its first output line is "CXPA platform emulator listening on <url>".
        $dll = Get-ChildItem -Path (Join-Path $repo 'src/Cxpa.Emulator/bin/*/net*/Cxpa.Emulator.dll') -ErrorAction SilentlyContinue |
            Sort-Object LastWriteTime -Descending | Select-Object -First 1
        $arguments = if ($dll) { @($dll.FullName, '--port', '0') }
                     else { @('run', '--project', (Join-Path $repo 'src/Cxpa.Emulator'), '--', '--port', '0') }
        $script:EmulatorLog = Join-Path ([IO.Path]::GetTempPath()) ("cxpa-emulator-" + [guid]::NewGuid().ToString('N') + '.log')
        $script:EmulatorProcess = Start-Process -FilePath dotnet -ArgumentList $arguments -PassThru -NoNewWindow `
            -RedirectStandardOutput $script:EmulatorLog -RedirectStandardError "$($script:EmulatorLog).err"
        # dotnet run may build first: give it time.
        $deadline = (Get-Date).AddSeconds($(if ($dll) { 60 } else { 300 }))
        while (-not $url) {
            if ($script:EmulatorProcess.HasExited) { throw "The emulator exited with code $($script:EmulatorProcess.ExitCode) (log: $($script:EmulatorLog))." }
            if ((Get-Date) -gt $deadline) { throw "The emulator did not start in time (log: $($script:EmulatorLog))." }
            Start-Sleep -Milliseconds 100
            $line = Get-Content -LiteralPath $script:EmulatorLog -ErrorAction SilentlyContinue | Where-Object { $_ -match 'listening on (\S+)' } | Select-Object -First 1
            if ($line -and $line -match 'listening on (\S+)') { $url = $Matches[1] }
        }
    }
    # The control surface; it ends with '/' like the URL the emulator prints.
    $script:EmulatorUrl = $url.TrimEnd('/') + '/'

    # A service container may still be starting: wait until it answers /_emulator/health.
    $deadline = (Get-Date).AddSeconds(60)
    do {
        try { $ready = (Invoke-RestMethod -Uri "$($script:EmulatorUrl)_emulator/health" -TimeoutSec 2).ok } catch { $ready = $false }
        if (-not $ready) { Start-Sleep -Milliseconds 250 }
    } until ($ready -or (Get-Date) -gt $deadline)
    if (-not $ready) { throw "The emulator at $($script:EmulatorUrl) does not answer /_emulator/health." }

    # What the Automation account would provide; the previous values are restored in AfterAll.
    $script:SavedEnvironment = @{}
    $settings = @{
        CXPA_API_URL    = $script:EmulatorUrl
        CXPA_INGEST_KEY = $script:DemoIngestKey
        ZONE_JWT_SECRET = $script:DemoZoneSecret
        AUDIENCE_ID     = $script:DemoAudience
    }
    foreach ($name in $settings.Keys) {
        $script:SavedEnvironment[$name] = [Environment]::GetEnvironmentVariable($name)
        [Environment]::SetEnvironmentVariable($name, $settings[$name])
    }
    $script:Runbook = Join-Path $PSScriptRoot 'Runbook.ps1'
}

AfterAll {
    # Kill($true) ends the whole tree: 'dotnet run' and the emulator it started.
    if ($script:EmulatorProcess -and -not $script:EmulatorProcess.HasExited) {
        $script:EmulatorProcess.Kill($true)
        $null = $script:EmulatorProcess.WaitForExit(10000)
    }
    if ($script:EmulatorLog) { Remove-Item -LiteralPath $script:EmulatorLog, "$($script:EmulatorLog).err" -ErrorAction SilentlyContinue }
    if ($script:SavedEnvironment) {
        foreach ($name in $script:SavedEnvironment.Keys) { [Environment]::SetEnvironmentVariable($name, $script:SavedEnvironment[$name]) }
    }
}

Describe 'Runbook.ps1' {
    It 'runs the agent and returns its output' {
        $result = & $script:Runbook -AgentId 42 -InputObject @{ url = 'https://example.com' } -TimeoutSec 60

        $result.Status | Should -Be 'completed'
        $result.RunId | Should -BeGreaterThan 0
        $result.Summary | Should -Not -BeNullOrEmpty
    }

    It 'fails the job when the run fails (agent 45 always fails in the emulator)' {
        { & $script:Runbook -AgentId 45 -TimeoutSec 60 } | Should -Throw -ErrorId 'RunFailed*'
    }

    It 'reports an ineligible agent as AgentNotEligible' {
        { & $script:Runbook -AgentId 46 } | Should -Throw -ErrorId 'AgentNotEligible*'
    }

    It 'needs the platform URL' {
        $saved = $env:CXPA_API_URL
        try {
            $env:CXPA_API_URL = $null
            { & $script:Runbook } | Should -Throw '*CXPA_API_URL*'
        }
        finally { $env:CXPA_API_URL = $saved }
    }

    It 'fails the job with ServerError when the platform answers 503 (a fault injected through the control surface)' {
        # The next trigger-and-wait of agent 42 answers 503. A trigger is never resent (it may have acted), so the runbook
        # fails at once with the module's ServerError; the request log shows the one call that hit the fault.
        $null = Invoke-RestMethod -Method Delete -Uri "$($script:EmulatorUrl)_emulator/requests"
        $rule = @{ spec = 'POST /api/agents/42/runs/trigger-and-wait:Status:1:503' } | ConvertTo-Json
        $null = Invoke-RestMethod -Method Post -Uri "$($script:EmulatorUrl)_emulator/faults" -Body $rule -ContentType 'application/json'
        try {
            { & $script:Runbook -AgentId 42 -TimeoutSec 30 } | Should -Throw -ErrorId 'ServerError*'

            $log = (Invoke-RestMethod -Uri "$($script:EmulatorUrl)_emulator/requests").requests
            $triggers = @($log | Where-Object { $_.method -eq 'POST' -and $_.path -eq '/api/agents/42/runs/trigger-and-wait' })
            $triggers.Count | Should -Be 1
            $triggers[0].status | Should -Be 503
            $triggers[0].fault | Should -Not -BeNullOrEmpty
        }
        finally { $null = Invoke-RestMethod -Method Delete -Uri "$($script:EmulatorUrl)_emulator/faults" }
    }
}

Describe 'The emulator as a test double' {
    It 'records the run the runbook started' {
        $result = & $script:Runbook -AgentId 42 -InputObject @{ marker = 'pester' }
        $row = Invoke-RestMethod -Uri "$($script:EmulatorUrl)_emulator/runs/$($result.RunId)"

        $row.input_data.marker | Should -Be 'pester'
        $row.status | Should -Be 'completed'
    }

    It 'accepts zone tokens minted with the demo secret' {
        $token = New-CxpaZoneToken -UserId $script:DemoUserId -AgentId 42

        Test-CxpaZoneToken -Token $token | Should -BeTrue
        (Start-CxpaRun -ZoneToken $token -Wait).Status | Should -Be 'completed'
    }

    It 'forces a run to failed through the control surface' {
        # Agent 47 runs for 10 minutes: start a run, force it to failed, and a wait ends with RunFailed.
        $run = Start-CxpaRun -BaseUrl $script:EmulatorUrl -IngestApiKey $script:DemoIngestKey -AgentId 47
        $body = @{ status = 'failed'; error = 'Disk full (forced by the test)' } | ConvertTo-Json
        $null = Invoke-RestMethod -Method Post -Uri "$($script:EmulatorUrl)_emulator/runs/$($run.RunId)/status" -Body $body -ContentType 'application/json'

        $err = { Wait-CxpaRun -BaseUrl $script:EmulatorUrl -IngestApiKey $script:DemoIngestKey -AgentId 47 -RunId $run.RunId -TimeoutSec 30 -ErrorAction Stop } |
            Should -Throw -ErrorId 'RunFailed*' -PassThru
        "$err" | Should -BeLike '*Disk full (forced by the test)*'
    }
}
