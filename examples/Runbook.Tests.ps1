# Runbook.Tests.ps1: how to test your runbooks against the CXPA platform emulator with Pester 5. Copy it beside your runbook.
#
# All it needs comes from the PowerShell Gallery, in PowerShell 7.4 or later:
#     Install-Module Cxpa, Cxpa.Emulator, Pester -Scope CurrentUser
#     Invoke-Pester ./Runbook.Tests.ps1 -Output Detailed
# BeforeAll starts an emulator inside this pwsh (Start-CxpaEmulator: a free port, no process to manage) with the agent
# ids your runbook really uses, and AfterAll stops it. Get-CxpaEmulatorRequest shows what the runbook sent.
#
# The repository's Pester suite runs this file too (tests/Cxpa.Pester/Invoke-CxpaPester.ps1), against both modules
# installed by name, so it is kept working. See docs/testing-runbooks.md.

BeforeAll {
    Import-Module Cxpa, Cxpa.Emulator

    # The demo agents (42 completes, 45 fails, 46 refuses external triggers, 47 runs for 10 minutes) and one of ours:
    # agent 7001 as the runbook's real agent would answer.
    $script:Emulator = Start-CxpaEmulator -Agent @{ Id = 7001; Output = @{ summary = 'Quarterly numbers are in.' } }

    # What the Automation account would provide; the previous values are restored in AfterAll.
    $script:SavedEnvironment = @{}
    $settings = @{
        CXPA_API_URL    = $script:Emulator.Url
        CXPA_INGEST_KEY = $script:Emulator.IngestApiKey
        AUDIENCE_ID     = $script:Emulator.Audience
    }
    foreach ($name in $settings.Keys) {
        $script:SavedEnvironment[$name] = [Environment]::GetEnvironmentVariable($name)
        [Environment]::SetEnvironmentVariable($name, $settings[$name])
    }
    $script:Runbook = Join-Path $PSScriptRoot 'Runbook.ps1'
}

AfterAll {
    Stop-CxpaEmulator -Emulator $script:Emulator
    foreach ($name in $script:SavedEnvironment.Keys) { [Environment]::SetEnvironmentVariable($name, $script:SavedEnvironment[$name]) }
}

Describe 'Runbook.ps1' {
    It 'runs its agent and returns the output' {
        $result = & $script:Runbook -AgentId 7001 -InputObject @{ url = 'https://example.com' } -TimeoutSec 60

        $result.Status | Should -Be 'completed'
        $result.Summary | Should -Be 'Quarterly numbers are in.'
    }

    It 'triggers the agent once, with the input it was given' {
        $before = @(Get-CxpaEmulatorRequest -Emulator $script:Emulator -Method POST -Path '/api/agents/7001/runs/*').Count
        $null = & $script:Runbook -AgentId 7001 -InputObject @{ marker = 'pester' }

        $calls = @(Get-CxpaEmulatorRequest -Emulator $script:Emulator -Method POST -Path '/api/agents/7001/runs/*')
        $calls.Count | Should -Be ($before + 1)
        $calls[-1].Body.input.marker | Should -Be 'pester'
        $calls[-1].Headers.Authorization | Should -Be '<redacted>'
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

    It 'fails the job with ServerError when the platform answers 503' {
        # The next trigger-and-wait of agent 7001 answers 503. A trigger is never resent (it may have acted), so the
        # runbook fails at once with the module's ServerError; the request log shows the one call that hit the fault.
        Add-CxpaEmulatorFault -Emulator $script:Emulator -Spec 'POST /api/agents/7001/runs/trigger-and-wait:Status:1:503'
        try {
            { & $script:Runbook -AgentId 7001 -TimeoutSec 30 } | Should -Throw -ErrorId 'ServerError*'

            $hit = @(Get-CxpaEmulatorRequest -Emulator $script:Emulator -Method POST -Path '/api/agents/7001/runs/trigger-and-wait' |
                Where-Object Fault)
            $hit.Count | Should -Be 1
            $hit[0].Status | Should -Be 503
        }
        finally { Clear-CxpaEmulatorFault -Emulator $script:Emulator }
    }
}

Describe 'The emulator as a test double' {
    It 'accepts zone tokens minted with its secret' {
        $token = New-CxpaZoneToken -Secret $script:Emulator.ZoneSecret -UserId '00000000-0000-4000-8000-000000000000' -AgentId 42

        Test-CxpaZoneToken -Token $token -Secret $script:Emulator.ZoneSecret | Should -BeTrue
        (Start-CxpaRun -ZoneToken $token -Wait).Status | Should -Be 'completed'
    }

    It 'rides out two 503s on a read' {
        $run = Start-CxpaRun -AgentId 42
        Add-CxpaEmulatorFault -Emulator $script:Emulator -Spec "GET /api/agents/42/runs/$($run.RunId):Status:2:503"

        (Wait-CxpaRun -AgentId 42 -RunId $run.RunId -TimeoutSec 60).Status | Should -Be 'completed'
        (Get-CxpaEmulatorRequest -Emulator $script:Emulator -Method GET -Path "/api/agents/42/runs/$($run.RunId)" |
            Where-Object Status -eq 503).Count | Should -Be 2
    }
}
