# Save-CxpaRunOutput paths as PowerShell users write them, against the emulator (agent 43: q3-report.pdf, 256 KiB): a
# -Path ending in a separator is a folder (created when missing), -LiteralPath takes [ ] as written, a path on another
# provider's drive is NotFileSystemPath naming it, and no -Path while in Env: saves into the FileSystem location.
BeforeAll {
    Import-Module "$PSScriptRoot/Support/CxpaTest.psm1" -Force
    . "$PSScriptRoot/Support/CxpaTest.Runs.ps1"
    $script:emu = Start-CxpaTestEmulator
    Import-Module Cxpa
    $script:key = (Get-CxpaTestDemo).IngestKey
    $script:conn = Connect-Cxpa -BaseUrl $emu.Url -IngestApiKey $key -PassThru
    Disconnect-Cxpa
    $script:size = 256 * 1024
    $script:sep = [System.IO.Path]::DirectorySeparatorChar
}
AfterAll { Stop-CxpaTestEmulator $script:emu }

Describe 'Save-CxpaRunOutput -Path and -LiteralPath' {
    BeforeEach { $script:dir = New-CxpaTestFolder }
    AfterEach { Remove-Item -LiteralPath $dir -Recurse -Force -ErrorAction SilentlyContinue }

    It 'the README example "-Path ./reports/" creates the folder and saves the file inside under the platform''s name' {
        Push-Location -LiteralPath $dir
        try { $file = Save-CxpaRunOutput -Connection $conn -AgentId 43 -InputObject @{ topic = 'Q3' } -Path ./reports/ }
        finally { Pop-Location }
        $file.FullName | Should -Be (Join-Path $dir 'reports' 'q3-report.pdf')
        $file.Length | Should -Be $size
        (Get-Item -LiteralPath (Join-Path $dir 'reports')).PSIsContainer | Should -BeTrue
    }

    It 'a missing nested folder ending in the platform''s separator is created' {
        $target = (Join-Path $dir 'a' 'b') + $sep
        $file = Save-CxpaRunOutput -Connection $conn -AgentId 43 -Path $target
        $file.FullName | Should -Be (Join-Path $dir 'a' 'b' 'q3-report.pdf')
    }

    It 'an existing folder without a separator is a folder' {
        $null = New-Item -ItemType Directory -Path (Join-Path $dir 'out')
        $file = Save-CxpaRunOutput -Connection $conn -AgentId 43 -Path (Join-Path $dir 'out')
        $file.FullName | Should -Be (Join-Path $dir 'out' 'q3-report.pdf')
    }

    It 'a missing path without a separator is a file name' {
        $file = Save-CxpaRunOutput -Connection $conn -AgentId 43 -Path (Join-Path $dir 'reports')
        $file.FullName | Should -Be (Join-Path $dir 'reports')
        $file.PSIsContainer | Should -BeFalse
    }

    It '-WhatIf with a folder ending in a separator creates nothing and sends nothing' {
        $before = Get-CxpaTestRequestCount $emu
        $null = Save-CxpaRunOutput -Connection $conn -AgentId 43 -Path ((Join-Path $dir 'new') + $sep) -WhatIf 6>$null
        Test-Path -LiteralPath (Join-Path $dir 'new') | Should -BeFalse
        Get-CxpaTestRequestCount $emu | Should -Be $before
    }

    It 'a path ending in a separator that names a file is NotAFolder before anything is sent' {
        Set-Content -LiteralPath (Join-Path $dir 'afile') -Value 'x'
        $before = Get-CxpaTestRequestCount $emu
        $err = $null
        try { Save-CxpaRunOutput -Connection $conn -AgentId 43 -Path ((Join-Path $dir 'afile') + $sep) } catch { $err = $_ }
        $err.FullyQualifiedErrorId | Should -Be 'NotAFolder,Cxpa.PowerShell.Cmdlets.SaveCxpaRunOutputCommand'
        Get-CxpaTestRequestCount $emu | Should -Be $before
    }

    It '-LiteralPath saves to a name with [ ] as written' {
        $file = Save-CxpaRunOutput -Connection $conn -AgentId 43 -LiteralPath (Join-Path $dir 'q[3] `report.pdf')
        $file.Name | Should -Be 'q[3] `report.pdf'
        @(Get-ChildItem -LiteralPath $dir -Force).Name | Should -Be @('q[3] `report.pdf')
    }

    It '-LiteralPath into an existing folder with [ ] in its name' {
        $sub = (New-Item -ItemType Directory -Path (Join-Path $dir 'run[1]') -Force).FullName
        $file = Save-CxpaRunOutput -Connection $conn -AgentId 43 -LiteralPath $sub
        $file.FullName | Should -Be (Join-Path $sub 'q3-report.pdf')
    }

    It 'a path on the <Drive>: drive is NotFileSystemPath naming the drive, and nothing is sent' -ForEach @(
        @{ Drive = 'Env'; Target = 'Env:/cxpa-report' }
        @{ Drive = 'Function'; Target = 'Function:/cxpa-report' }
    ) {
        $before = Get-CxpaTestRequestCount $emu
        $err = $null
        try { Save-CxpaRunOutput -Connection $conn -AgentId 43 -Path $Target } catch { $err = $_ }
        $err.FullyQualifiedErrorId | Should -Be 'NotFileSystemPath,Cxpa.PowerShell.Cmdlets.SaveCxpaRunOutputCommand'
        $err.CategoryInfo.Category | Should -Be 'InvalidArgument'
        $err.Exception.Message | Should -Match "on the ${Drive}: drive"
        Get-CxpaTestRequestCount $emu | Should -Be $before
    }

    It 'without -Path while the location is Env: the file goes to the FileSystem location, not the process''s working folder' {
        $elsewhere = New-CxpaTestFolder
        $cwd = [Environment]::CurrentDirectory
        Push-Location -LiteralPath $dir
        try {
            [Environment]::CurrentDirectory = $elsewhere
            Set-Location Env:
            $file = Save-CxpaRunOutput -Connection $conn -AgentId 43

            # A relative -Path there is on Env: and says so.
            $err = $null
            try { Save-CxpaRunOutput -Connection $conn -AgentId 43 -Path ./reports/ } catch { $err = $_ }
        }
        finally {
            Pop-Location
            [Environment]::CurrentDirectory = $cwd
        }
        $file.FullName | Should -Be (Join-Path $dir 'q3-report.pdf')
        @(Get-ChildItem -LiteralPath $elsewhere -Force).Count | Should -Be 0
        $err.FullyQualifiedErrorId | Should -Be 'NotFileSystemPath,Cxpa.PowerShell.Cmdlets.SaveCxpaRunOutputCommand'
        $err.Exception.Message | Should -Match 'on the Env: drive'
        Remove-Item -LiteralPath $elsewhere -Recurse -Force
    }
}
