# Keys from credentials (Connect-Cxpa -Credential / -AgentCredential: the password is the key, as an automation credential
# asset or Get-Secret gives it), the wait budget -WaitTimeoutSeconds (alias -TimeoutSec) of Start-CxpaRun -Wait and
# Wait-CxpaRun, and the RecommendedAction of ConnectionFailed errors.
BeforeAll {
    Import-Module "$PSScriptRoot/Support/CxpaTest.psm1" -Force
    $script:emu = Start-CxpaTestEmulator
    Import-Module Cxpa
    $script:key = (Get-CxpaTestDemo).IngestKey
    $script:agent48Key = ((Invoke-CxpaTestEmulatorApi -Emulator $emu -Path '_emulator/demo').agents | Where-Object id -eq 48).agentApiKey

    function New-TestCredential([string] $Password, [string] $UserName = 'cxpa') {
        $secure = [securestring]::new()
        foreach ($c in $Password.ToCharArray()) { $secure.AppendChar($c) }
        [pscredential]::new($UserName, $secure)
    }
    # Platform API requests the emulator received (its control surface aside).
    function Get-ApiRequestCount {
        @((Invoke-CxpaTestEmulatorApi -Emulator $emu -Path '_emulator/requests').requests | Where-Object { $_.path -notlike '/_emulator*' }).Count
    }
}
AfterAll {
    Disconnect-Cxpa
    Stop-CxpaTestEmulator $script:emu
}

Describe 'Connect-Cxpa -Credential and -AgentCredential' {
    BeforeEach { $script:savedEnv = Clear-CxpaTestEnvironment }
    AfterEach { Restore-CxpaTestEnvironment $savedEnv }

    It '-Credential makes an ingest connection from the password (the user name is ignored): a run completes' {
        Connect-Cxpa -BaseUrl $emu.Url -Credential (New-TestCredential $key -UserName 'automation-asset-user')
        $c = Get-CxpaConnection
        $c.AuthKind | Should -Be 'IngestApiKey'
        $c.Source | Should -Be 'Connect-Cxpa'
        $run = Start-CxpaRun -AgentId 42 -InputObject @{ url = 'https://example.com' } -Wait -WaitTimeoutSeconds 60 -ErrorVariable errs
        $errs.Count | Should -Be 0
        $run.Status | Should -Be 'completed'
        $run.Output.echo.url | Should -Be 'https://example.com'
    }

    It '-Credential with a wrong password reaches the platform with that key (Unauthorized)' {
        Connect-Cxpa -BaseUrl $emu.Url -Credential (New-TestCredential 'cxpa_not_the_key_5e1d')
        $out = @(Start-CxpaRun -AgentId 42 -ErrorVariable errs -ErrorAction SilentlyContinue)
        $out.Count | Should -Be 0
        $errs[0].FullyQualifiedErrorId | Should -BeLike 'Unauthorized,*'
        "$($errs[0]) $($errs[0].ErrorDetails.Message)" | Should -Not -Match 'cxpa_not_the_key_5e1d'
    }

    It 'never shows the password: Out-String, Format-List *, ConvertTo-Json, and the verbose streams of Connect-Cxpa and a run' {
        $c = Connect-Cxpa -BaseUrl $emu.Url -Credential (New-TestCredential $key) -PassThru -Verbose 4>&1 | Tee-Object -Variable all |
            Where-Object { $_ -is [Cxpa.CxpaConnection] }
        $verbose = @($all | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] })
        $verbose.Count | Should -BeGreaterThan 0
        $runVerbose = @(Start-CxpaRun -Connection $c -AgentId 42 -Verbose 4>&1 | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] })
        $runVerbose.Count | Should -BeGreaterThan 0
        $texts = @(
            ($c | Out-String -Width 300)
            ($c | Format-List * | Out-String -Width 300)
            ($c | ConvertTo-Json -Depth 5)
            ($verbose | Out-String -Width 300)
            ($runVerbose | Out-String -Width 300)
            ([string]$c)
        )
        foreach ($t in $texts) { $t | Should -Not -Match ([regex]::Escape($key)) }
        ($c | Format-List * | Out-String) | Should -Match 'IngestApiKey'
    }

    It 'an empty password is a terminating EmptyCredentialPassword error, and nothing is stored or sent' {
        $null = Invoke-CxpaTestEmulatorApi -Emulator $emu -Path '_emulator/requests' -Method Delete
        $err = $null
        try { Connect-Cxpa -BaseUrl $emu.Url -Credential (New-TestCredential '') } catch { $err = $_ }
        $err | Should -Not -BeNullOrEmpty
        $err.FullyQualifiedErrorId | Should -Be 'EmptyCredentialPassword,Cxpa.PowerShell.Cmdlets.ConnectCxpaCommand'
        $err.CategoryInfo.Category | Should -Be 'InvalidArgument'
        $err.ErrorDetails.Message | Should -Match '-Credential'
        $err.ErrorDetails.Message | Should -Match 'ingest API key'
        Get-CxpaConnection | Should -BeNullOrEmpty
        Get-ApiRequestCount | Should -Be 0
    }

    It '-AgentCredential makes a runtime connection with -RunId: Send-CxpaRunEvent needs no key' {
        $run = Start-CxpaRun -BaseUrl $emu.Url -IngestApiKey $key -AgentId 48
        Connect-Cxpa -BaseUrl $emu.Url -AgentCredential (New-TestCredential $agent48Key) -RunId $run.RunId
        $c = Get-CxpaConnection
        $c.AuthKind | Should -Be 'AgentApiKey'
        $c.RunId | Should -Be $run.RunId
        $result = Send-CxpaRunEvent -Started
        $result.Status | Should -Be 'running'
        ($c | Format-List * | Out-String) | Should -Not -Match ([regex]::Escape($agent48Key))
    }

    It 'an empty -AgentCredential password is EmptyCredentialPassword naming -AgentCredential' {
        { Connect-Cxpa -BaseUrl $emu.Url -AgentCredential (New-TestCredential '') -RunId 1000 } |
            Should -Throw -ErrorId 'EmptyCredentialPassword,Cxpa.PowerShell.Cmdlets.ConnectCxpaCommand' -ExpectedMessage '*-AgentCredential*agent API key*'
        Get-CxpaConnection | Should -BeNullOrEmpty
    }
}

Describe '-WaitTimeoutSeconds, the wait budget (alias -TimeoutSec)' {
    BeforeAll {
        Disconnect-Cxpa
        $script:conn = Connect-Cxpa -BaseUrl $emu.Url -IngestApiKey $key -PassThru
        Disconnect-Cxpa
    }

    It 'is the parameter of Start-CxpaRun and Wait-CxpaRun, with TimeoutSec as its alias' {
        foreach ($name in 'Start-CxpaRun', 'Wait-CxpaRun') {
            $p = (Get-Command $name).Parameters
            $p.ContainsKey('WaitTimeoutSeconds') | Should -BeTrue
            $p.WaitTimeoutSeconds.Aliases | Should -Contain 'TimeoutSec'
        }
    }

    It 'Start-CxpaRun -Wait -WaitTimeoutSeconds on a long run: the run is output with RunWaitTimeout' {
        $out = @(Start-CxpaRun -Connection $conn -AgentId 47 -Wait -WaitTimeoutSeconds 1 -ErrorVariable errs -ErrorAction SilentlyContinue)
        $out.Count | Should -Be 1
        $out[0].Status | Should -BeIn 'queued', 'running'
        $errs.Count | Should -Be 1
        $errs[0].FullyQualifiedErrorId | Should -Be 'RunWaitTimeout,Cxpa.PowerShell.Cmdlets.StartCxpaRunCommand'
    }

    It 'Start-CxpaRun -Wait -TimeoutSec (the alias) works the same' {
        $out = @(Start-CxpaRun -Connection $conn -AgentId 47 -Wait -TimeoutSec 1 -ErrorVariable errs -ErrorAction SilentlyContinue)
        $out.Count | Should -Be 1
        $errs.Count | Should -Be 1
        $errs[0].FullyQualifiedErrorId | Should -Be 'RunWaitTimeout,Cxpa.PowerShell.Cmdlets.StartCxpaRunCommand'
    }

    It 'Wait-CxpaRun -WaitTimeoutSeconds and -TimeoutSec both end the wait with RunWaitTimeout' {
        $run = Start-CxpaRun -Connection $conn -AgentId 47
        $a = @(Wait-CxpaRun -Connection $conn -AgentId 47 -RunId $run.RunId -WaitTimeoutSeconds 1 -ErrorVariable errsA -ErrorAction SilentlyContinue)
        $b = @(Wait-CxpaRun -Connection $conn -AgentId 47 -RunId $run.RunId -TimeoutSec 1 -ErrorVariable errsB -ErrorAction SilentlyContinue)
        foreach ($pair in @(@($a, $errsA), @($b, $errsB))) {
            $pair[0].Count | Should -Be 1
            $pair[0][0].RunId | Should -Be $run.RunId
            $pair[1].Count | Should -Be 1
            $pair[1][0].FullyQualifiedErrorId | Should -Be 'RunWaitTimeout,Cxpa.PowerShell.Cmdlets.WaitCxpaRunCommand'
        }
    }
}

Describe 'ConnectionFailed carries a RecommendedAction' {
    BeforeAll {
        $script:closedPort = New-CxpaTestClosedPort
        $script:closed = $script:closedPort.Url
    }
    AfterAll { $script:closedPort.Socket.Dispose() }

    It 'Start-CxpaRun to an unreachable host: check the URL; the request never reached the platform, so starting again is safe' {
        $out = @(Start-CxpaRun -BaseUrl $closed -IngestApiKey $key -AgentId 42 -MaximumRetryCount 0 -ErrorVariable errs -ErrorAction SilentlyContinue)
        $out.Count | Should -Be 0
        $errs.Count | Should -Be 1
        $errs[0].FullyQualifiedErrorId | Should -Be 'ConnectionFailed,Cxpa.PowerShell.Cmdlets.StartCxpaRunCommand'
        $action = $errs[0].ErrorDetails.RecommendedAction
        $action | Should -Match 'base URL'
        $action | Should -Match 'reachable'
        $action | Should -Match 'never reached the platform'
        $action | Should -Match 'no run was started'
        $action | Should -Not -Match 'may have reached'
        $action | Should -Not -Match 'Register-CxpaRun'
        $action | Should -Not -Match ([regex]::Escape($key))
    }

    It 'Get-CxpaRun to an unreachable host: check the URL and reachability, then retry (no trigger advice)' {
        $null = Get-CxpaRun -BaseUrl $closed -IngestApiKey $key -AgentId 42 -RunId 1000 -MaximumRetryCount 0 -ErrorVariable errs -ErrorAction SilentlyContinue
        $errs.Count | Should -Be 1
        $errs[0].FullyQualifiedErrorId | Should -Be 'ConnectionFailed,Cxpa.PowerShell.Cmdlets.GetCxpaRunCommand'
        $action = $errs[0].ErrorDetails.RecommendedAction
        $action | Should -Match 'base URL'
        $action | Should -Match 'proxy'
        $action | Should -Not -Match 'Register-CxpaRun'
    }
}
