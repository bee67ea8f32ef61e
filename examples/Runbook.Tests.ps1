# Runbook.Tests.ps1: how to test your runbooks against the CXPA emulator with Pester 5.
#
# NOTE: Pester is not reachable from the build machine of this repository, so this file is NOT run in CI (the C# tests
# in tests/Cxpa.PowerShell.Tests run the examples in a hosted engine instead). It is an example for your own pipelines:
#     Install-Module Pester -MinimumVersion 5.0 -Scope CurrentUser
#     dotnet build src/Cxpa.PowerShell            # stages the module in out/Cxpa
#     Invoke-Pester ./examples/Runbook.Tests.ps1 -Output Detailed
#
# BeforeAll starts the emulator (dotnet run --project src/Cxpa.Emulator) as a background process, or uses one that is
# already running when $env:CXPA_EMULATOR_URL is set (e.g. a service container in CI).

BeforeAll {
    $repo = Split-Path -Parent $PSScriptRoot
    Import-Module (Join-Path $repo 'out/Cxpa/Cxpa.psd1') -Force

    # The emulator's demo secrets (src/Cxpa.Emulator/EmulatorConfig.cs): shared ingest key, zone secret and audience.
    $script:DemoIngestKey = 'cxpa_demo_ingest_key'
    $script:DemoZoneSecret = 'cxpa-demo-zone-secret-local-emulator-only-0001'
    $script:DemoAudience = 'cxpa-demo-zone'

    $script:EmulatorProcess = $null
    $url = $env:CXPA_EMULATOR_URL
    if (-not $url) {
        # Start our own on a free port and wait until it answers /_emulator/health.
        $listener = [System.Net.Sockets.TcpListener]::new([System.Net.IPAddress]::Loopback, 0)
        $listener.Start(); $port = $listener.LocalEndpoint.Port; $listener.Stop()
        $url = "http://127.0.0.1:$port/"
        $script:EmulatorProcess = Start-Process dotnet -PassThru -NoNewWindow `
            -ArgumentList @('run', '--project', (Join-Path $repo 'src/Cxpa.Emulator'), '--', '--port', $port) `
            -RedirectStandardOutput (Join-Path ([IO.Path]::GetTempPath()) "cxpa-emulator-$port.log")
        $deadline = (Get-Date).AddSeconds(60)
        do {
            Start-Sleep -Milliseconds 500
            try { $ready = (Invoke-RestMethod -Uri "$url/_emulator/health" -TimeoutSec 2).ok } catch { $ready = $false }
        } until ($ready -or (Get-Date) -gt $deadline)
        if (-not $ready) { throw "The emulator did not start at $url (see the log in the temp folder)." }
    }

    # What the Automation account would provide.
    $env:CXPA_API_URL = $url
    $env:CXPA_INGEST_KEY = $script:DemoIngestKey
    $env:ZONE_JWT_SECRET = $script:DemoZoneSecret
    $env:AUDIENCE_ID = $script:DemoAudience
    $script:Runbook = Join-Path $PSScriptRoot 'Runbook.ps1'
}

AfterAll {
    # Kill($true) ends the whole tree: 'dotnet run' and the emulator it started.
    if ($script:EmulatorProcess -and -not $script:EmulatorProcess.HasExited) { $script:EmulatorProcess.Kill($true) }
    Remove-Item Env:CXPA_API_URL, Env:CXPA_INGEST_KEY, Env:ZONE_JWT_SECRET, Env:AUDIENCE_ID -ErrorAction SilentlyContinue
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
}

Describe 'The emulator as a test double' {
    It 'records the run the runbook started' {
        $result = & $script:Runbook -AgentId 42 -InputObject @{ marker = 'pester' }
        $row = Invoke-RestMethod -Uri "$($env:CXPA_API_URL.TrimEnd('/'))/_emulator/runs/$($result.RunId)"

        $row.input_data.marker | Should -Be 'pester'
        $row.status | Should -Be 'completed'
    }

    It 'accepts zone tokens minted with the demo secret' {
        $token = New-CxpaZoneToken -UserId '00000000-0000-4000-8000-000000000000' -AgentId 42

        Test-CxpaZoneToken -Token $token | Should -BeTrue
        (Start-CxpaRun -ZoneToken $token -Wait).Status | Should -Be 'completed'
    }
}
