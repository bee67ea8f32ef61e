# The branches of Cxpa.psm1, in fresh pwsh processes against the installed module. This machine has PowerShell 7.6 only:
# the psm1's internal -ArgumentList (edition, major, minor) makes it take the branch of another PowerShell, so the
# refusal of 7.0-7.3 and the Windows PowerShell 5.1 loading code (paths, the AssemblyResolve handler, the netstandard2.0
# dependencies) run here for real. What this cannot prove is .NET Framework itself: that is the Windows CI leg's job.

BeforeAll {
    Import-Module "$PSScriptRoot/Support/CxpaTest.psm1" -Force
    $script:emu = Start-CxpaTestEmulator
    $script:d = Get-CxpaTestDemo
    # The cmdlet count comes from the manifest, the one list of them.
    $script:cmdletCount = [string]@((Import-PowerShellDataFile -LiteralPath (Join-Path (Get-CxpaTestRoot) 'Cxpa.psd1')).CmdletsToExport).Count
}
AfterAll { Stop-CxpaTestEmulator $script:emu }

Describe 'Cxpa.psm1 on PowerShell 7.0-7.3' {
    It 'refuses PowerShell <Major>.<Minor> at import with a message naming 7.4, and leaves no Cxpa module behind' -ForEach @(
        @{ Major = 7; Minor = 0 }
        @{ Major = 7; Minor = 2 }
        @{ Major = 7; Minor = 3 }
        @{ Major = 6; Minor = 2 }
    ) {
        $r = Invoke-CxpaTestPwsh -Script @"
try { Import-Module Cxpa -ArgumentList 'Core', $Major, $Minor; 'imported' }
catch { 'refused: ' + `$_.Exception.Message }
'modules=' + @(Get-Module Cxpa).Count
"@
        $r.Output[0] | Should -BeLike 'refused: *'
        $r.Output[0] | Should -Match 'PowerShell 7\.4 or later'
        $r.Output[0] | Should -Match "this is PowerShell $Major\.$Minor"
        $r.Output[1] | Should -Be 'modules=0'
    }

    It 'imports on 7.4 and later (the branch of this PowerShell)' {
        $r = Invoke-CxpaTestPwsh -Script "Import-Module Cxpa -ArgumentList 'Core', 7, 4; @(Get-Command -Module Cxpa).Count"
        $r.Output | Should -Be $script:cmdletCount -Because $r.Errors
    }
}

Describe 'Cxpa.psm1''s Windows PowerShell 5.1 branch, run on this OS' {
    It 'loads with portable paths, outside Cxpa''s load context, and starts and waits a run' {
        $r = Invoke-CxpaTestPwsh -Script @"
`$ErrorActionPreference = 'Stop'
Import-Module Cxpa -ArgumentList 'Desktop', 5, 1
`$asm = (Get-Command Start-CxpaRun).ImplementingType.Assembly
'context=' + [System.Runtime.Loader.AssemblyLoadContext]::GetLoadContext(`$asm).Name
'commands=' + @(Get-Command -Module Cxpa).Count
`$run = Start-CxpaRun -BaseUrl '$($emu.Url)' -IngestApiKey '$($d.IngestKey)' -AgentId 42 -InputObject @{ n = 1 } -Wait
'status=' + `$run.Status
'engine=' + [System.IO.Path]::GetFileName([System.IO.Path]::GetDirectoryName(([AppDomain]::CurrentDomain.GetAssemblies() | Where-Object { `$_.GetName().Name -eq 'Cxpa.Engine' }).Location))
"@
        $r.ExitCode | Should -Be 0 -Because $r.Errors
        $r.Output | Should -Contain 'context=Default'
        $r.Output | Should -Contain "commands=$script:cmdletCount"
        $r.Output | Should -Contain 'status=completed'
        # The engine came from dependencies/netstandard2.0 through the resolver, not the net8.0 folder.
        $r.Output | Should -Contain 'engine=netstandard2.0'
    }
}
