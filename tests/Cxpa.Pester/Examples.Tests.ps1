# Every script in examples/ runs in the real pwsh, each in a fresh pwsh process, as a user runs it: Cxpa imported by
# name, $env:CXPA_API_URL, CXPA_INGEST_KEY, ZONE_JWT_SECRET and AUDIENCE_ID pointing at this file's emulator, the
# script's folder as location, Set-StrictMode -Version 3.0. (examples/Runbook.Tests.ps1 is a Pester file: the harness
# runs it as one of the suite's files.)

BeforeAll {
    Import-Module "$PSScriptRoot/Support/CxpaTest.psm1" -Force
    Import-Module Cxpa
    $script:emu = Start-CxpaTestEmulator
    $script:demo = Get-CxpaTestDemo
    $script:examples = Join-Path (Get-CxpaTestRoot) 'examples'

    function Invoke-Example {
        <# Runs $Script in a fresh pwsh with the examples' setting; returns ExitCode, Lines (stdout without ANSI styling) and Errors. #>
        param([Parameter(Mandatory)] [string] $Script, [hashtable] $Environment = @{})
        $preamble = @"
Import-Module Cxpa
Set-StrictMode -Version 3.0
Set-Location -LiteralPath '$($script:examples -replace "'", "''")'

"@
        $environment = @{
            CXPA_API_URL    = $script:emu.Url
            CXPA_INGEST_KEY = $script:demo.IngestKey
            ZONE_JWT_SECRET = $script:demo.ZoneSecret
            AUDIENCE_ID     = $script:demo.Audience
        } + $Environment
        $r = Invoke-CxpaTestPwsh -Script ($preamble + $Script) -Environment $environment
        [pscustomobject]@{
            ExitCode = $r.ExitCode
            # pwsh styles table headers and list labels even when its output is redirected.
            Lines    = @($r.Output | ForEach-Object { "$_" -replace "`e\[[0-9;]*m", '' })
            Errors   = $r.Errors
        }
    }

    # Serializes each output object as it is written ('OBJ <json>'), strings as 'TXT <text>': output written before a
    # terminating error is kept, as a job log keeps it.
    $script:Serialize = "| ForEach-Object { if (`$_ -is [string]) { 'TXT ' + `$_ } else { 'OBJ ' + (`$_ | ConvertTo-Json -Compress -Depth 5) } }"
    function Get-Objects($Result) { @($Result.Lines | Where-Object { $_ -like 'OBJ *' } | ForEach-Object { $_.Substring(4) | ConvertFrom-Json }) }
    function Get-Texts($Result) { @($Result.Lines | Where-Object { $_ -like 'TXT *' } | ForEach-Object { $_.Substring(4) }) }
    function Get-EmulatorRun([long] $Id) { Invoke-CxpaTestEmulatorApi -Emulator $script:emu -Path "_emulator/runs/$Id" }
    function Get-EmulatorRequests { (Invoke-CxpaTestEmulatorApi -Emulator $script:emu -Path '_emulator/requests').requests }
}

AfterAll { Stop-CxpaTestEmulator $script:emu }

Describe 'examples/Quickstart.ps1' {
    BeforeAll { $script:qs = Invoke-Example '& ./Quickstart.ps1' }

    It 'exits 0 with nothing on stderr' {
        $qs.Errors | Should -BeNullOrEmpty
        $qs.ExitCode | Should -Be 0
    }

    It 'prints the outcome of each step' {
        $lines = $qs.Lines
        $lines -match '^Run \d+ is completed: Web summarizer: run \d+ completed\.$' | Should -Not -BeNullOrEmpty
        $lines | Should -Contain '3 of 3 runs completed'
        $lines | Where-Object { $_ -like '*failed: Upstream site unreachable*' -and $_ -like '*RunFailed*' } | Should -Not -BeNullOrEmpty
        $lines -match '^Saved q3-report\.pdf \(262144 bytes, application/pdf\) from run \d+$' | Should -Not -BeNullOrEmpty
        $lines -match '^Registered run (\d+) \(again: \1\); credentials token expires ' | Should -Not -BeNullOrEmpty
    }

    It 'prints the connection, the ingest results and the runs read back in pwsh''s default views' {
        $lines = $qs.Lines
        # Get-CxpaConnection: a table with the connection's columns and the emulator's URL.
        $header = @($lines | Where-Object { $_ -match '^BaseUrl\s+AuthKind\s+AgentId\s+RunId\s+Source\s*$' })
        $header.Count | Should -Be 1
        $at = [array]::IndexOf($lines, $header[0])
        $lines[$at + 1] | Should -Match '^-------\s+--------\s+-------\s+-----\s+------\s*$'
        $lines[$at + 2] | Should -Match ('^' + [regex]::Escape($emu.Url) + '\s+IngestApiKey\s+Connect-Cxpa\s*$')
        # Send-CxpaIngest: two lists, running then completed, for one new external run exec_<8 hex> of agent 44.
        @($lines | Where-Object { $_ -match '^AgentId\s+: 44$' }).Count | Should -Be 2
        $exec = @($lines | Where-Object { $_ -match '^ExternalRunId\s+: exec_[0-9a-f]{8}$' })
        $exec.Count | Should -Be 2
        @($exec | Select-Object -Unique).Count | Should -Be 1
        (@($lines -match '^Status\s+: ') -replace '^Status\s+: ', '') -join ',' | Should -Be 'running,completed'
        # Get-CxpaRun piped to ForEach-Object: the first run (completed) and the registered one (running until reported).
        (@($lines -match '^Run \d+: \w+$') -replace '^Run \d+: ', '') -join ',' | Should -Be 'completed,running'
    }

    It 'never prints the ingest key' {
        ($qs.Lines -join "`n") + $qs.Errors | Should -Not -BeLike "*$($demo.IngestKey)*"
    }

    It 'registered the external run once, with its metadata' {
        $reg = $qs.Lines -match '^Registered run \d+ ' | Select-Object -First 1
        $run = Get-EmulatorRun ([long]($reg -replace '^Registered run (\d+) .*', '$1'))
        $run.external_run_id | Should -Match '^scheduler-job-[0-9a-f]{8}$'
        $run.metadata.source | Should -Be 'quickstart'
        $run.agent_id | Should -Be 42
    }

    It 'runs a second time in the same process against the same platform (new external ids, no 409) and leaves no temporary folder' {
        $before = @(Get-ChildItem -LiteralPath ([System.IO.Path]::GetTempPath()) -Filter 'cxpa-quickstart-*' -Directory).FullName
        $twice = Invoke-Example '& ./Quickstart.ps1; & ./Quickstart.ps1'
        $twice.Errors | Should -BeNullOrEmpty
        $twice.ExitCode | Should -Be 0
        @($twice.Lines -match '^Registered run (\d+) \(again: \1\)').Count | Should -Be 2
        @($twice.Lines -match '^ExternalRunId\s+: exec_' | Select-Object -Unique).Count | Should -Be 2
        $after = @(Get-ChildItem -LiteralPath ([System.IO.Path]::GetTempPath()) -Filter 'cxpa-quickstart-*' -Directory).FullName
        @($after | Where-Object { $_ -notin $before }) | Should -BeNullOrEmpty
    }
}

Describe 'examples/Runbook.ps1' {
    It 'outputs one result for the completed run' {
        $r = Invoke-Example "& ./Runbook.ps1 $Serialize"
        $r.Errors | Should -BeNullOrEmpty
        $r.ExitCode | Should -Be 0
        $objects = Get-Objects $r
        $objects.Count | Should -Be 1
        $objects[0].AgentId | Should -Be 42
        $objects[0].Status | Should -Be 'completed'
        $objects[0].Summary | Should -Match '^Web summarizer: run \d+ completed\.$'
        $objects[0].RunId | Should -BeGreaterThan 0
        (Get-EmulatorRun $objects[0].RunId).input_data.url | Should -Be 'https://example.com'
    }

    It 'outputs the failure and fails the job when the run fails' {
        # The error is not caught: pwsh -File exits 1 and writes it to stderr (NormalView shows its FullyQualifiedErrorId).
        $r = Invoke-Example "`$ErrorView = 'NormalView'`n& ./Runbook.ps1 -AgentId 45 -InputObject @{ url = 'https://down.example.com' } -TimeoutSec 30 $Serialize"
        $r.ExitCode | Should -Be 1
        $r.Errors | Should -BeLike '*Upstream site unreachable*'
        $r.Errors | Should -Match 'FullyQualifiedErrorId : RunFailed,'
        $objects = Get-Objects $r
        $objects.Count | Should -Be 1
        $objects[0].Status | Should -Be 'failed'
        $objects[0].ErrorId | Should -Be 'RunFailed'
        $objects[0].Error | Should -BeLike '*Upstream site unreachable*'
        $objects[0].RunId | Should -BeGreaterThan 0
        (Get-EmulatorRun $objects[0].RunId).status | Should -Be 'failed'
    }
}

Describe 'examples/RuntimeRunbook.ps1' {
    It 'completes one run and reports the failure of the other' {
        $null = Invoke-CxpaTestEmulatorApi -Emulator $emu -Path '_emulator/requests' -Method Delete
        $r = Invoke-Example '& ./RuntimeRunbook.ps1'
        $r.Errors | Should -BeNullOrEmpty
        $r.ExitCode | Should -Be 0
        $lines = @($r.Lines | Where-Object { $_ })
        $lines.Count | Should -Be 3
        $lines[0] | Should -Match '^Run \d+: complete -> completed$'
        $lines[1] | Should -Match '^Run \d+: fail -> failed$'
        $lines[2] | Should -Match '^Platform says run \d+ is failed: The CRM export failed after 12 contacts \(simulated\)\.$'

        $run = Get-EmulatorRun ([long]($lines[0] -replace '^Run (\d+):.*', '$1'))
        $run.status | Should -Be 'completed'
        $run.agent_id | Should -Be 48
        $run.output_data.stage | Should -Be 'done'
        $run.outputs | Should -Be 2
        # The credential was resolved with the run's credentials token.
        Get-EmulatorRequests | Where-Object { $_.method -eq 'GET' -and $_.path -eq '/api/credentials/conn_hubspot/resolve' } | Should -Not -BeNullOrEmpty
    }

    It 'takes the trigger payload as its input' {
        # As on the platform: the payload (JSON) is the runbook's input.
        $started = Start-CxpaRun -BaseUrl $emu.Url -IngestApiKey $demo.IngestKey -AgentId 48 -InputObject @{ list = 'vip' }
        $payload = (Invoke-WebRequest -Uri "$($emu.Url.TrimEnd('/'))/_emulator/runs/$($started.RunId)/trigger-payload").Content

        $r = Invoke-Example '& ./RuntimeRunbook.ps1 -TriggerPayload $env:CXPA_TEST_TRIGGER_PAYLOAD' -Environment @{ CXPA_TEST_TRIGGER_PAYLOAD = $payload }
        $r.Errors | Should -BeNullOrEmpty
        $r.ExitCode | Should -Be 0
        $lines = @($r.Lines | Where-Object { $_ })
        $lines.Count | Should -Be 1
        $lines[0] | Should -Be "Run $($started.RunId): complete -> completed"
        (Get-EmulatorRun $started.RunId).status | Should -Be 'completed'
        $agent48 = (Invoke-CxpaTestEmulatorApi -Emulator $emu -Path '_emulator/runs?agentId=48').runs
        @($agent48 | Where-Object id -eq $started.RunId).Count | Should -Be 1
    }
}

Describe 'examples/ZoneBackend.ps1' {
    It 'answers a good request with the run and a forged one with 401' {
        $null = Invoke-CxpaTestEmulatorApi -Emulator $emu -Path '_emulator/requests' -Method Delete
        $r = Invoke-Example "& ./ZoneBackend.ps1 $Serialize"
        $r.Errors | Should -BeNullOrEmpty
        $r.ExitCode | Should -Be 0

        $responses = @(Get-Objects $r | Where-Object { $_.PSObject.Properties['StatusCode'] })
        $responses.Count | Should -Be 2
        $ok, $bad = $responses
        $ok.StatusCode | Should -Be 200
        $ok.Status | Should -Be 'completed'
        $ok.UserId | Should -Be $demo.UserId
        $ok.AgentId | Should -Be 42
        (Get-EmulatorRun $ok.RunId).created_by | Should -Be $demo.UserId
        $bad.StatusCode | Should -Be 401
        $bad.Error | Should -BeLike '*BadSignature*'

        $texts = Get-Texts $r
        $texts | Should -Contain "Request 1: 200, run $($ok.RunId) for user $($demo.UserId) is completed"
        $texts -like 'Request 2: 401, Unauthorized: *BadSignature*' | Should -Not -BeNullOrEmpty
        # The run went through the zone endpoints, uncached.
        $zone = @(Get-EmulatorRequests | Where-Object { $_.method -eq 'POST' -and $_.path -eq '/api/zones/agents/42/runs/trigger-and-wait' })
        $zone.Count | Should -Be 1
        $zone[0].cacheControl | Should -Be 'no-store'
        ($r.Lines -join "`n") | Should -Not -BeLike "*$($demo.ZoneSecret)*"
    }

    It 'prints the two responses in pwsh''s default view' {
        $r = Invoke-Example '& ./ZoneBackend.ps1'
        $r.Errors | Should -BeNullOrEmpty
        $r.ExitCode | Should -Be 0
        (@($r.Lines -match '^StatusCode\s+: ') -replace '^StatusCode\s+: ', '') -join ',' | Should -Be '200,401'
        $r.Lines -match '^Status\s+: completed$' | Should -Not -BeNullOrEmpty
        $r.Lines -match '^Request 1: 200, run \d+ for user ' | Should -Not -BeNullOrEmpty
    }
}
