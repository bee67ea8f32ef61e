BeforeAll {
    Import-Module "$PSScriptRoot/Support/CxpaTest.psm1" -Force
    $script:emu = Start-CxpaTestEmulator
    Import-Module Cxpa
}
AfterAll { Stop-CxpaTestEmulator $script:emu }

Describe 'smoke' {
    It 'runs' {
        $run = Start-CxpaRun -BaseUrl $emu.Url -IngestApiKey (Get-CxpaTestDemo).IngestKey -AgentId 42 -Wait
        $run.Status | Should -Be 'completed'
        (Get-Module Cxpa).ModuleBase | Should -BeLike "$HOME*"
    }
}
