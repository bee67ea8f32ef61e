# The input policy in the real pwsh (about_Cxpa INPUT): -InputObject, -Metadata and -Output take plain data only, at every
# depth. Anything else is refused with InvalidInput (InvalidArgument), its path and type in the message, the path as
# TargetObject, and nothing sent; plain values reach the emulator's run row as documented.

BeforeAll {
    Import-Module "$PSScriptRoot/Support/CxpaTest.psm1" -Force
    . "$PSScriptRoot/Support/CxpaTest.Runs.ps1"
    . "$PSScriptRoot/Support/CxpaTest.Runtime.ps1"
    $script:emu = Start-CxpaTestEmulator
    Import-Module Cxpa
    Disconnect-Cxpa
    $script:api = @{ BaseUrl = $emu.Url; IngestApiKey = (Get-CxpaTestDemo).IngestKey }
    $script:hint = '(use a hashtable or [pscustomobject] with the fields to send)'

    # The run row as the emulator stores it, dates left as the text that was sent.
    function Get-RawRunRow([long] $RunId) {
        (Invoke-WebRequest -Uri "$($emu.Url.TrimEnd('/'))/_emulator/runs/$RunId").Content | ConvertFrom-Json -DateKind String
    }

    # Runs a cmdlet that must refuse its input; returns the one error after checking what every refusal shares.
    function Assert-Refused([scriptblock] $Call, [string] $Cmdlet) {
        $before = Get-CxpaTestRequestCount $emu
        $ErrorActionPreference = 'Continue'   # the call sees it: its error is written (and collected), not thrown
        $all = @(& $Call 2>&1)
        $errs = @($all | Where-Object { $_ -is [System.Management.Automation.ErrorRecord] })
        @($all | Where-Object { $_ -isnot [System.Management.Automation.ErrorRecord] }).Count | Should -Be 0
        $errs.Count | Should -Be 1
        $errs[0].FullyQualifiedErrorId | Should -Be "InvalidInput,Cxpa.PowerShell.Cmdlets.$Cmdlet"
        $errs[0].CategoryInfo.Category | Should -Be 'InvalidArgument'
        Get-CxpaTestRequestCount $emu | Should -Be $before
        $errs[0]
    }
}
AfterAll {
    Disconnect-Cxpa
    Stop-CxpaTestEmulator $script:emu
}

Describe 'refused before anything is sent' {
    It 'a Process inside the input is refused with its path and type, not sent as 160 KB of machine details' {
        $err = Assert-Refused { Start-CxpaRun @api -AgentId 42 -InputObject @{ p = (Get-Process -Id $PID) } } StartCxpaRunCommand
        $err.Exception.Message | Should -BeExactly "-InputObject: input.p: System.Diagnostics.Process is not plain data $hint."
        $err.TargetObject | Should -BeExactly 'input.p'
    }

    It 'a FileInfo from Get-Item is refused as not plain data (not as nested deeper than 64 levels)' {
        $err = Assert-Refused { Start-CxpaRun @api -AgentId 42 -InputObject @{ f = (Get-Item -LiteralPath $PSCommandPath) } } StartCxpaRunCommand
        $err.Exception.Message | Should -BeExactly "-InputObject: input.f: System.IO.FileInfo is not plain data $hint."
        $err.Exception.Message | Should -Not -Match 'nested'
        $err.TargetObject | Should -BeExactly 'input.f'
    }

    It 'a script block five levels down in arrays and hashtables is refused with the exact path' {
        $in = @{ a = @(1, @{ b = @(@{ c = { 'x' } }) }) }
        $err = Assert-Refused { Start-CxpaRun @api -AgentId 42 -InputObject $in } StartCxpaRunCommand
        $err.TargetObject | Should -BeExactly 'input.a[1].b[0].c'
        $err.Exception.Message | Should -BeExactly "-InputObject: input.a[1].b[0].c: System.Management.Automation.ScriptBlock is not plain data $hint."
    }

    It 'a .NET object with properties inside a [pscustomobject] is refused; keys that are not names are quoted in the path' {
        $in = [pscustomobject]@{ 'the list' = @([pscustomobject]@{ when = [System.Net.IPAddress]::Parse('127.0.0.1') }) }
        $err = Assert-Refused { Start-CxpaRun @api -AgentId 42 -InputObject $in } StartCxpaRunCommand
        $err.TargetObject | Should -BeExactly "input['the list'][0].when"
        $err.Exception.Message | Should -BeLike "*System.Net.IPAddress is not plain data*"
    }

    It 'keys 1 and ''1'' (the same JSON name) are refused naming both, instead of one being dropped' {
        $in = @{ 1 = 'a' }   # a literal with both keys does not parse; a hashtable built in steps holds both
        $in['1'] = 'b'
        $err = Assert-Refused { Start-CxpaRun @api -AgentId 42 -InputObject $in } StartCxpaRunCommand
        $err.TargetObject | Should -BeExactly 'input'
        $err.Exception.Message | Should -BeLike '*the keys * are both the JSON name "1"; keep one.'
        $err.Exception.Message | Should -BeLike "*1 (System.Int32)*"
        $err.Exception.Message | Should -BeLike "*'1' (System.String)*"
    }

    It 'nesting deeper than 64 levels names the shortened path where it was exceeded' {
        $deep = @{ a = 1 }
        foreach ($i in 1..69) { $deep = @{ a = $deep } }
        $err = Assert-Refused { Start-CxpaRun @api -AgentId 42 -InputObject $deep } StartCxpaRunCommand
        $err.TargetObject | Should -BeExactly 'input.a.a.a … .a.a.a'
        $err.Exception.Message | Should -BeExactly '-InputObject: input.a.a.a … .a.a.a is nested deeper than 64 levels; send a flatter value.'
    }

    It 'a hashtable that contains itself is a cycle error for Send-CxpaIngest -Output, not a stack overflow' {
        $h = [ordered]@{ name = 'loop'; list = [System.Collections.ArrayList]::new() }
        $null = $h.list.Add($h)
        $err = Assert-Refused { Send-CxpaIngest @api -AgentId 44 -ExternalRunId 'policy-cycle' -Status Completed -Output $h } SendCxpaIngestCommand
        $err.TargetObject | Should -BeExactly 'output.list[0]'
        $err.Exception.Message | Should -BeExactly '-Output: output.list[0] contains itself (a cycle); send a copy without the loop.'
    }

    It 'Register-CxpaRun refuses a Process in -Metadata and registers nothing' {
        $ext = 'policy-meta-' + [guid]::NewGuid().ToString('N')
        $err = Assert-Refused { Register-CxpaRun @api -AgentId 42 -ExternalRunId $ext -InputObject @{ ok = 1 } -Metadata @{ src = @{ proc = (Get-Process -Id $PID) } } } RegisterCxpaRunCommand
        $err.TargetObject | Should -BeExactly 'metadata.src.proc'
        $err.Exception.Message | Should -BeExactly "-Metadata: metadata.src.proc: System.Diagnostics.Process is not plain data $hint."
        @((Invoke-CxpaTestEmulatorApi -Emulator $emu -Path '/_emulator/runs?agentId=42').runs | Where-Object external_run_id -eq $ext).Count | Should -Be 0
    }

    It 'Send-CxpaRunEvent refuses a DirectoryInfo in an -Output array and the run stays queued' {
        $payload = Get-CxpaTestTriggerPayload -Emulator $emu -RunId (Start-CxpaRun @api -AgentId 48).RunId
        $err = Assert-Refused { $payload | Send-CxpaRunEvent -BaseUrl $emu.Url -Output @(1, (Get-Item -LiteralPath $PSScriptRoot)) } SendCxpaRunEventCommand
        $err.TargetObject | Should -BeExactly 'output[1]'
        $err.Exception.Message | Should -BeExactly "-Output: output[1]: System.IO.DirectoryInfo is not plain data $hint."
        (Get-RawRunRow $payload.RunId).status | Should -Be 'queued'
    }

    It 'a top-level Process is refused with the same message as a nested one' {
        $err = Assert-Refused { Start-CxpaRun @api -AgentId 42 -InputObject (Get-Process -Id $PID) } StartCxpaRunCommand
        $err.TargetObject | Should -BeExactly 'input'
        $err.Exception.Message | Should -BeExactly "-InputObject: input: System.Diagnostics.Process is not plain data $hint."
    }

    It 'in a pipeline only the bad input fails: the plain ones still start' {
        $before = Get-CxpaTestRequestCount $emu
        $out = @(@{ n = 1 }, @{ n = (Get-Process -Id $PID) }, @{ n = 3 } | Start-CxpaRun @api -AgentId 42 -ErrorVariable errs -ErrorAction SilentlyContinue)
        $out.Count | Should -Be 2
        $errs.Count | Should -Be 1
        $errs[0].TargetObject | Should -BeExactly 'input.n'
        (Get-CxpaTestRequestCount $emu) - $before | Should -Be 2
    }
}

Describe 'plain data reaches the run row exactly' {
    It 'numbers, booleans, null, text, dates (ISO 8601), a GUID, an enum (its name), a TimeSpan and nested arrays' {
        $in = [ordered]@{
            int    = 42
            long   = 9007199254740993L
            dbl    = 0.5
            dec    = 1.10d
            big    = [bigint]::Pow(2, 70)
            yes    = $true
            none   = $null
            text   = 'héllo "q"'
            char   = [char]'x'
            dt     = [datetime]::new(2026, 1, 2, 3, 4, 5, [DateTimeKind]::Utc)
            dto    = [datetimeoffset]::new(2026, 1, 2, 3, 4, 5, [timespan]::FromHours(-5))
            guid   = [guid]'0f8fad5b-d9cb-469f-a165-70867728950e'
            day    = [DayOfWeek]::Friday
            span   = [timespan]::new(1, 2, 3)
            nested = @(1, @('a', @($true, $null)), @{ k = @() })
            obj    = [pscustomobject]@{ x = 1; y = @{ z = 'deep' } }
        }
        $run = Start-CxpaRun @api -AgentId 42 -InputObject $in
        $d = (Get-RawRunRow $run.RunId).input_data
        $d.int | Should -BeExactly 42
        $d.long | Should -BeExactly 9007199254740993L
        $d.dbl | Should -BeExactly 0.5
        $d.dec | Should -Be 1.10
        "$($d.big)" | Should -BeExactly '1180591620717411303424'
        $d.yes | Should -BeTrue
        $d.PSObject.Properties.Name | Should -Contain 'none'
        $d.none | Should -BeNullOrEmpty
        $d.text | Should -BeExactly 'héllo "q"'
        $d.char | Should -BeExactly 'x'
        $d.dt | Should -BeExactly '2026-01-02T03:04:05.0000000Z'
        $d.dto | Should -BeExactly '2026-01-02T03:04:05.0000000-05:00'
        $d.guid | Should -BeExactly '0f8fad5b-d9cb-469f-a165-70867728950e'
        $d.day | Should -BeExactly 'Friday'
        $d.span | Should -BeExactly '01:02:03'
        $d.nested.Count | Should -Be 3
        $d.nested[0] | Should -Be 1
        $d.nested[1][0] | Should -BeExactly 'a'
        $d.nested[1][1][0] | Should -BeTrue
        $d.nested[1][1].Count | Should -Be 2
        $d.nested[2].k.Count | Should -Be 0
        $d.obj.x | Should -Be 1
        $d.obj.y.z | Should -BeExactly 'deep'
    }

    It 'PSObjects around plain values (Get-Date, Get-Content lines, [psobject]5) are unwrapped, their note properties not sent' {
        $file = Join-Path ([System.IO.Path]::GetTempPath()) ('cxpa-policy-' + [guid]::NewGuid().ToString('N') + '.txt')
        Set-Content -LiteralPath $file -Value 'first', 'second'
        try {
            $lines = Get-Content -LiteralPath $file
            $date = Get-Date -Date '2026-07-08T09:10:11Z' -AsUTC
            $run = Start-CxpaRun @api -AgentId 42 -InputObject @{ lines = $lines; line = $lines[0]; when = $date; five = [psobject]5 }
            $d = (Get-RawRunRow $run.RunId).input_data
            $d.lines -join '|' | Should -BeExactly 'first|second'
            $d.line | Should -BeExactly 'first'
            $d.when | Should -BeExactly '2026-07-08T09:10:11.0000000Z'
            $d.five | Should -BeExactly 5
        }
        finally { Remove-Item -LiteralPath $file -ErrorAction SilentlyContinue }
    }

    It 'JSON text is still sent as JSON, and -Metadata and a Send-CxpaIngest -Output follow the same rules' {
        $run = Start-CxpaRun @api -AgentId 42 -InputObject '{"a":[1,{"b":null}],"when":"2026-01-01T00:00:00Z"}'
        $d = (Get-RawRunRow $run.RunId).input_data
        $d.a[0] | Should -Be 1
        $d.a[1].PSObject.Properties.Name | Should -Be 'b'
        $d.when | Should -BeExactly '2026-01-01T00:00:00Z'

        $ext = 'policy-ok-' + [guid]::NewGuid().ToString('N')
        $reg = Register-CxpaRun @api -AgentId 42 -ExternalRunId $ext -Metadata @{ id = [guid]'11111111-2222-3333-4444-555555555555'; kind = [System.IO.FileAttributes]::ReadOnly }
        $meta = (Get-RawRunRow $reg.RunId).metadata
        $meta.id | Should -BeExactly '11111111-2222-3333-4444-555555555555'
        $meta.kind | Should -BeExactly 'ReadOnly'

        $ing = Send-CxpaIngest @api -AgentId 44 -ExternalRunId "$ext-ingest" -Status Completed -Output @{ rows = @(@(1, 2), @(3)); at = [datetimeoffset]::new(2026, 2, 3, 4, 5, 6, [timespan]::Zero) }
        $out = (Get-RawRunRow $ing.RunId).output_data
        $out.rows.Count | Should -Be 2
        $out.rows[0] -join ',' | Should -BeExactly '1,2'
        $out.rows[1] -join ',' | Should -BeExactly '3'
        $out.at | Should -BeExactly '2026-02-03T04:05:06.0000000+00:00'
    }
}
