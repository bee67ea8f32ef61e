# The Cxpa.Emulator module as a user gets it: installed by name from the local repository beside Cxpa
# (Install-PSResource Cxpa, Cxpa.Emulator), imported by name, driving the emulator inside this pwsh.

BeforeAll {
    Import-Module "$PSScriptRoot/Support/CxpaTest.psm1" -Force
    Import-Module Cxpa, Cxpa.Emulator
    $script:root = Get-CxpaTestRoot
    $script:version = (Import-PowerShellDataFile -LiteralPath (Join-Path $script:root 'Cxpa.psd1')).ModuleVersion
    $script:userId = (Get-CxpaTestDemo).UserId
}

Describe 'The Cxpa.Emulator package' {
    BeforeAll {
        $script:installed = Get-InstalledPSResource -Name Cxpa.Emulator
        $script:moduleBase = (Get-Module Cxpa.Emulator).ModuleBase
        $script:manifest = Import-PowerShellDataFile -LiteralPath (Join-Path $script:moduleBase 'Cxpa.Emulator.psd1')
    }

    It 'is installed by name at the version of Cxpa' {
        $script:installed.Name | Should -BeExactly 'Cxpa.Emulator'
        $script:installed.Version | Should -Be ([version]$script:version)
        (Get-Module Cxpa.Emulator).Version | Should -Be ([version]$script:version)
    }

    It 'states PowerShell 7.4+, Core edition, in its manifest' {
        $script:manifest.PowerShellVersion | Should -Be '7.4'
        $script:manifest.CompatiblePSEditions | Should -Be @('Core')
    }

    It 'exports the five cmdlets' {
        (Get-Command -Module Cxpa.Emulator).Name | Sort-Object |
            Should -Be @('Add-CxpaEmulatorFault', 'Clear-CxpaEmulatorFault', 'Get-CxpaEmulatorRequest', 'Start-CxpaEmulator', 'Stop-CxpaEmulator')
    }

    It 'holds no ASP.NET Core assembly, and nothing beyond its own two assemblies' {
        $dlls = @(Get-ChildItem -LiteralPath $script:moduleBase -Recurse -Filter *.dll | ForEach-Object Name | Sort-Object)
        $dlls | Should -Be @('Cxpa.Emulator.Core.dll', 'Cxpa.Emulator.PowerShell.dll')
        foreach ($dll in Get-ChildItem -LiteralPath $script:moduleBase -Recurse -Filter *.dll) {
            $stream = [System.IO.File]::OpenRead($dll.FullName)
            try {
                $pe = [System.Reflection.PortableExecutable.PEReader]::new($stream)
                $md = [System.Reflection.Metadata.PEReaderExtensions]::GetMetadataReader($pe)
                $references = @($md.AssemblyReferences | ForEach-Object { $md.GetString($md.GetAssemblyReference($_).Name) })
                $pe.Dispose()
            }
            finally { $stream.Dispose() }
            $references | Should -Not -BeNullOrEmpty
            $references | Where-Object { $_ -like 'Microsoft.AspNetCore*' } | Should -BeNullOrEmpty -Because "$($dll.Name) must not reference ASP.NET Core"
            $references | Where-Object { $_ -like 'Cxpa.Engine*' -or $_ -eq 'Cxpa.Types' } | Should -BeNullOrEmpty -Because "$($dll.Name) must not use the module's own code"
        }
    }

    It 'has help for its cmdlets and its about topic' {
        (Get-Help Start-CxpaEmulator).Synopsis | Should -BeLike 'Starts a CXPA platform emulator*'
        Get-Help about_Cxpa_Emulator | Out-String | Should -Match 'Start-CxpaEmulator'
    }
}

Describe 'An emulator inside pwsh (the issue''s scenario)' {
    BeforeAll {
        $script:e = Start-CxpaEmulator
        $script:folder = New-CxpaTestFolder
    }
    AfterAll {
        Stop-CxpaEmulator -Emulator $script:e
        Remove-Item -LiteralPath $script:folder -Recurse -Force -ErrorAction SilentlyContinue
    }

    It 'reports a URL it answers on, on this machine, and the demo secrets' {
        $script:e.Url | Should -Match '^http://(127\.0\.0\.1|localhost):\d+/$'
        (Invoke-RestMethod ($script:e.Url + '_emulator/health')).ok | Should -BeTrue
        $script:e.IngestApiKey | Should -Be (Get-CxpaTestDemo).IngestKey
        $script:e.ZoneSecret | Should -BeOfType [securestring]
        $script:e.Audience | Should -Be (Get-CxpaTestDemo).Audience
        $script:e.Agents.Id | Should -Contain 42
    }

    It 'serves Start-CxpaRun -Wait: agent 42 completes' {
        $run = Start-CxpaRun -BaseUrl $script:e.Url -IngestApiKey $script:e.IngestApiKey -AgentId 42 -InputObject @{ q = 1 } -Wait
        $run.Status | Should -Be 'completed'
        $run.Output.echo.q | Should -Be 1
    }

    It 'serves Save-CxpaRunOutput: agent 43, 256 KiB' {
        $saved = Save-CxpaRunOutput -BaseUrl $script:e.Url -IngestApiKey $script:e.IngestApiKey -AgentId 43 -Path $script:folder
        (Get-Item -LiteralPath (Join-Path $script:folder 'q3-report.pdf')).Length | Should -Be (256 * 1024)
        $saved | Should -Not -BeNullOrEmpty
    }

    It 'serves a zone call with a token minted from its ZoneSecret and Audience' {
        $token = New-CxpaZoneToken -Secret $script:e.ZoneSecret -Audience $script:e.Audience -UserId $script:userId -AgentId 42
        $run = Start-CxpaRun -BaseUrl $script:e.Url -ZoneToken $token -InputObject @{ topic = 'Q3' } -Wait
        $run.Status | Should -Be 'completed'
        $zone = @(Get-CxpaEmulatorRequest -Emulator $script:e -Path '/api/zones/agents/42/*')
        $zone.Count | Should -Be 1
        $zone[0].Headers.Authorization | Should -BeExactly '<redacted>'
    }

    It 'refuses a zone token signed with another secret' {
        $token = New-CxpaZoneToken -Secret (ConvertTo-SecureString 'another-secret-of-thirty-two-bytes-or-more' -AsPlainText -Force) `
            -Audience $script:e.Audience -UserId $script:userId -AgentId 42
        { Start-CxpaRun -BaseUrl $script:e.Url -ZoneToken $token -Wait -ErrorAction Stop } | Should -Throw -ErrorId 'Unauthorized*'
    }

    It 'injects a fault with Add-CxpaEmulatorFault that the module rides out: three GETs seen' {
        $run = Start-CxpaRun -BaseUrl $script:e.Url -IngestApiKey $script:e.IngestApiKey -AgentId 42
        Add-CxpaEmulatorFault -Emulator $script:e -Spec "GET /api/agents/42/runs/*:Status:2:503"
        $read = Get-CxpaRun -BaseUrl $script:e.Url -IngestApiKey $script:e.IngestApiKey -AgentId 42 -RunId $run.RunId -RetryIntervalSec 0.1
        $read.RunId | Should -Be $run.RunId
        $gets = @(Get-CxpaEmulatorRequest -Emulator $script:e -Method GET -Path "/api/agents/42/runs/$($run.RunId)")
        $gets.Count | Should -Be 3
        $gets.Status | Should -Be @(503, 503, 200)
        $gets[0].Fault | Should -Be 'Status 503'
    }

    It 'clears faults with Clear-CxpaEmulatorFault' {
        Add-CxpaEmulatorFault -Emulator $script:e -Spec 'POST /api/agents/42/runs/trigger:Status:*:400'
        Clear-CxpaEmulatorFault -Emulator $script:e
        (Start-CxpaRun -BaseUrl $script:e.Url -IngestApiKey $script:e.IngestApiKey -AgentId 42).RunId | Should -BeGreaterThan 0
    }

    It 'logs bodies as objects and masks secrets in headers and bodies' {
        $agent48 = $script:e.Agents | Where-Object Id -eq 48
        $run = Start-CxpaRun -BaseUrl $script:e.Url -IngestApiKey $script:e.IngestApiKey -AgentId 48 -InputObject @{ city = 'Oslo'; apiToken = 'do-not-log-me' }
        $post = Get-CxpaEmulatorRequest -Emulator $script:e -Method POST -Path '/api/agents/48/runs/trigger' | Select-Object -Last 1
        $post.Body.input.city | Should -Be 'Oslo'
        $post.Body.input.apiToken | Should -BeExactly '<redacted>'
        $post.Headers.Authorization | Should -BeExactly '<redacted>'
        $text = Get-CxpaEmulatorRequest -Emulator $script:e | Format-List * | Out-String -Width 500
        $text | Should -Not -Match ([regex]::Escape($script:e.IngestApiKey))
        $text | Should -Not -Match 'do-not-log-me'
        $run.RunId | Should -BeGreaterThan 0
        $agent48.AgentApiKey | Should -Not -BeNullOrEmpty
    }
}

Describe 'Several emulators' {
    It 'runs two side by side, each with its own runs and log; a stopped one no longer answers' {
        $a = Start-CxpaEmulator
        $b = Start-CxpaEmulator
        try {
            $a.Url | Should -Not -Be $b.Url
            Start-CxpaRun -BaseUrl $a.Url -IngestApiKey $a.IngestApiKey -AgentId 42 | Out-Null
            @(Get-CxpaEmulatorRequest -Emulator $a).Count | Should -Be 1
            @(Get-CxpaEmulatorRequest -Emulator $b).Count | Should -Be 0
            # Without -Emulator: the last one started.
            @(Get-CxpaEmulatorRequest).Count | Should -Be 0

            $a | Stop-CxpaEmulator
            $a.IsRunning | Should -BeFalse
            { Invoke-RestMethod ($a.Url + '_emulator/health') -TimeoutSec 10 } | Should -Throw
            # Its log stays readable; a stopped emulator takes no more faults.
            @(Get-CxpaEmulatorRequest -Emulator $a).Count | Should -Be 1
            { Add-CxpaEmulatorFault -Emulator $a -Spec '*:Reset' } | Should -Throw -ErrorId 'EmulatorStopped,*'
            (Invoke-RestMethod ($b.Url + '_emulator/health')).ok | Should -BeTrue
        }
        finally {
            Stop-CxpaEmulator -Emulator $a
            Stop-CxpaEmulator -Emulator $b
        }
    }

    It 'gives a port in use a PortInUse error that names the port' {
        $a = Start-CxpaEmulator
        try {
            $err = { Start-CxpaEmulator -Port $a.Port } | Should -Throw -ErrorId 'PortInUse,*' -PassThru
            $err.Exception.Message | Should -Match "Port $($a.Port)\b"
        }
        finally { Stop-CxpaEmulator -Emulator $a }
    }

    It 'has NoEmulator when none runs' {
        Get-Module Cxpa.Emulator | Should -Not -BeNullOrEmpty
        $script:childResult = Invoke-CxpaTestPwsh -Script @'
Import-Module Cxpa.Emulator
try { Get-CxpaEmulatorRequest; 'no error' } catch { $_.FullyQualifiedErrorId }
'@
        $script:childResult.Output | Should -Be 'NoEmulator,Cxpa.Emulator.Cmdlets.GetCxpaEmulatorRequestCommand'
    }
}

Describe 'Agents of the user''s own' {
    It 'serves a JSON agent, a failing agent, a file agent and a standalone agent' {
        $e = Start-CxpaEmulator -Agent @{ Id = 1234; Output = @{ summary = 'ok' } }, @{ Id = 7; FailWith = 'boom' },
            @{ Id = 9; File = 'report.pdf'; Bytes = 1MB }, @{ Id = 5; Standalone = $true }
        $folder = New-CxpaTestFolder
        try {
            $common = @{ BaseUrl = $e.Url; IngestApiKey = $e.IngestApiKey }
            (Start-CxpaRun @common -AgentId 1234 -Wait).Output.summary | Should -Be 'ok'
            $failed = Start-CxpaRun @common -AgentId 7 -Wait -ErrorAction SilentlyContinue -ErrorVariable err
            $err[0].FullyQualifiedErrorId | Should -BeLike 'RunFailed*'
            "$($err[0])" | Should -Match 'boom'
            Save-CxpaRunOutput @common -AgentId 9 -Path $folder | Out-Null
            (Get-Item -LiteralPath (Join-Path $folder 'report.pdf')).Length | Should -Be 1MB
            (Send-CxpaIngest @common -AgentId 5 -ExternalRunId 'x-1' -Status completed -Output @{ n = 1 }).RunId | Should -BeGreaterThan 0
            @(Get-CxpaEmulatorRequest -Emulator $e -Method POST -Path '/api/agents/7/runs/*').Count | Should -Be 1
            $failed | Should -Not -BeNullOrEmpty
        }
        finally {
            Stop-CxpaEmulator -Emulator $e
            Remove-Item -LiteralPath $folder -Recurse -Force -ErrorAction SilentlyContinue
        }
    }

    It 'refuses <Case> with <ErrorId>, naming the item, before anything listens' -ForEach @(
        @{ Case = 'an unknown key'; Agent = @{ Id = 1; Colour = 'red' }; ErrorId = 'UnknownAgentKey'; Text = "unknown key 'Colour'" }
        @{ Case = 'no Id'; Agent = @{ Output = @{} }; ErrorId = 'InvalidAgentSpec'; Text = 'Id is required' }
        @{ Case = 'an Id that is not a number'; Agent = @{ Id = 'seven' }; ErrorId = 'InvalidAgentSpec'; Text = 'Id must be' }
        @{ Case = 'a negative Id'; Agent = @{ Id = -3 }; ErrorId = 'InvalidAgentSpec'; Text = 'Id must be' }
        @{ Case = 'Bytes without File'; Agent = @{ Id = 2; Bytes = 10 }; ErrorId = 'InvalidAgentSpec'; Text = 'need File' }
        @{ Case = 'negative Bytes'; Agent = @{ Id = 2; File = 'a.bin'; Bytes = -1 }; ErrorId = 'InvalidAgentSpec'; Text = 'Bytes must not be negative' }
        @{ Case = 'an Output that is not data'; Agent = @{ Id = 2; Output = @{ p = [System.Diagnostics.Process]::GetCurrentProcess() } }; ErrorId = 'InvalidAgentSpec'; Text = 'Output.p is a System.Diagnostics.Process' }
        @{ Case = 'FailWith with Cancel'; Agent = @{ Id = 2; FailWith = 'x'; Cancel = $true }; ErrorId = 'InvalidAgentSpec'; Text = 'cannot be used together' }
    ) {
        $err = { Start-CxpaEmulator -Agent @{ Id = 100 }, $Agent } | Should -Throw -ErrorId "$ErrorId,*" -PassThru
        $err.Exception.Message | Should -BeLike '-Agent item 1*'
        $err.Exception.Message | Should -BeLike "*$Text*"
        $err.CategoryInfo.Category | Should -Be 'InvalidArgument'
        $err.TargetObject | Should -Be $Agent
    }

    It 'refuses a bad fault spec with InvalidFaultSpec naming it and the form' -ForEach @(
        @{ Spec = 'nonsense' }, @{ Spec = '*:Teapot' }, @{ Spec = '*:Status:0' }, @{ Spec = '*:Delay' }
    ) {
        $err = { Start-CxpaEmulator -Fault $Spec } | Should -Throw -ErrorId 'InvalidFaultSpec,*' -PassThru
        $err.Exception.Message | Should -BeLike "Fault spec '$Spec'*<route>:<kind>*"
    }

    It 'refuses a config file that is missing or broken' {
        { Start-CxpaEmulator -ConfigPath (Join-Path ([System.IO.Path]::GetTempPath()) 'no-such-config.json') } | Should -Throw -ErrorId 'ConfigNotFound,*'
        $bad = Join-Path (New-CxpaTestFolder) 'bad.json'
        Set-Content -LiteralPath $bad -Value '{ "agents": [ { "id": 1 }, { "id": 1 } ] }'
        { Start-CxpaEmulator -ConfigPath $bad } | Should -Throw -ErrorId 'InvalidConfig,*'
    }
}
