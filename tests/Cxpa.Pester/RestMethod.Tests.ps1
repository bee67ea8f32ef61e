# Invoke-CxpaRestMethod against the emulator: objects out (-Raw for the text), the body under the plain-data policy,
# -WhatIf, retries by method, typed errors, and what is refused before anything is sent (paths that leave the platform,
# authorization headers, header values with line breaks). No secret in any stream.
BeforeAll {
    Import-Module "$PSScriptRoot/Support/CxpaTest.psm1" -Force
    . "$PSScriptRoot/Support/CxpaTest.Runs.ps1"
    $script:emu = Start-CxpaTestEmulator
    Import-Module Cxpa
    $script:key = (Get-CxpaTestDemo).IngestKey
    Disconnect-Cxpa
    $script:conn = Connect-Cxpa -BaseUrl $emu.Url -IngestApiKey $key -PassThru
    Disconnect-Cxpa
    function Add-Fault([string] $Spec) { $null = Invoke-CxpaTestEmulatorApi -Emulator $emu -Path '/_emulator/faults' -Method Post -Body @{ spec = $Spec } }
}
AfterAll { Stop-CxpaTestEmulator $script:emu }

Describe 'Invoke-CxpaRestMethod' {
    AfterEach { $null = Invoke-CxpaTestEmulatorApi -Emulator $emu -Path '/_emulator/faults' -Method Delete }

    It 'a POST starts a run and a GET reads it back as objects; -Raw gives the text' {
        $answer = Invoke-CxpaRestMethod -Connection $conn -Method Post -Path 'api/agents/42/runs/trigger' -Body @{ input = @{ q = 'rest' } }
        $answer.runId | Should -BeGreaterOrEqual 1000
        $row = Invoke-CxpaRestMethod -Connection $conn -Path "/api/agents/42/runs/$($answer.runId)"
        $row | Should -BeOfType [pscustomobject]
        $row.id | Should -Be $answer.runId
        $row.input_data.q | Should -Be 'rest'
        $text = Invoke-CxpaRestMethod -Connection $conn -Path "api/agents/42/runs/$($answer.runId)" -Raw
        $text | Should -BeOfType [string]
        ($text | ConvertFrom-Json).id | Should -Be $answer.runId
    }

    It '-WhatIf shows the method, path and body keys and sends nothing' {
        $before = Get-CxpaTestRequestCount $emu
        $child = Invoke-CxpaTestPwsh -Environment @{ CXPA_API_URL = $emu.Url; CXPA_INGEST_KEY = $key } -Script @'
Import-Module Cxpa
Invoke-CxpaRestMethod -Method Post -Path 'api/agents/42/runs/trigger' -Body @{ input = @{ secretValue = 's3cr3t' } } -WhatIf
'@
        $child.ExitCode | Should -Be 0
        $whatIf = @($child.Output | Where-Object { $_ -like 'What if:*' })
        $whatIf.Count | Should -Be 1
        $whatIf[0] | Should -Match 'POST api/agents/42/runs/trigger with'
        $whatIf[0] | Should -Match 'input'
        ($child.Output -join "`n") | Should -Not -Match 's3cr3t'
        Get-CxpaTestRequestCount $emu | Should -Be $before
    }

    It 'a 404 is a NotFound error record with the path as target' {
        $r = Invoke-CxpaRestMethod -Connection $conn -Path 'api/agents/42/runs/999999' -ErrorVariable errs -ErrorAction SilentlyContinue
        $r | Should -BeNullOrEmpty
        $errs[0].FullyQualifiedErrorId | Should -Be 'NotFound,Cxpa.PowerShell.Cmdlets.InvokeCxpaRestMethodCommand'
        $errs[0].TargetObject | Should -Be 'api/agents/42/runs/999999'
        $errs[0].Exception | Should -BeOfType [Cxpa.CxpaApiException]
    }

    It 'a GET is retried on 503; a POST is not retried on 500' {
        Add-Fault 'GET /api/agents/*/runs/*:Status:2:503'
        (Invoke-CxpaRestMethod -Connection $conn -Path 'api/agents/42/runs/1000' -RetryIntervalSec 0).id | Should -Be 1000
        Add-Fault 'POST /api/agents/*/runs/trigger:Status:1:500'
        $null = Invoke-CxpaRestMethod -Connection $conn -Method Post -Path 'api/agents/42/runs/trigger' -Body @{ input = @{} } -RetryIntervalSec 0 -ErrorVariable errs -ErrorAction SilentlyContinue
        $errs[0].FullyQualifiedErrorId | Should -Be 'ServerError,Cxpa.PowerShell.Cmdlets.InvokeCxpaRestMethodCommand'
    }

    It 'refuses a path that would leave the platform: <path>' -TestCases @(
        @{ path = 'https://evil.example/steal' }, @{ path = '//evil.example/steal' }, @{ path = 'api/../../x' }, @{ path = 'mailto:x@y' }
    ) {
        param($path)
        { Invoke-CxpaRestMethod -Connection $conn -Path $path } | Should -Throw -ErrorId 'InvalidPath,Cxpa.PowerShell.Cmdlets.InvokeCxpaRestMethodCommand'
    }

    It 'refuses authorization headers and header values with line breaks, naming the header, never the value' {
        { Invoke-CxpaRestMethod -Connection $conn -Path 'api/agents/42/runs/1000' -Headers @{ Authorization = 'Bearer other' } } |
            Should -Throw -ErrorId 'InvalidHeaders,Cxpa.PowerShell.Cmdlets.InvokeCxpaRestMethodCommand'
        $err = $null
        try { Invoke-CxpaRestMethod -Connection $conn -Path 'api/agents/42/runs/1000' -Headers @{ 'x-trace' = "a`r`nX-Injected: 1" } } catch { $err = $_ }
        $err.FullyQualifiedErrorId | Should -Be 'InvalidHeaderValue,Cxpa.PowerShell.Cmdlets.InvokeCxpaRestMethodCommand'
        "$err" | Should -Match 'x-trace'
        "$err" | Should -Not -Match 'X-Injected'
    }

    It 'refuses a body that is not plain data before sending' {
        $null = Invoke-CxpaRestMethod -Connection $conn -Method Post -Path 'api/agents/42/runs/trigger' -Body @{ input = @{ p = (Get-Process -Id $PID) } } -ErrorVariable errs -ErrorAction SilentlyContinue
        $errs[0].FullyQualifiedErrorId | Should -Be 'InvalidInput,Cxpa.PowerShell.Cmdlets.InvokeCxpaRestMethodCommand'
    }

    It 'never shows the key in any stream' {
        $all = Invoke-CxpaRestMethod -BaseUrl $emu.Url -IngestApiKey $key -Path 'api/agents/42/runs/1000' -Verbose -Debug *>&1 | Out-String
        $all | Should -Not -Match ([regex]::Escape($key))
    }
}
