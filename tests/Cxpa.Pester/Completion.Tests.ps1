# Tab completion of the installed module through TabExpansion2, as the console's Tab key asks for it: command names,
# parameter names, ValidateSet values and the -AgentId completer (the current connection's recent agents).

BeforeAll {
    Import-Module "$PSScriptRoot/Support/CxpaTest.psm1" -Force
    . "$PSScriptRoot/Support/CxpaTest.Runtime.ps1"
    $script:emu = Start-CxpaTestEmulator
    Import-Module Cxpa
    Disconnect-Cxpa

    # The completion texts TabExpansion2 offers with the cursor at the end of -Line.
    function Get-Completion([string] $Line) {
        @((TabExpansion2 -inputScript $Line -cursorColumn $Line.Length).CompletionMatches)
    }
}
AfterAll {
    Disconnect-Cxpa
    Stop-CxpaTestEmulator $script:emu
}

Describe 'command and parameter names' {
    It '<Line> completes to <Expected>' -ForEach @(
        @{ Line = 'Start-Cxpa'; Expected = @('Start-CxpaRun') }
        @{ Line = 'Send-Cxpa'; Expected = @('Send-CxpaIngest', 'Send-CxpaRunEvent') }
        @{ Line = 'Get-CxpaC'; Expected = @('Get-CxpaConnection', 'Get-CxpaCredential') }
        @{ Line = 'Register-Cx'; Expected = @('Register-CxpaRun') }
        @{ Line = '*-CxpaZone*'; Expected = @('New-CxpaZoneToken', 'Test-CxpaZoneToken') }
    ) {
        $m = Get-Completion $Line
        $m | ForEach-Object { $_.ResultType | Should -Be 'Command' }
        # Only the module's commands (the test helpers' *-CxpaTest* functions match some prefixes too).
        $fromModule = @($m | Where-Object { (Get-Command $_.CompletionText).Source -eq 'Cxpa' })
        @($fromModule.CompletionText | Sort-Object) | Should -Be @($Expected | Sort-Object)
    }

    It '<Line> offers <Expected> as a parameter name' -ForEach @(
        @{ Line = 'Start-CxpaRun -Wa'; Expected = '-Wait' }
        @{ Line = 'Start-CxpaRun -Zon'; Expected = '-ZoneToken' }
        @{ Line = 'Register-CxpaRun -AsP'; Expected = '-AsPlainText' }
        @{ Line = 'Send-CxpaRunEvent -Comp'; Expected = '-Complete' }
        @{ Line = 'Send-CxpaRunEvent -ErrorR'; Expected = '-ErrorRecord' }
        @{ Line = 'Test-CxpaZoneToken -PassT'; Expected = '-PassThru' }
        @{ Line = 'Test-CxpaZoneToken -TokenH'; Expected = '-TokenHeader' }
        @{ Line = 'Get-CxpaCredential -Conn'; Expected = '-ConnectionId' }
    ) {
        $m = Get-Completion $Line
        $m.CompletionText | Should -Contain $Expected
        ($m | Where-Object CompletionText -eq $Expected).ResultType | Should -Be 'ParameterName'
    }

    It 'offers each run event of Send-CxpaRunEvent as a switch' {
        $names = (Get-Completion 'Send-CxpaRunEvent -').CompletionText
        foreach ($p in '-Started', '-Output', '-Complete', '-Fail', '-Waiting', '-ErrorRecord', '-RunId', '-AgentApiKey') { $names | Should -Contain $p }
        $names | Should -Not -Contain '-Status'
    }

    It 'offers no parameter that the cmdlet does not have' {
        Get-Completion 'Start-CxpaRun -Zzz' | Should -BeNullOrEmpty
        (Get-Completion 'Test-CxpaZoneToken -').CompletionText | Should -Not -Contain '-WhatIf'
    }
}

Describe 'ValidateSet values' {
    It 'Send-CxpaIngest -Status completes exactly the documented statuses' {
        $m = Get-Completion 'Send-CxpaIngest -AgentId 44 -ExternalRunId x -Status '
        @($m.CompletionText | Sort-Object) | Should -Be @('Cancelled', 'Completed', 'Failed', 'Running')
        $m | ForEach-Object { $_.ResultType | Should -Be 'ParameterValue' }
    }

    It 'Send-CxpaIngest -Status <Prefix> narrows to <Expected>' -ForEach @(
        @{ Prefix = 'C'; Expected = @('Cancelled', 'Completed') }
        @{ Prefix = 'co'; Expected = @('Completed') }
        @{ Prefix = 'f'; Expected = @('Failed') }
    ) {
        @((Get-Completion "Send-CxpaIngest -Status $Prefix").CompletionText | Sort-Object) | Should -Be $Expected
    }

    It 'offers no status for a prefix that matches none' {
        $m = Get-Completion 'Send-CxpaIngest -Status Queu'
        @($m | Where-Object ResultType -eq 'ParameterValue') | Should -BeNullOrEmpty
    }
}

Describe '-AgentId completion' {
    It 'offers no agent id without a connection' {
        Disconnect-Cxpa
        $m = Get-Completion 'Start-CxpaRun -AgentId '
        @($m | Where-Object { $_.CompletionText -match '^\d+$' }) | Should -BeNullOrEmpty
    }

    Context 'after runs through an ingest-key connection' {
        BeforeAll {
            Connect-Cxpa -BaseUrl $emu.Url -IngestApiKey (Get-CxpaTestDemo).IngestKey
            $null = Start-CxpaRun -AgentId 43
            $null = Start-CxpaRun -AgentId 42
            $null = Send-CxpaIngest -AgentId 44 -ExternalRunId ('completion-' + [guid]::NewGuid().ToString('N')) -Status Running
        }
        AfterAll { Disconnect-Cxpa }

        It '<Command> -AgentId completes the recent agents, most recent first' -ForEach @(
            @{ Command = 'Start-CxpaRun' }
            @{ Command = 'Register-CxpaRun' }
            @{ Command = 'Send-CxpaIngest' }
            @{ Command = 'Get-CxpaRun' }
            @{ Command = 'Wait-CxpaRun' }
            @{ Command = 'Save-CxpaRunOutput' }
        ) {
            $m = Get-Completion "$Command -AgentId "
            @($m.CompletionText) | Should -Be @('44', '42', '43')
            $m | ForEach-Object { $_.ResultType | Should -Be 'ParameterValue' }
        }

        It 'narrows by the typed prefix: <Prefix> gives <Expected>' -ForEach @(
            @{ Prefix = '4'; Expected = @('44', '42', '43') }
            @{ Prefix = '43'; Expected = @('43') }
            @{ Prefix = '9'; Expected = @() }
        ) {
            @((Get-Completion "Start-CxpaRun -AgentId $Prefix").CompletionText | Where-Object { $_ -match '^\d+$' }) | Should -Be $Expected
        }

        It 'completes a positional agent id, and a tooltip naming the platform but never the key' {
            $m = Get-Completion 'Start-CxpaRun '
            @($m | Where-Object CompletionText -eq '42').Count | Should -Be 1
            $named = Get-Completion 'Start-CxpaRun -AgentId '
            foreach ($x in $named) {
                $x.ToolTip | Should -BeLike "Agent $($x.CompletionText) (used through $($emu.Url.TrimEnd('/'))*)"
                $x.ToolTip + $x.ListItemText | Should -Not -BeLike "*$((Get-CxpaTestDemo).IngestKey)*"
            }
        }
    }

    Context 'when an agent is used again' {
        BeforeAll {
            Connect-Cxpa -BaseUrl $emu.Url -IngestApiKey (Get-CxpaTestDemo).IngestKey
            $null = Start-CxpaRun -AgentId 43
            $null = Start-CxpaRun -AgentId 42
        }
        AfterAll { Disconnect-Cxpa }

        It 'moves it to the front and keeps the others in their order' {
            # Relative to the list as this test finds it, so it holds whatever ran before it.
            $before = @((Get-Completion 'Start-CxpaRun -AgentId ').CompletionText)
            $before.Count | Should -BeGreaterOrEqual 2
            $before[0] | Should -Be '42'
            $last = $before[-1]
            $null = Start-CxpaRun -AgentId ([long] $last)
            @((Get-Completion 'Start-CxpaRun -AgentId ').CompletionText) | Should -Be (@($last) + @($before | Where-Object { $_ -ne $last }))
        }
    }

    It 'offers a zone-token connection''s own agent' {
        $d = Get-CxpaTestDemo
        Connect-Cxpa -BaseUrl $emu.Url -ZoneToken (New-CxpaZoneToken -Secret $d.ZoneSecret -Audience $d.Audience -UserId $d.UserId -AgentId 42)
        try { @((Get-Completion 'Start-CxpaRun -AgentId ').CompletionText) | Should -Be @('42') }
        finally { Disconnect-Cxpa }
    }
}
