# ForEach-Object -Parallel with Cxpa: a connection object passed in with $using: drives runs from several runspaces at
# once; the Connect-Cxpa default is one per process, so parallel runspaces use it; without one (and without the
# environment variables) each gets a clear MissingBaseUrl error instead of a crash.
BeforeAll {
    Import-Module "$PSScriptRoot/Support/CxpaTest.psm1" -Force
    . "$PSScriptRoot/Support/CxpaTest.Runs.ps1"
    $script:emu = Start-CxpaTestEmulator
    Import-Module Cxpa
    $script:key = (Get-CxpaTestDemo).IngestKey
    $script:envNames = 'CXPA_API_URL', 'CXPA_INGEST_KEY', 'PLATFORM_API_BASE_URL'
    foreach ($n in $envNames) { [Environment]::GetEnvironmentVariable($n) | Should -BeNullOrEmpty }
}
AfterAll {
    Disconnect-Cxpa
    Stop-CxpaTestEmulator $script:emu
}

Describe 'ForEach-Object -Parallel' {
    BeforeEach { Disconnect-Cxpa }

    It 'starts and waits 8 runs with -ThrottleLimit 4 through one -Connection: all complete, distinct ids, no errors' {
        $conn = Connect-Cxpa -BaseUrl $emu.Url -IngestApiKey $key -PassThru
        Disconnect-Cxpa
        $runs = @(1..8 | ForEach-Object -ThrottleLimit 4 -Parallel {
                Import-Module Cxpa
                Start-CxpaRun -Connection $using:conn -AgentId 42 -InputObject @{ n = $_ } -Wait
            } -ErrorVariable errs)
        $errs.Count | Should -Be 0
        $runs.Count | Should -Be 8
        $runs | ForEach-Object { $_.PSObject.TypeNames[0] | Should -Be 'Cxpa.Run' }
        $runs.Status | Select-Object -Unique | Should -Be 'completed'
        @($runs.RunId | Select-Object -Unique).Count | Should -Be 8
        ($runs | ForEach-Object { $_.Output.echo.n } | Sort-Object) | Should -Be (1..8)
        $logged = @(Get-CxpaTestRequest $emu | Where-Object { $_.path -eq '/api/agents/42/runs/trigger-and-wait' -and $_.status -eq 200 })
        $logged.Count | Should -BeGreaterOrEqual 8
    }

    It 'starts in parallel, then Wait-CxpaRun and Get-CxpaRun in other runspaces read the same runs' {
        $conn = Connect-Cxpa -BaseUrl $emu.Url -IngestApiKey $key -PassThru
        Disconnect-Cxpa
        $started = @(1..4 | ForEach-Object -ThrottleLimit 4 -Parallel {
                Import-Module Cxpa
                Start-CxpaRun -Connection $using:conn -AgentId 42 -InputObject @{ n = $_ }
            })
        $started.Count | Should -Be 4
        $done = @($started | ForEach-Object -ThrottleLimit 2 -Parallel {
                Import-Module Cxpa
                $_ | Wait-CxpaRun -Connection $using:conn
            } -ErrorVariable errs)
        $errs.Count | Should -Be 0
        ($done.RunId | Sort-Object) | Should -Be ($started.RunId | Sort-Object)
        $done.Status | Select-Object -Unique | Should -Be 'completed'
        $read = @(Get-CxpaRun -Connection $conn -AgentId 42 -RunId $started.RunId)
        $read.Status | Select-Object -Unique | Should -Be 'completed'
    }

    It 'a runspace without a connection or environment variables gets MissingBaseUrl per item, and sends nothing' {
        $before = Get-CxpaTestRequestCount $emu
        # ForEach-Object -Parallel takes no -ErrorAction: the caller's preference (here the default) decides.
        $ErrorActionPreference = 'Continue'
        $out = @(1..3 | ForEach-Object -ThrottleLimit 3 -Parallel {
                Import-Module Cxpa
                Start-CxpaRun -AgentId 42 -InputObject @{ n = $_ }
                "after $_"
            } -ErrorVariable errs 2>$null)
        $errs.Count | Should -Be 3
        foreach ($e in $errs) {
            $e.FullyQualifiedErrorId | Should -Be 'MissingBaseUrl,Cxpa.PowerShell.Cmdlets.StartCxpaRunCommand'
            $e.CategoryInfo.Category | Should -Be 'InvalidArgument'
            $e.Exception.Message | Should -Match 'Connect-Cxpa'
            $e | Get-CxpaTestAllText | Should -Not -Match ([regex]::Escape($key))
        }
        # The error ends the statement, not the runspace's script: each item goes on to its next line.
        ($out | Sort-Object) | Should -Be @('after 1', 'after 2', 'after 3')
        Get-CxpaTestRequestCount $emu | Should -Be $before
    }

    It 'with -ErrorAction Stop inside the runspace, its catch block sees MissingBaseUrl' {
        $out = @(1..2 | ForEach-Object -Parallel {
                Import-Module Cxpa
                try { Get-CxpaRun -AgentId 42 -RunId 1000 -ErrorAction Stop; 'not reached' }
                catch { "$($_.FullyQualifiedErrorId) | $($_.CategoryInfo.Category)" }
            } -ErrorVariable errs)
        $errs.Count | Should -Be 0
        $out | Should -Be @(
            'MissingBaseUrl,Cxpa.PowerShell.Cmdlets.GetCxpaRunCommand | InvalidArgument'
            'MissingBaseUrl,Cxpa.PowerShell.Cmdlets.GetCxpaRunCommand | InvalidArgument')
    }

    It 'Connect-Cxpa in the caller is the default of the parallel runspaces (one per process, as Connect-MgGraph)' {
        Connect-Cxpa -BaseUrl $emu.Url -IngestApiKey $key
        $out = @(1..4 | ForEach-Object -ThrottleLimit 4 -Parallel {
                Import-Module Cxpa
                $run = Start-CxpaRun -AgentId 42 -InputObject @{ n = $_ } -Wait
                [pscustomobject]@{ Source = (Get-CxpaConnection).Source; Status = $run.Status }
            } -ErrorVariable errs)
        $errs.Count | Should -Be 0
        $out.Source | Select-Object -Unique | Should -Be 'Connect-Cxpa'
        $out.Status | Select-Object -Unique | Should -Be 'completed'
        $out.Count | Should -Be 4
    }

    It 'Connect-Cxpa in a parallel runspace sets the process default; Disconnect-Cxpa in one clears it everywhere' {
        $null = 1 | ForEach-Object -Parallel { Import-Module Cxpa; Connect-Cxpa -BaseUrl $using:emu.Url -IngestApiKey $using:key }
        (Get-CxpaConnection).Source | Should -Be 'Connect-Cxpa'
        (Start-CxpaRun -AgentId 42 -Wait).Status | Should -Be 'completed'
        $null = 1 | ForEach-Object -Parallel { Import-Module Cxpa; Disconnect-Cxpa }
        @(Get-CxpaConnection).Count | Should -Be 0
        { Start-CxpaRun -AgentId 42 } | Should -Throw -ErrorId 'MissingBaseUrl,*'
    }
}
