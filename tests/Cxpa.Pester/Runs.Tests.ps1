# Start-CxpaRun, Wait-CxpaRun and Get-CxpaRun as a user sees them: the run objects and their default views, pipelines,
# the ErrorRecords of failed, ineligible and unknown runs and of a wrong key, -WhatIf, and bad input refused before sending.
BeforeAll {
    Import-Module "$PSScriptRoot/Support/CxpaTest.psm1" -Force
    . "$PSScriptRoot/Support/CxpaTest.Runs.ps1"
    $script:emu = Start-CxpaTestEmulator
    Import-Module Cxpa
    $script:key = (Get-CxpaTestDemo).IngestKey
    $script:keyPattern = [regex]::Escape($key)
    Disconnect-Cxpa
    $script:conn = Connect-Cxpa -BaseUrl $emu.Url -IngestApiKey $key -PassThru
    Disconnect-Cxpa
}
AfterAll { Stop-CxpaTestEmulator $script:emu }

Describe 'Start-CxpaRun' {
    It 'without -Wait outputs the queued run as a Cxpa.Run and sends the input' {
        $run = Start-CxpaRun -Connection $conn -AgentId 42 -InputObject @{ url = 'https://example.com'; depth = 2 }
        @($run).Count | Should -Be 1
        $run.PSObject.TypeNames[0] | Should -Be 'Cxpa.Run'
        $run.RunId | Should -BeGreaterOrEqual 1000
        $run.Id | Should -Be $run.RunId
        $run.AgentId | Should -Be 42
        $run.Status | Should -BeIn 'queued', 'running'
        $row = Invoke-CxpaTestEmulatorApi -Emulator $emu -Path "/_emulator/runs/$($run.RunId)"
        $row.agent_id | Should -Be 42
        $row.input_data.url | Should -Be 'https://example.com'
        $row.input_data.depth | Should -Be 2
    }

    It 'with -Wait outputs the completed run with its output, times and duration' {
        $run = Start-CxpaRun -Connection $conn -AgentId 42 -InputObject @{ topic = 'q3' } -Wait -ErrorVariable errs
        $errs.Count | Should -Be 0
        @($run).Count | Should -Be 1
        $run.PSObject.TypeNames[0] | Should -Be 'Cxpa.Run'
        $run.Status | Should -Be 'completed'
        $run.Output.echo.topic | Should -Be 'q3'
        $run.Output.summary | Should -Not -BeNullOrEmpty
        $run.CreatedAt | Should -BeOfType ([DateTimeOffset])
        $run.CompletedAt | Should -BeGreaterOrEqual $run.CreatedAt
        $run.Duration | Should -BeOfType ([TimeSpan])
        $run.Duration.TotalMilliseconds | Should -BeGreaterThan 0
        $run.Error | Should -BeNullOrEmpty
        $run.IsTerminal | Should -BeTrue
    }

    It 'starts one run per hashtable from the pipeline, and Wait-CxpaRun takes them all by property name' {
        $started = @(1..3 | ForEach-Object { @{ n = $_ } } | Start-CxpaRun -Connection $conn -AgentId 42)
        $started.Count | Should -Be 3
        @($started.RunId | Select-Object -Unique).Count | Should -Be 3
        foreach ($i in 0..2) {
            (Invoke-CxpaTestEmulatorApi -Emulator $emu -Path "/_emulator/runs/$($started[$i].RunId)").input_data.n | Should -Be ($i + 1)
        }
        $done = @($started | Wait-CxpaRun -Connection $conn -ErrorVariable errs)
        $errs.Count | Should -Be 0
        $done.Count | Should -Be 3
        $done.Status | Should -Be @('completed', 'completed', 'completed')
        ($done.RunId | Sort-Object) | Should -Be ($started.RunId | Sort-Object)
        ($done | ForEach-Object { $_.Output.echo.n } | Sort-Object) | Should -Be @(1, 2, 3)
    }

    It 'takes JSON text of an object and a PSCustomObject as input, from the pipeline too' {
        $a = Start-CxpaRun -Connection $conn -AgentId 42 -InputObject '{"a": 1}'
        $b = [pscustomobject]@{ b = 'x'; nested = @{ c = @(1, 2) } } | Start-CxpaRun -Connection $conn -AgentId 42
        $c = '{"c": 3}' | Start-CxpaRun -Connection $conn -AgentId 42
        (Invoke-CxpaTestEmulatorApi -Emulator $emu -Path "/_emulator/runs/$($a.RunId)").input_data.a | Should -Be 1
        $rowB = Invoke-CxpaTestEmulatorApi -Emulator $emu -Path "/_emulator/runs/$($b.RunId)"
        $rowB.input_data.b | Should -Be 'x'
        @($rowB.input_data.nested.c) | Should -Be @(1, 2)
        (Invoke-CxpaTestEmulatorApi -Emulator $emu -Path "/_emulator/runs/$($c.RunId)").input_data.c | Should -Be 3
    }
}

Describe 'Wait-CxpaRun and Get-CxpaRun' {
    It 'Wait-CxpaRun -Any returns the run that finished first and leaves the long one without output or error' {
        $long = Start-CxpaRun -Connection $conn -AgentId 47
        $short = Start-CxpaRun -Connection $conn -AgentId 42
        $first = @($long, $short | Wait-CxpaRun -Connection $conn -Any -ErrorVariable errs)
        $errs.Count | Should -Be 0
        $first.Count | Should -Be 1
        $first[0].RunId | Should -Be $short.RunId
        $first[0].Status | Should -Be 'completed'
        (Get-CxpaRun -Connection $conn -AgentId 47 -RunId $long.RunId).Status | Should -BeIn 'queued', 'running'
    }

    It 'Get-CxpaRun reads a -RunId array in input order, and runs from the pipeline' {
        $r1 = Start-CxpaRun -Connection $conn -AgentId 42 -Wait
        $r2 = Start-CxpaRun -Connection $conn -AgentId 42 -Wait
        $byArray = @(Get-CxpaRun -Connection $conn -AgentId 42 -RunId $r2.RunId, $r1.RunId)
        $byArray.RunId | Should -Be @($r2.RunId, $r1.RunId)
        $byArray | ForEach-Object { $_.PSObject.TypeNames[0] | Should -Be 'Cxpa.Run' }
        $byArray.Status | Should -Be @('completed', 'completed')
        $byPipe = @($r1, $r2 | Get-CxpaRun -Connection $conn)
        $byPipe.RunId | Should -Be @($r1.RunId, $r2.RunId)
        $byPipe.AgentId | Should -Be @(42, 42)
    }

    It 'Get-CxpaRun writes NotFound for an unknown run id, with the id as TargetObject, and still reads the others' {
        $known = Start-CxpaRun -Connection $conn -AgentId 42 -Wait
        $out = @(Get-CxpaRun -Connection $conn -AgentId 42 -RunId 987654, $known.RunId -ErrorVariable errs -ErrorAction SilentlyContinue)
        $out.Count | Should -Be 1
        $out[0].RunId | Should -Be $known.RunId
        $errs.Count | Should -Be 1
        $errs[0].FullyQualifiedErrorId | Should -Be 'NotFound,Cxpa.PowerShell.Cmdlets.GetCxpaRunCommand'
        $errs[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
        $errs[0].TargetObject | Should -Be 987654
        $errs[0].ErrorDetails.Message | Should -Match '987654'
    }

    It 'Wait-CxpaRun writes NotFound for an unknown run id' {
        $out = @(Wait-CxpaRun -Connection $conn -AgentId 42 -RunId 987655 -ErrorVariable errs -ErrorAction SilentlyContinue)
        $out.Count | Should -Be 0
        $errs.Count | Should -Be 1
        $errs[0].FullyQualifiedErrorId | Should -BeLike 'NotFound,*'
        $errs[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
        $errs[0].TargetObject | Should -Be 987655
    }

    It 'Get-CxpaRun outputs a failed run without a RunFailed error (it reports state)' {
        $failed = Start-CxpaRun -Connection $conn -AgentId 45 -Wait -ErrorAction SilentlyContinue
        $read = Get-CxpaRun -Connection $conn -AgentId 45 -RunId $failed.RunId -ErrorVariable errs
        $errs.Count | Should -Be 0
        $read.Status | Should -Be 'failed'
        $read.Error | Should -Match 'Upstream site unreachable'
    }
}

Describe 'the default views of a run' {
    BeforeAll {
        $script:done = Start-CxpaRun -Connection $conn -AgentId 42 -Wait
        $script:failed = Start-CxpaRun -Connection $conn -AgentId 45 -Wait -ErrorAction SilentlyContinue
    }

    It 'is a table with RunId, AgentId, Status, Duration, Created and Error' {
        $lines = @(($done | Out-String -Width 200) -split "`r?`n" | Where-Object { $_.Trim() })
        $lines[0] | Should -Match '^RunId\s+AgentId\s+Status\s+Duration\s+Created\s+Error\s*$'
        $lines[2] | Should -Match ("^\s*{0}\s+42\s+completed\s+\d+\.\ds\s+\d{{4}}-\d\d-\d\d \d\d:\d\d:\d\d\s*$" -f $done.RunId)
        $lines.Count | Should -Be 3
        $lines[2] | Should -Match ([regex]::Escape($done.CreatedAt.LocalDateTime.ToString('yyyy-MM-dd HH:mm:ss')))
    }

    It 'shows a failed run''s error in the Error column, one row per run in Format-Table' {
        $lines = @(($done, $failed | Format-Table | Out-String -Width 200) -split "`r?`n" | Where-Object { $_.Trim() })
        $lines.Count | Should -Be 4
        $lines[3] | Should -Match ("^\s*{0}\s+45\s+failed\s+.*Upstream site unreachable" -f $failed.RunId)
    }

    It 'has a list view with the output' {
        $text = $done | Format-List | Out-String -Width 200
        foreach ($label in 'RunId', 'AgentId', 'Status', 'ExternalRunId', 'CreatedAt', 'StartedAt', 'CompletedAt', 'Duration', 'Outputs', 'Output', 'Error') {
            $text | Should -Match "(?m)^$label\s+:"
        }
        $text | Should -Match "(?m)^Status\s+: completed\s*$"
        $text | Should -Match "(?m)^RunId\s+: $($done.RunId)\s*$"
        $text | Should -Not -Match '(?m)^Input\s+:'
    }
}

Describe 'errors from the platform' {
    It 'agent 45: the failed run is output with a RunFailed error that names the run' {
        $run = Start-CxpaRun -Connection $conn -AgentId 45 -Wait -ErrorVariable errs -ErrorAction SilentlyContinue
        @($run).Count | Should -Be 1
        $run.Status | Should -Be 'failed'
        $errs.Count | Should -Be 1
        $e = $errs[0]
        $e.FullyQualifiedErrorId | Should -BeLike 'RunFailed*'
        $e.FullyQualifiedErrorId | Should -Be 'RunFailed,Cxpa.PowerShell.Cmdlets.StartCxpaRunCommand'
        $e.CategoryInfo.Category | Should -Be 'InvalidResult'
        $e.TargetObject.RunId | Should -Be $run.RunId
        $e.TargetObject.PSObject.TypeNames[0] | Should -Be 'Cxpa.Run'
        $e.Exception.Message | Should -Match "\b$($run.RunId)\b"
        $e.Exception.Message | Should -Match 'Upstream site unreachable'
        $e | Get-CxpaTestAllText | Should -Not -Match $keyPattern
    }

    It 'with -ErrorAction Stop the RunFailed error throws and catch sees its FullyQualifiedErrorId' {
        $caught = $null
        $reached = $false
        try {
            $null = Start-CxpaRun -Connection $conn -AgentId 45 -Wait -ErrorAction Stop
            $reached = $true
        }
        catch { $caught = $_ }
        $reached | Should -BeFalse
        $caught.FullyQualifiedErrorId | Should -BeLike 'RunFailed,*'
        $caught.TargetObject.Status | Should -Be 'failed'
    }

    It 'Wait-CxpaRun writes RunFailed for a failed run too' {
        $queued = Start-CxpaRun -Connection $conn -AgentId 45
        $run = $queued | Wait-CxpaRun -Connection $conn -ErrorVariable errs -ErrorAction SilentlyContinue
        $run.Status | Should -Be 'failed'
        $errs.Count | Should -Be 1
        $errs[0].FullyQualifiedErrorId | Should -Be 'RunFailed,Cxpa.PowerShell.Cmdlets.WaitCxpaRunCommand'
        $errs[0].TargetObject.RunId | Should -Be $queued.RunId
    }

    It 'agent 46: AgentNotEligible (PermissionDenied), no run output, the input as TargetObject' {
        $in = @{ url = 'https://example.com' }
        $out = @(Start-CxpaRun -Connection $conn -AgentId 46 -InputObject $in -ErrorVariable errs -ErrorAction SilentlyContinue)
        $out.Count | Should -Be 0
        $errs.Count | Should -Be 1
        $errs[0].FullyQualifiedErrorId | Should -Be 'AgentNotEligible,Cxpa.PowerShell.Cmdlets.StartCxpaRunCommand'
        $errs[0].CategoryInfo.Category | Should -Be 'PermissionDenied'
        $errs[0].TargetObject.url | Should -Be 'https://example.com'
        $errs[0].ErrorDetails.Message | Should -Match 'agent 46'
        $errs[0].ErrorDetails.Message | Should -Match 'agent_not_eligible'
        $errs[0].ErrorDetails.RecommendedAction | Should -Not -BeNullOrEmpty
        $errs[0] | Get-CxpaTestAllText | Should -Not -Match $keyPattern
    }

    It 'a wrong key: Unauthorized (AuthenticationError), and no key in any text' {
        $wrong = 'cxpa_wrong_key_7f3a'
        # Every stream, verbose and debug included, as one text: the key is in none of them.
        $streams = Start-CxpaRun -BaseUrl $emu.Url -IngestApiKey $wrong -AgentId 42 -Verbose -Debug -ErrorAction SilentlyContinue *>&1 | Out-String -Width 500
        $streams | Should -Not -Match $wrong
        $out = @(Start-CxpaRun -BaseUrl $emu.Url -IngestApiKey $wrong -AgentId 42 -ErrorVariable errs -ErrorAction SilentlyContinue)
        $out.Count | Should -Be 0
        $errs.Count | Should -Be 1
        $errs[0].FullyQualifiedErrorId | Should -Be 'Unauthorized,Cxpa.PowerShell.Cmdlets.StartCxpaRunCommand'
        $errs[0].CategoryInfo.Category | Should -Be 'AuthenticationError'
        $all = $errs[0] | Get-CxpaTestAllText
        $all | Should -Not -Match $wrong
        $all | Should -Not -Match $keyPattern
        $last = @(Get-CxpaTestRequest $emu)[-1]
        $last.path | Should -Be '/api/agents/42/runs/trigger'
        $last.status | Should -Be 401
    }

    It 'a wrong key with -ErrorAction Stop throws Unauthorized into catch' {
        $caught = $null
        try { Get-CxpaRun -BaseUrl $emu.Url -IngestApiKey 'cxpa_wrong_key_7f3a' -AgentId 42 -RunId 1000 -ErrorAction Stop } catch { $caught = $_ }
        $caught.FullyQualifiedErrorId | Should -Be 'Unauthorized,Cxpa.PowerShell.Cmdlets.GetCxpaRunCommand'
        $caught.CategoryInfo.Category | Should -Be 'AuthenticationError'
    }
}

Describe '-WhatIf' {
    It 'prints a What if line naming the operation and the input''s key names, never the key or values, and sends nothing' {
        $before = Get-CxpaTestRequestCount $emu
        $child = Invoke-CxpaTestPwsh -Environment @{ CXPA_API_URL = $emu.Url; CXPA_INGEST_KEY = $key } -Script @'
Import-Module Cxpa
$r = Start-CxpaRun -AgentId 42 -InputObject @{ url = 'https://value-not-shown.example'; depth = 2 } -WhatIf
"output count: $(@($r).Count)"
'@
        $child.ExitCode | Should -Be 0
        $child.Errors.Trim() | Should -BeNullOrEmpty
        $text = $child.Output -join "`n"
        $whatIf = @($child.Output | Where-Object { $_ -like 'What if:*' })
        $whatIf.Count | Should -Be 1
        $whatIf[0] | Should -Match 'Start a run of agent 42'
        $whatIf[0] | Should -Match 'POST api/agents/42/runs/trigger'
        $whatIf[0] | Should -Match '\burl\b'
        $whatIf[0] | Should -Match '\bdepth\b'
        $text | Should -Not -Match 'value-not-shown'
        $text | Should -Not -Match $keyPattern
        $text | Should -Match 'output count: 0'
        Get-CxpaTestRequestCount $emu | Should -Be $before
    }

    It 'names trigger-and-wait with -Wait, and sends nothing in this process either' {
        $before = Get-CxpaTestRequestCount $emu
        $child = Invoke-CxpaTestPwsh -Script ('Import-Module Cxpa; Start-CxpaRun -BaseUrl ''{0}'' -IngestApiKey $env:CXPA_TEST_KEY -AgentId 42 -Wait -WhatIf' -f $emu.Url) `
            -Environment @{ CXPA_TEST_KEY = $key }
        $child.ExitCode | Should -Be 0
        @($child.Output | Where-Object { $_ -like 'What if:*POST api/agents/42/runs/trigger-and-wait with no input*' }).Count | Should -Be 1
        ($child.Output -join "`n") + $child.Errors | Should -Not -Match $keyPattern
        $out = @(Start-CxpaRun -Connection $conn -AgentId 42 -WhatIf)
        $out.Count | Should -Be 0
        Get-CxpaTestRequestCount $emu | Should -Be $before
    }
}

Describe 'bad input is refused before anything is sent' {
    BeforeEach { $script:before = Get-CxpaTestRequestCount $emu }
    AfterEach { Get-CxpaTestRequestCount $emu | Should -Be $before }

    It 'refuses -AgentId <AgentId> at binding' -ForEach @(@{ AgentId = 0 }, @{ AgentId = -5 }) {
        { Start-CxpaRun -Connection $conn -AgentId $AgentId } |
            Should -Throw -ErrorId 'ParameterArgumentValidationError,Cxpa.PowerShell.Cmdlets.StartCxpaRunCommand'
    }

    It 'refuses -RunId 0 for Get-CxpaRun and Wait-CxpaRun at binding' {
        { Get-CxpaRun -Connection $conn -AgentId 42 -RunId 0 } | Should -Throw -ErrorId 'ParameterArgumentValidationError,*'
        { Wait-CxpaRun -Connection $conn -AgentId 42 -RunId 5, 0 } | Should -Throw -ErrorId 'ParameterArgumentValidationError,*'
    }

    It 'refuses <Name> as -InputObject with a non-terminating InvalidInput error' -ForEach @(
        @{ Name = 'a number'; Value = 42 }
        @{ Name = 'a JSON array'; Value = '[1,2]' }
        @{ Name = 'text that is not JSON'; Value = 'not json' }
        @{ Name = 'a Process object'; Value = 'process' }
    ) {
        $in = if ($Value -eq 'process') { Get-Process -Id $PID } else { $Value }
        $out = @(Start-CxpaRun -Connection $conn -AgentId 42 -InputObject $in -ErrorVariable errs -ErrorAction SilentlyContinue)
        $out.Count | Should -Be 0
        $errs.Count | Should -Be 1
        $errs[0].FullyQualifiedErrorId | Should -Be 'InvalidInput,Cxpa.PowerShell.Cmdlets.StartCxpaRunCommand'
        $errs[0].CategoryInfo.Category | Should -Be 'InvalidArgument'
        $errs[0].Exception.Message | Should -Match '-InputObject'
    }

    It 'a bad input in a pipeline fails alone: the good ones still start' {
        $out = @(@{ ok = 1 }, 42, @{ ok = 2 } | Start-CxpaRun -Connection $conn -AgentId 42 -ErrorVariable errs -ErrorAction SilentlyContinue)
        $errs.Count | Should -Be 1
        $errs[0].FullyQualifiedErrorId | Should -BeLike 'InvalidInput,*'
        $out.Count | Should -Be 2
        $script:before += 2
    }

    It 'refuses a missing -AgentId with MissingAgentId for an ingest key' {
        { Start-CxpaRun -Connection $conn } | Should -Throw -ErrorId 'MissingAgentId,Cxpa.PowerShell.Cmdlets.StartCxpaRunCommand'
    }
}
