# Habits of admins and runbooks, in the real pwsh against the installed module and an emulator process: run ids piped as
# numbers or objects with Id, a zone session piped into the run cmdlets, $PSDefaultParameterValues for the wait budget.

BeforeAll {
    Import-Module "$PSScriptRoot/Support/CxpaTest.psm1" -Force
    . "$PSScriptRoot/Support/CxpaTest.Runs.ps1"
    $script:emu = Start-CxpaTestEmulator
    Import-Module Cxpa
    $script:saved = Clear-CxpaTestEnvironment
    $script:d = Get-CxpaTestDemo
    $script:conn = Connect-Cxpa -BaseUrl $emu.Url -IngestApiKey $d.IngestKey -PassThru
    Disconnect-Cxpa
}
AfterAll {
    Restore-CxpaTestEnvironment $script:saved
    Stop-CxpaTestEmulator $script:emu
}

Describe 'Run ids from the pipeline' {
    BeforeAll {
        $script:r1 = Start-CxpaRun -Connection $conn -AgentId 42 -Wait
        $script:r2 = Start-CxpaRun -Connection $conn -AgentId 42 -Wait
    }

    It 'numbers bind by value: <Name> reads each, in input order' -ForEach @(
        @{ Name = 'Get-CxpaRun' }
        @{ Name = 'Wait-CxpaRun' }
    ) {
        $out = @($r2.RunId, $r1.RunId | & $Name -Connection $conn -AgentId 42 -ErrorVariable errs)
        $errs.Count | Should -Be 0
        $out.RunId | Should -Be @($r2.RunId, $r1.RunId)
        $out.Status | Select-Object -Unique | Should -Be 'completed'
    }

    It 'an object with Id (no RunId) binds by property name: <Name>' -ForEach @(
        @{ Name = 'Get-CxpaRun' }
        @{ Name = 'Wait-CxpaRun' }
    ) {
        $out = @([pscustomobject]@{ Id = $r1.RunId }, [pscustomobject]@{ Id = $r2.RunId } | & $Name -Connection $conn -AgentId 42 -ErrorVariable errs)
        $errs.Count | Should -Be 0
        $out.RunId | Should -Be @($r1.RunId, $r2.RunId)
    }

    It 'an object with RunId and AgentId still binds both (a run, a registration)' {
        $out = @($r1, [pscustomobject]@{ AgentId = 42; RunId = $r2.RunId } | Get-CxpaRun -Connection $conn)
        $out.RunId | Should -Be @($r1.RunId, $r2.RunId)
    }

    It 'a numeric string binds as a number; a word or 0 is a binding error, and nothing is read' {
        @("$($r1.RunId)" | Get-CxpaRun -Connection $conn -AgentId 42).RunId | Should -Be $r1.RunId
        $before = Get-CxpaTestRequestCount $emu
        $null = 'abc' | Get-CxpaRun -Connection $conn -AgentId 42 -ErrorVariable errs -ErrorAction SilentlyContinue
        $errs[0].FullyQualifiedErrorId | Should -BeLike 'InputObjectNotBound,*'
        $null = 0 | Get-CxpaRun -Connection $conn -AgentId 42 -ErrorVariable errs2 -ErrorAction SilentlyContinue
        $errs2[0].FullyQualifiedErrorId | Should -BeLike 'ParameterArgumentValidationError*'
        Get-CxpaTestRequestCount $emu | Should -Be $before
    }
}

Describe 'A zone session from Test-CxpaZoneToken -PassThru' {
    BeforeAll {
        $script:check = @{ Secret = $d.ZoneSecret; Audience = $d.Audience }
        $script:token = New-CxpaZoneToken @check -UserId $d.UserId -AgentId 42
        $script:session = Test-CxpaZoneToken -Token $token @check -PassThru
        $script:zoneRun = Start-CxpaRun -BaseUrl $emu.Url -ZoneToken $token -Wait
    }

    It '$session | Get-CxpaRun -RunId <id> reads through the zone endpoints with the session''s token, with no other connection' {
        $before = Get-CxpaTestRequestCount $emu
        $run = $session | Get-CxpaRun -BaseUrl $emu.Url -RunId $zoneRun.RunId -ErrorVariable errs
        $errs.Count | Should -Be 0
        $run.RunId | Should -Be $zoneRun.RunId
        $run.AgentId | Should -Be 42
        $new = @(Get-CxpaTestRequest $emu | Select-Object -Skip $before)
        $new.path | Should -Be @("/api/zones/agents/42/runs/$($zoneRun.RunId)")
    }

    It '$session | Wait-CxpaRun -RunId <id> waits through the zone endpoints' {
        $run = $session | Wait-CxpaRun -BaseUrl $emu.Url -RunId $zoneRun.RunId -WaitTimeoutSeconds 30
        $run.Status | Should -Be 'completed'
    }

    It '-ZoneToken takes the session itself' {
        (Get-CxpaRun -BaseUrl $emu.Url -ZoneToken $session -RunId $zoneRun.RunId).RunId | Should -Be $zoneRun.RunId
        (Start-CxpaRun -BaseUrl $emu.Url -ZoneToken $session -Wait).Status | Should -Be 'completed'
    }

    It 'a session whose token did not verify is refused at binding, naming the reason, and nothing is sent' {
        $bad = Test-CxpaZoneToken -Token $token -Secret 'another-zone-secret-that-is-long-enough-0002' -Audience $d.Audience -PassThru
        $bad.IsValid | Should -BeFalse
        $before = Get-CxpaTestRequestCount $emu
        $err = $null
        try { Get-CxpaRun -BaseUrl $emu.Url -ZoneToken $bad -RunId $zoneRun.RunId } catch { $err = $_ }
        $err.FullyQualifiedErrorId | Should -BeLike 'ParameterArgumentTransformationError*'
        $err.Exception.Message | Should -Match 'did not verify \(BadSignature\)'
        Get-CxpaTestRequestCount $emu | Should -Be $before
    }

    It 'a run input with a Token property is input, not a zone token (Start-CxpaRun does not bind -ZoneToken from the pipeline)' {
        (Get-Command Start-CxpaRun).Parameters['ZoneToken'].Attributes.Where({ $_ -is [Parameter] }).ValueFromPipelineByPropertyName | Should -Not -Contain $true
        $run = [pscustomobject]@{ Token = 'not-a-zone-token'; q = 1 } | Start-CxpaRun -Connection $conn -AgentId 42
        (Invoke-CxpaTestEmulatorApi -Emulator $emu -Path "/_emulator/runs/$($run.RunId)").input_data.Token | Should -Be 'not-a-zone-token'
    }
}

Describe '$PSDefaultParameterValues for the wait budget' {
    AfterEach { $PSDefaultParameterValues.Remove('*-Cxpa*:WaitTimeoutSeconds') }

    It 'a default of 30 s bounds the waits and leaves Start-CxpaRun without -Wait alone (a verbose line says it is ignored)' {
        $PSDefaultParameterValues['*-Cxpa*:WaitTimeoutSeconds'] = 30
        $run = Start-CxpaRun -Connection $conn -AgentId 42 -Verbose -ErrorVariable errs 4>&1 | Tee-Object -Variable all | Where-Object { $_ -is [Cxpa.Run] }
        $errs.Count | Should -Be 0
        $run.Status | Should -BeIn 'queued', 'running', 'completed'
        @($all | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] -and $_.Message -match '-WaitTimeoutSeconds 30 is ignored' }).Count | Should -Be 1
        (Wait-CxpaRun -Connection $conn -AgentId 42 -RunId $run.RunId).Status | Should -Be 'completed'
    }

    It 'an explicit -WaitTimeoutSeconds without -Wait starts the run too (no TimeoutWithoutWait)' {
        $run = Start-CxpaRun -Connection $conn -AgentId 42 -WaitTimeoutSeconds 5 -ErrorAction Stop
        $run.RunId | Should -BeGreaterThan 0
    }

    It 'the help of -WaitTimeoutSeconds names its real alias and warns that it is the whole wait budget' {
        foreach ($name in 'Start-CxpaRun', 'Wait-CxpaRun') {
            (Get-Command $name).Parameters['WaitTimeoutSeconds'].Aliases | Should -Be @('TimeoutSec')
            $text = (Get-Help $name -Parameter WaitTimeoutSeconds | Out-String) -replace '\s+', ' '
            $text | Should -Match 'alias -TimeoutSec is this whole wait budget, not the per-request timeout'
            $text | Should -Not -Match 'WaitTimeoutSeconds, its earlier name'
        }
    }
}

Describe 'One Connect-Cxpa for the whole process' {
    AfterEach { Disconnect-Cxpa }

    It 'a ThreadJob uses the caller''s Connect-Cxpa default, and sees Disconnect-Cxpa' {
        Connect-Cxpa -BaseUrl $emu.Url -IngestApiKey $d.IngestKey
        $job = Start-ThreadJob { Import-Module Cxpa; (Start-CxpaRun -AgentId 42 -Wait).Status; (Get-CxpaConnection).Source }
        $out = @($job | Wait-Job | Receive-Job -ErrorVariable errs)
        $job | Remove-Job
        $errs.Count | Should -Be 0
        $out | Should -Be @('completed', 'Connect-Cxpa')
        Disconnect-Cxpa
        $job = Start-ThreadJob { Import-Module Cxpa; @(Get-CxpaConnection).Count }
        ($job | Wait-Job | Receive-Job) | Should -Be 0
        $job | Remove-Job
    }

    It 'many runspaces connecting and reading at once always see a whole connection (no torn default, no errors)' {
        $out = @(1..8 | ForEach-Object -ThrottleLimit 8 -Parallel {
                Import-Module Cxpa
                foreach ($i in 1..20) {
                    Connect-Cxpa -BaseUrl $using:emu.Url -IngestApiKey $using:d.IngestKey
                    $c = Get-CxpaConnection
                    if ($c) { "$($c.Source) $($c.AuthKind) $($c.BaseUrl)" }
                }
            } -ErrorVariable errs)
        $errs.Count | Should -Be 0
        $out | Select-Object -Unique | Should -Be "Connect-Cxpa IngestApiKey $([uri]$emu.Url)"
    }

    It 'a connection passed to Start-Job (another process) is refused with how to connect there; the key never travels' {
        $conn = Connect-Cxpa -BaseUrl $emu.Url -IngestApiKey $d.IngestKey -PassThru
        $job = Start-Job { param($c) Import-Module Cxpa; Start-CxpaRun -Connection $c -AgentId 42 } -ArgumentList $conn
        $null = $job | Wait-Job -Timeout 120
        $null = $job | Receive-Job -ErrorVariable errs -ErrorAction SilentlyContinue
        $job | Remove-Job -Force
        $errs.Count | Should -Be 1
        $errs[0].FullyQualifiedErrorId | Should -BeLike 'ParameterArgumentTransformationError*'
        $msg = $errs[0].Exception.Message
        $msg | Should -Match 'copy from another process'
        $msg | Should -Match 'never serialized'
        $msg | Should -Match 'Connect-Cxpa'
        $msg | Should -Not -Match ([regex]::Escape($d.IngestKey))
    }

    It 'the serialized form of a connection (Start-Job, Export-Clixml) holds no secret' {
        $conn = Connect-Cxpa -BaseUrl $emu.Url -IngestApiKey $d.IngestKey -PassThru
        $xml = [System.Management.Automation.PSSerializer]::Serialize($conn, 5)
        $xml | Should -Not -Match ([regex]::Escape($d.IngestKey))
        $copy = [System.Management.Automation.PSSerializer]::Deserialize($xml)
        $err = $null
        try { Get-CxpaRun -Connection $copy -AgentId 42 -RunId 1000 } catch { $err = $_ }
        $err.Exception.Message | Should -Match 'copy from another process'
    }
}

Describe 'The heartbeat of long waits in a runbook (pwsh -NonInteractive -File)' {
    BeforeAll {
        # $env:CXPA_WAIT_HEARTBEAT_SECONDS (about_Cxpa) shortens the 30-second interval.
        function script:Invoke-Runbook([string] $WaitArguments) {
            $script = @"
`$ErrorActionPreference = 'Stop'
Import-Module Cxpa
Connect-Cxpa -BaseUrl '$($emu.Url)' -IngestApiKey '$($d.IngestKey)'
`$run = Start-CxpaRun -AgentId 47
'started ' + `$run.RunId
`$null = `$run | Wait-CxpaRun -WaitTimeoutSeconds 2 -ErrorAction SilentlyContinue $WaitArguments
'iv=' + @(`$iv).Count
"@
            Invoke-CxpaTestPwsh -Script $script -Environment @{ CXPA_WAIT_HEARTBEAT_SECONDS = '0.2' }
        }
    }

    It 'writes heartbeat lines to the runbook''s output, as Write-Host does' {
        $r = Invoke-Runbook '-InformationVariable iv'
        $r.ExitCode | Should -Be 0 -Because $r.Errors
        $id = ($r.Output | Where-Object { $_ -like 'started *' }) -replace 'started ', ''
        $beats = @($r.Output | Where-Object { $_ -match "^Run ${id}: \w+ \(\d+ s\)$" })
        $beats.Count | Should -BeGreaterOrEqual 2
        [int](($r.Output | Where-Object { $_ -like 'iv=*' }) -replace 'iv=', '') | Should -Be $beats.Count
        $r.Output -join "`n" | Should -Not -Match ([regex]::Escape($d.IngestKey))
    }

    It '-InformationAction decides: SilentlyContinue keeps them in -InformationVariable only, Ignore keeps them out of the output' {
        $quiet = Invoke-Runbook '-InformationAction SilentlyContinue -InformationVariable iv'
        $quiet.ExitCode | Should -Be 0 -Because $quiet.Errors
        @($quiet.Output | Where-Object { $_ -match '^Run \d+: ' }).Count | Should -Be 0
        [int](($quiet.Output | Where-Object { $_ -like 'iv=*' }) -replace 'iv=', '') | Should -BeGreaterOrEqual 2
        $ignored = Invoke-Runbook '-InformationAction Ignore'
        $ignored.ExitCode | Should -Be 0 -Because $ignored.Errors
        $ignored.Output | Where-Object { $_ -like 'started *' } | Should -Not -BeNullOrEmpty
        @($ignored.Output | Where-Object { $_ -match '^Run \d+: ' }).Count | Should -Be 0
    }
}
