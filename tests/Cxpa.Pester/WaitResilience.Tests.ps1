# Wait-CxpaRun rides out transient failures of its polls: the emulator answers the run GETs with faults, and the wait
# goes on until the run completes, a non-transient answer (404) ends it, or its -WaitTimeoutSeconds budget runs out.
BeforeAll {
    Import-Module "$PSScriptRoot/Support/CxpaTest.psm1" -Force
    $script:emu = Start-CxpaTestEmulator
    Import-Module Cxpa
    $script:key = (Get-CxpaTestDemo).IngestKey
    Disconnect-Cxpa
    Connect-Cxpa -BaseUrl $emu.Url -IngestApiKey $key

    function Add-Fault([string] $Spec) {
        $null = Invoke-CxpaTestEmulatorApi -Emulator $script:emu -Path '/_emulator/faults' -Method Post -Body @{ spec = $Spec }
    }
    function Get-FaultedRunGets([long] $RunId) {
        @((Invoke-CxpaTestEmulatorApi -Emulator $script:emu -Path '/_emulator/requests').requests |
            Where-Object { $_.method -eq 'GET' -and $_.path -like "/api/agents/*/runs/$RunId" -and $_.fault })
    }
}
AfterAll {
    Disconnect-Cxpa
    Stop-CxpaTestEmulator $script:emu
}
Describe 'Wait-CxpaRun through transient failures' {
    AfterEach {
        $null = Invoke-CxpaTestEmulatorApi -Emulator $emu -Path '/_emulator/faults' -Method Delete
    }

    It 'completes with no error record when the run GETs answer <status> <times> times' -TestCases @(
        # 503, 429 and 500 are retried per request (1 + 3 tries per poll): 8 of them fail two whole polls.
        @{ status = 503; times = 8 }, @{ status = 429; times = 8 }, @{ status = 500; times = 8 }
    ) {
        param($status, $times)
        $null = Invoke-CxpaTestEmulatorApi -Emulator $emu -Path '/_emulator/requests' -Method Delete
        Add-Fault "GET /api/agents/*/runs/*:Status:${times}:$status"
        $all = @(Start-CxpaRun -AgentId 42 -InputObject @{ n = $status } |
            Wait-CxpaRun -WaitTimeoutSeconds 60 -RetryIntervalSec 0 -ErrorVariable errs -Verbose 4>&1)
        $errs.Count | Should -Be 0
        $runs = @($all | Where-Object { $_ -isnot [System.Management.Automation.VerboseRecord] })
        $runs.Count | Should -Be 1
        $runs[0].Status | Should -Be 'completed'
        $runs[0].Output.echo.n | Should -Be $status
        (Get-FaultedRunGets $runs[0].RunId).Count | Should -Be $times
        $failed = @($all | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] -and $_.Message -like "Run $($runs[0].RunId): the poll failed ($status*" })
        $failed.Count | Should -BeGreaterOrEqual 2
        ($all | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] }).Message -join "`n" | Should -Not -Match ([regex]::Escape($key))
    }

    It 'ends at once with NotFound when a run GET answers 404' {
        $run = Start-CxpaRun -AgentId 42
        Add-Fault 'GET /api/agents/*/runs/*:Status:2:503'
        $null = Invoke-CxpaTestEmulatorApi -Emulator $emu -Path '/_emulator/faults' -Method Post -Body @{ route = 'GET /api/agents/*/runs/*'; kind = 'Status'; status = 404; count = 1 }
        $out = @($run | Wait-CxpaRun -WaitTimeoutSeconds 60 -RetryIntervalSec 0 -MaximumRetryCount 0 -ErrorVariable errs -ErrorAction SilentlyContinue)
        $out.Count | Should -Be 0
        $errs.Count | Should -Be 1
        $errs[0].FullyQualifiedErrorId | Should -BeLike 'NotFound,*'
        $errs[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
        $errs[0].TargetObject | Should -Be $run.RunId
    }

    It 'reports RunWaitTimeout when the failures last past -WaitTimeoutSeconds' {
        # Agent 48's runs stay queued; every GET of them fails until the budget runs out.
        $run = Start-CxpaRun -AgentId 48
        Add-Fault 'GET /api/agents/*/runs/*:Status:*:503'
        $out = @($run | Wait-CxpaRun -WaitTimeoutSeconds 3 -RetryIntervalSec 0 -ErrorVariable errs -ErrorAction SilentlyContinue)
        $out.Count | Should -Be 1
        $out[0].RunId | Should -Be $run.RunId
        $errs.Count | Should -Be 1
        $errs[0].FullyQualifiedErrorId | Should -BeLike 'RunWaitTimeout,*'
        $errs[0].TargetObject.RunId | Should -Be $run.RunId
    }
}
