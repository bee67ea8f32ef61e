# Save-CxpaRunOutput as a user sees it: agent 43's file (q3-report.pdf, application/pdf, 256 KiB) saved to a folder or to a
# given file, the FileInfo it outputs, no temporary file left behind, FileExists before sending, -Force, and the error for
# an agent that has no file output.
BeforeAll {
    Import-Module "$PSScriptRoot/Support/CxpaTest.psm1" -Force
    . "$PSScriptRoot/Support/CxpaTest.Runs.ps1"
    $script:emu = Start-CxpaTestEmulator
    Import-Module Cxpa
    $script:key = (Get-CxpaTestDemo).IngestKey
    Disconnect-Cxpa
    $script:conn = Connect-Cxpa -BaseUrl $emu.Url -IngestApiKey $key -PassThru
    Disconnect-Cxpa
    $script:size = 256 * 1024

    function Test-FilePattern {
        <# The emulator's file bytes: byte i is (i * 31 + 7) mod 256. Returns the first mismatching offset, or -1. #>
        param([string] $Path)
        $bytes = [System.IO.File]::ReadAllBytes($Path)
        for ($i = 0; $i -lt $bytes.Length; $i++) { if ($bytes[$i] -ne (($i * 31 + 7) % 256)) { return $i } }
        -1
    }
}
AfterAll { Stop-CxpaTestEmulator $script:emu }

Describe 'Save-CxpaRunOutput' {
    BeforeEach { $script:dir = New-CxpaTestFolder }
    AfterEach { Remove-Item -LiteralPath $dir -Recurse -Force -ErrorAction SilentlyContinue }

    It 'saves agent 43''s file into a folder under the platform''s name, and outputs it as a FileInfo with RunId, AgentId and ContentType' {
        $file = Save-CxpaRunOutput -Connection $conn -AgentId 43 -InputObject @{ topic = 'Q3' } -Path $dir -ErrorVariable errs
        $errs.Count | Should -Be 0
        @($file).Count | Should -Be 1
        $file | Should -BeOfType ([System.IO.FileInfo])
        $file.FullName | Should -Be (Join-Path $dir 'q3-report.pdf')
        $file.Name | Should -Be 'q3-report.pdf'
        $file.Length | Should -Be $size
        $file.ContentType | Should -Be 'application/pdf'
        $file.AgentId | Should -Be 43
        $file.RunId | Should -BeGreaterOrEqual 1000
        (Get-Item -LiteralPath $file.FullName).Length | Should -Be $size
        Test-FilePattern $file.FullName | Should -Be -1
        @(Get-ChildItem -LiteralPath $dir -Force).Name | Should -Be @('q3-report.pdf')
        $row = Invoke-CxpaTestEmulatorApi -Emulator $emu -Path "/_emulator/runs/$($file.RunId)"
        $row.agent_id | Should -Be 43
        $row.input_data.topic | Should -Be 'Q3'
    }

    It 'shows the file in the file system''s own view, as Get-Item does: its folder, size and name' {
        $file = Save-CxpaRunOutput -Connection $conn -AgentId 43 -Path $dir
        $file.PSPath | Should -Not -BeNullOrEmpty
        $text = $file | Out-String -Width 200
        $text | Should -Be (Get-Item -LiteralPath $file.FullName | Out-String -Width 200)
        $text | Should -Match ('Directory: ' + [regex]::Escape($dir))
        if ($IsWindows) { $text | Should -Match 'Mode\s+LastWriteTime\s+Length\s+Name' }
        else { $text | Should -Match 'UnixMode\s+User\s+Group\s+LastWriteTime\s+Size\s+Name' }
        $text | Should -Match "\s$size\s+q3-report\.pdf"
        $text | Should -Not -Match ([regex]::Escape($key))
    }

    It 'saves to an explicit -Path file under that name, leaving no temporary file' {
        $target = Join-Path $dir 'latest.pdf'
        $file = Save-CxpaRunOutput -Connection $conn -AgentId 43 -Path $target
        $file.FullName | Should -Be $target
        $file.Length | Should -Be $size
        Test-FilePattern $target | Should -Be -1
        @(Get-ChildItem -LiteralPath $dir -Force).Name | Should -Be @('latest.pdf')
        @(Get-ChildItem -LiteralPath $dir -Force -Filter '*.partial').Count | Should -Be 0
    }

    It 'an existing -Path file without -Force is FileExists (ResourceExists) before anything is sent' {
        $target = Join-Path $dir 'latest.pdf'
        Set-Content -LiteralPath $target -Value 'old' -NoNewline
        $before = Get-CxpaTestRequestCount $emu
        $err = $null
        try { Save-CxpaRunOutput -Connection $conn -AgentId 43 -Path $target } catch { $err = $_ }
        $err | Should -Not -BeNullOrEmpty
        $err.FullyQualifiedErrorId | Should -Be 'FileExists,Cxpa.PowerShell.Cmdlets.SaveCxpaRunOutputCommand'
        $err.CategoryInfo.Category | Should -Be 'ResourceExists'
        $err.TargetObject | Should -Be $target
        $err.Exception.Message | Should -Match '-Force'
        Get-CxpaTestRequestCount $emu | Should -Be $before
        Get-Content -LiteralPath $target -Raw | Should -Be 'old'
        @(Get-ChildItem -LiteralPath $dir -Force).Name | Should -Be @('latest.pdf')
    }

    It '-Force replaces an existing file with the whole new one' {
        $target = Join-Path $dir 'latest.pdf'
        Set-Content -LiteralPath $target -Value 'old' -NoNewline
        $file = Save-CxpaRunOutput -Connection $conn -AgentId 43 -Path $target -Force -ErrorVariable errs
        $errs.Count | Should -Be 0
        $file.Length | Should -Be $size
        (Get-Item -LiteralPath $target).Length | Should -Be $size
        Test-FilePattern $target | Should -Be -1
        @(Get-ChildItem -LiteralPath $dir -Force).Name | Should -Be @('latest.pdf')
    }

    It 'in a folder where the name exists, saves under a free name with a warning and leaves the old file alone' {
        Set-Content -LiteralPath (Join-Path $dir 'q3-report.pdf') -Value 'old' -NoNewline
        $file = Save-CxpaRunOutput -Connection $conn -AgentId 43 -Path $dir -WarningVariable warns -WarningAction SilentlyContinue
        $file.Name | Should -Be 'q3-report (1).pdf'
        $file.Length | Should -Be $size
        $warns.Count | Should -Be 1
        [string]$warns[0] | Should -Match 'q3-report \(1\)\.pdf'
        Get-Content -LiteralPath (Join-Path $dir 'q3-report.pdf') -Raw | Should -Be 'old'
        @(Get-ChildItem -LiteralPath $dir -Force).Name | Sort-Object | Should -Be @('q3-report (1).pdf', 'q3-report.pdf')
    }

    It 'saves one file per pipeline input' {
        $files = @(@{ topic = 'Q1' }, @{ topic = 'Q2' } | Save-CxpaRunOutput -Connection $conn -AgentId 43 -Path $dir -WarningAction SilentlyContinue)
        $files.Count | Should -Be 2
        @($files.RunId | Select-Object -Unique).Count | Should -Be 2
        $files.Name | Should -Be @('q3-report.pdf', 'q3-report (1).pdf')
        $files | ForEach-Object { $_.Length | Should -Be $size }
    }

    It 'a non-file agent (42) is a Conflict (InvalidOperation) error and nothing is saved' {
        $out = @(Save-CxpaRunOutput -Connection $conn -AgentId 42 -InputObject @{ x = 1 } -Path $dir -ErrorVariable errs -ErrorAction SilentlyContinue)
        $out.Count | Should -Be 0
        $errs.Count | Should -Be 1
        $errs[0].FullyQualifiedErrorId | Should -Be 'Conflict,Cxpa.PowerShell.Cmdlets.SaveCxpaRunOutputCommand'
        $errs[0].CategoryInfo.Category | Should -Be 'InvalidOperation'
        $errs[0].TargetObject.x | Should -Be 1
        $errs[0].ErrorDetails.Message | Should -Match 'agent 42'
        $errs[0] | Get-CxpaTestAllText | Should -Not -Match ([regex]::Escape($key))
        @(Get-ChildItem -LiteralPath $dir -Force).Count | Should -Be 0
    }

    It 'a folder that does not exist is DirectoryNotFound (ObjectNotFound) before anything is sent' {
        $before = Get-CxpaTestRequestCount $emu
        $missing = Join-Path $dir 'no-such-folder' 'report.pdf'
        $err = $null
        try { Save-CxpaRunOutput -Connection $conn -AgentId 43 -Path $missing } catch { $err = $_ }
        $err.FullyQualifiedErrorId | Should -Be 'DirectoryNotFound,Cxpa.PowerShell.Cmdlets.SaveCxpaRunOutputCommand'
        $err.CategoryInfo.Category | Should -Be 'ObjectNotFound'
        Get-CxpaTestRequestCount $emu | Should -Be $before
        Test-Path -LiteralPath (Join-Path $dir 'no-such-folder') | Should -BeFalse
    }

    It '-WhatIf sends nothing and writes no file' {
        $before = Get-CxpaTestRequestCount $emu
        $out = @(Save-CxpaRunOutput -Connection $conn -AgentId 43 -Path $dir -WhatIf 6>$null)
        $out.Count | Should -Be 0
        Get-CxpaTestRequestCount $emu | Should -Be $before
        @(Get-ChildItem -LiteralPath $dir -Force).Count | Should -Be 0
    }
}
