# Connect-Cxpa, Get-CxpaConnection and Disconnect-Cxpa as a user sees them: the connection object and its view, the default
# it sets for later cmdlets, the errors for bad input, and the environment-variable fallback. No key is ever shown.
BeforeAll {
    Import-Module "$PSScriptRoot/Support/CxpaTest.psm1" -Force
    . "$PSScriptRoot/Support/CxpaTest.Runs.ps1"
    $script:emu = Start-CxpaTestEmulator
    Import-Module Cxpa
    $script:key = (Get-CxpaTestDemo).IngestKey
    $script:base = $emu.Url.TrimEnd('/') + '/'
}
AfterAll {
    Disconnect-Cxpa
    Stop-CxpaTestEmulator $script:emu
}

Describe 'Connect-Cxpa, Get-CxpaConnection, Disconnect-Cxpa' {
    BeforeEach { $script:savedEnv = Clear-CxpaTestEnvironment }
    AfterEach { Restore-CxpaTestEnvironment $savedEnv }

    Context 'the connection object' {
        It 'outputs nothing without -PassThru and stores the default that Get-CxpaConnection shows' {
            $out = @(Connect-Cxpa -BaseUrl $emu.Url -IngestApiKey $key)
            $out.Count | Should -Be 0
            $c = Get-CxpaConnection
            @($c).Count | Should -Be 1
            $c.PSObject.TypeNames[0] | Should -Be 'Cxpa.CxpaConnection'
            $c.BaseUrl.AbsoluteUri | Should -Be $base
            $c.AuthKind | Should -Be 'IngestApiKey'
            $c.Source | Should -Be 'Connect-Cxpa'
            $c.AgentId | Should -BeNullOrEmpty
            $c.RunId | Should -BeNullOrEmpty
            $c.HasCredentialsToken | Should -BeFalse
        }

        It '-PassThru outputs the CxpaConnection it stored' {
            $c = Connect-Cxpa -BaseUrl $emu.Url -IngestApiKey $key -PassThru
            @($c).Count | Should -Be 1
            $c.GetType().FullName | Should -Be 'Cxpa.CxpaConnection'
            $c.AuthKind | Should -Be 'IngestApiKey'
            (Get-CxpaConnection).BaseUrl | Should -Be $c.BaseUrl
            $c.ToString() | Should -Be "IngestApiKey @ $base"
        }

        It 'shows BaseUrl, AuthKind, AgentId, RunId and Source in its default view, and never the key' {
            $c = Connect-Cxpa -BaseUrl $emu.Url -IngestApiKey $key -PassThru
            $text = $c | Out-String -Width 200
            $lines = @($text -split "`r?`n" | Where-Object { $_.Trim() })
            $lines[0] | Should -Match '^BaseUrl\s+AuthKind\s+AgentId\s+RunId\s+Source\s*$'
            $lines[1] | Should -Match '^-+\s+-+\s+-+\s+-+\s+-+\s*$'
            $lines[2] | Should -Match ([regex]::Escape($emu.Url.TrimEnd('/')))
            $lines[2] | Should -Match '\bIngestApiKey\b'
            $lines[2] | Should -Match '\bConnect-Cxpa\s*$'
            $lines.Count | Should -Be 3
            $all = $c | Get-CxpaTestAllText
            $all | Should -Match 'HasCredentialsToken'
            $all | Should -Not -Match ([regex]::Escape($key))
            ($c | ConvertTo-Json -Depth 5 -WarningAction SilentlyContinue) | Should -Not -Match ([regex]::Escape($key))
        }

        It 'shows a zone token''s agent, user and expiry, and never the token' {
            $zone = Invoke-CxpaTestEmulatorApi -Emulator $emu -Path '/_emulator/zone-token' -Method Post -Body @{ agentId = 42 }
            $c = Connect-Cxpa -BaseUrl $emu.Url -ZoneToken $zone.token -PassThru
            $c.AuthKind | Should -Be 'ZoneToken'
            $c.AgentId | Should -Be 42
            $c.UserId | Should -Be (Get-CxpaTestDemo).UserId
            $c.ExpiresAt | Should -BeGreaterThan ([DateTimeOffset]::UtcNow)
            $all = $c | Get-CxpaTestAllText
            $all | Should -Match 'ZoneToken'
            $all | Should -Not -Match ([regex]::Escape($zone.token))
            # The token's signature alone must not leak either.
            $all | Should -Not -Match ([regex]::Escape($zone.token.Split('.')[2]))
        }

        It 'an agent API key connection shows its RunId and whether it carries a credentials token' {
            $c = Connect-Cxpa -BaseUrl $emu.Url -AgentApiKey 'cxpa_demo_agent_48' -RunId 1234 -CredentialsToken 'not-a-real-token' -PassThru
            $c.AuthKind | Should -Be 'AgentApiKey'
            $c.RunId | Should -Be 1234
            $c.HasCredentialsToken | Should -BeTrue
            $all = $c | Get-CxpaTestAllText
            $all | Should -Match '\b1234\b'
            $all | Should -Not -Match 'cxpa_demo_agent_48'
            $all | Should -Not -Match 'not-a-real-token'
        }
    }

    Context 'the default for later cmdlets' {
        It 'is used by Start-CxpaRun with no URL or key, and the key goes in the request' {
            Connect-Cxpa -BaseUrl $emu.Url -IngestApiKey $key
            $before = Get-CxpaTestRequestCount $emu
            $run = Start-CxpaRun -AgentId 42 -InputObject @{ via = 'default' } -Wait
            $run.Status | Should -Be 'completed'
            $run.Output.echo.via | Should -Be 'default'
            $new = @(Get-CxpaTestRequest $emu | Select-Object -Skip $before)
            $new.Count | Should -Be 1
            $new[0].method | Should -Be 'POST'
            $new[0].path | Should -Be '/api/agents/42/runs/trigger-and-wait'
            $new[0].hasAuthorization | Should -BeTrue
            $new[0].status | Should -Be 200
        }

        It 'is not sent to another -BaseUrl: that needs its own key (MissingKey, nothing sent)' {
            Connect-Cxpa -BaseUrl $emu.Url -IngestApiKey $key
            $before = Get-CxpaTestRequestCount $emu
            $err = $null
            try { Get-CxpaRun -BaseUrl 'http://127.0.0.1:9/' -AgentId 42 -RunId 1000 } catch { $err = $_ }
            $err | Should -Not -BeNullOrEmpty
            $err.FullyQualifiedErrorId | Should -Be 'MissingKey,Cxpa.PowerShell.Cmdlets.GetCxpaRunCommand'
            $err.CategoryInfo.Category | Should -Be 'InvalidArgument'
            Get-CxpaTestRequestCount $emu | Should -Be $before
        }

        It 'a -Connection together with a key is a ConnectionConflict' {
            $c = Connect-Cxpa -BaseUrl $emu.Url -IngestApiKey $key -PassThru
            { Get-CxpaRun -Connection $c -IngestApiKey $key -AgentId 42 -RunId 1000 } |
                Should -Throw -ErrorId 'ConnectionConflict,Cxpa.PowerShell.Cmdlets.GetCxpaRunCommand'
        }

        It 'an agent API key connection is refused by the run cmdlets as WrongKeyKind' {
            $c = Connect-Cxpa -BaseUrl $emu.Url -AgentApiKey 'cxpa_demo_agent_48' -RunId 5 -PassThru
            $err = $null
            try { Start-CxpaRun -Connection $c -AgentId 42 } catch { $err = $_ }
            $err.FullyQualifiedErrorId | Should -Be 'WrongKeyKind,Cxpa.PowerShell.Cmdlets.StartCxpaRunCommand'
            $err.CategoryInfo.Category | Should -Be 'InvalidArgument'
            $err | Get-CxpaTestAllText | Should -Not -Match 'cxpa_demo_agent_48'
        }
    }

    Context 'Disconnect-Cxpa' {
        It 'clears the default: Get-CxpaConnection outputs nothing and a run cmdlet fails with MissingBaseUrl before sending' {
            Connect-Cxpa -BaseUrl $emu.Url -IngestApiKey $key
            Disconnect-Cxpa
            @(Get-CxpaConnection).Count | Should -Be 0
            $before = Get-CxpaTestRequestCount $emu
            $err = $null
            try { Start-CxpaRun -AgentId 42 } catch { $err = $_ }
            $err.FullyQualifiedErrorId | Should -Be 'MissingBaseUrl,Cxpa.PowerShell.Cmdlets.StartCxpaRunCommand'
            $err.CategoryInfo.Category | Should -Be 'InvalidArgument'
            $err.Exception.Message | Should -Match 'Connect-Cxpa'
            Get-CxpaTestRequestCount $emu | Should -Be $before
        }

        It 'says so in a verbose line when there is nothing to forget, with no error and no output' {
            $out = @(Disconnect-Cxpa -Verbose -ErrorVariable errs 4>&1)
            $errs.Count | Should -Be 0
            $out.Count | Should -Be 1
            $out[0] | Should -BeOfType ([System.Management.Automation.VerboseRecord])
            $out[0].Message | Should -Be 'No connection to forget.'
        }

        It 'leaves a -PassThru connection object usable with -Connection' {
            $c = Connect-Cxpa -BaseUrl $emu.Url -IngestApiKey $key -PassThru
            Disconnect-Cxpa
            $run = Start-CxpaRun -Connection $c -AgentId 42
            $run.RunId | Should -BeGreaterOrEqual 1000
            $run.AgentId | Should -Be 42
        }
    }

    Context 'bad input' {
        It 'refuses the base URL <Url> with InvalidBaseUrl (InvalidArgument, TargetObject the URL)' -ForEach @(
            @{ Url = 'api/v1' }
            @{ Url = 'ftp://127.0.0.1/' }
            @{ Url = 'http://127.0.0.1:5080/?x=1' }
            @{ Url = 'http://user:pw@127.0.0.1:5080/' }
        ) {
            $err = $null
            try { Connect-Cxpa -BaseUrl $Url -IngestApiKey $key } catch { $err = $_ }
            $err | Should -Not -BeNullOrEmpty
            $err.FullyQualifiedErrorId | Should -Be 'InvalidBaseUrl,Cxpa.PowerShell.Cmdlets.ConnectCxpaCommand'
            $err.CategoryInfo.Category | Should -Be 'InvalidArgument'
            $err.TargetObject | Should -BeOfType ([uri])
            $err.TargetObject.OriginalString | Should -Be $Url
            $err | Get-CxpaTestAllText | Should -Not -Match ([regex]::Escape($key))
            @(Get-CxpaConnection).Count | Should -Be 0
        }

        It 'refuses a key over http:// to another host without -AllowUnencryptedAuthentication' {
            $err = $null
            try { Connect-Cxpa -BaseUrl 'http://cxpa.example.com/' -IngestApiKey $key } catch { $err = $_ }
            $err.FullyQualifiedErrorId | Should -Be 'UnencryptedAuthentication,Cxpa.PowerShell.Cmdlets.ConnectCxpaCommand'
            $err.CategoryInfo.Category | Should -Be 'InvalidArgument'
            $err.TargetObject | Should -Be ([uri]'http://cxpa.example.com/')
            $err.Exception.Message | Should -Match 'AllowUnencryptedAuthentication'
            $err | Get-CxpaTestAllText | Should -Not -Match ([regex]::Escape($key))
            @(Get-CxpaConnection).Count | Should -Be 0
        }

        It 'accepts http:// to another host with -AllowUnencryptedAuthentication, and https:// without it (nothing is sent)' {
            $before = Get-CxpaTestRequestCount $emu
            (Connect-Cxpa -BaseUrl 'http://cxpa.example.com/' -IngestApiKey $key -AllowUnencryptedAuthentication -PassThru).BaseUrl |
                Should -Be ([uri]'http://cxpa.example.com/')
            (Connect-Cxpa -BaseUrl 'https://cxpa.example.com/base' -IngestApiKey $key -PassThru).BaseUrl.AbsoluteUri |
                Should -Be 'https://cxpa.example.com/base/'
            (Connect-Cxpa -BaseUrl 'http://localhost:9/' -IngestApiKey $key -PassThru).AuthKind | Should -Be 'IngestApiKey'
            Get-CxpaTestRequestCount $emu | Should -Be $before
        }

        It 'refuses an empty key with MissingKey' {
            $err = $null
            try { Connect-Cxpa -BaseUrl $emu.Url -IngestApiKey '' } catch { $err = $_ }
            $err.FullyQualifiedErrorId | Should -Be 'MissingKey,Cxpa.PowerShell.Cmdlets.ConnectCxpaCommand'
            $err.CategoryInfo.Category | Should -Be 'InvalidArgument'
            @(Get-CxpaConnection).Count | Should -Be 0
        }

        It 'refuses a missing key at binding (the suite is non-interactive, so nothing prompts)' {
            { Connect-Cxpa -BaseUrl $emu.Url } |
                Should -Throw -ErrorId 'MissingMandatoryParameter,Cxpa.PowerShell.Cmdlets.ConnectCxpaCommand'
        }

        It 'refuses a key that is neither a string nor a SecureString at binding' {
            { Connect-Cxpa -BaseUrl $emu.Url -IngestApiKey (Get-Date) } |
                Should -Throw -ErrorId 'ParameterArgumentTransformationError,Cxpa.PowerShell.Cmdlets.ConnectCxpaCommand'
        }

        It 'refuses -RunId 0 for an agent API key at binding' {
            { Connect-Cxpa -BaseUrl $emu.Url -AgentApiKey 'k' -RunId 0 } |
                Should -Throw -ErrorId 'ParameterArgumentValidationError,Cxpa.PowerShell.Cmdlets.ConnectCxpaCommand'
        }

        It 'fails with MissingBaseUrl when there is no -BaseUrl and no environment variable' {
            $err = $null
            try { Connect-Cxpa -IngestApiKey $key } catch { $err = $_ }
            $err.FullyQualifiedErrorId | Should -Be 'MissingBaseUrl,Cxpa.PowerShell.Cmdlets.ConnectCxpaCommand'
            $err.CategoryInfo.Category | Should -Be 'InvalidArgument'
            $err | Get-CxpaTestAllText | Should -Not -Match ([regex]::Escape($key))
        }
    }

    Context 'the environment variables' {
        It 'make the default when there is no Connect-Cxpa (Source Environment), and the run cmdlets use it' {
            $env:CXPA_API_URL = $emu.Url
            $env:CXPA_INGEST_KEY = $key
            $c = Get-CxpaConnection
            $c.Source | Should -Be 'Environment'
            $c.AuthKind | Should -Be 'IngestApiKey'
            $c.BaseUrl.AbsoluteUri | Should -Be $base
            ($c | Out-String) | Should -Match '\bEnvironment\b'
            $c | Get-CxpaTestAllText | Should -Not -Match ([regex]::Escape($key))
            $run = Start-CxpaRun -AgentId 42 -Wait
            $run.Status | Should -Be 'completed'
        }

        It 'PLATFORM_API_BASE_URL is the URL when CXPA_API_URL is not set' {
            $env:PLATFORM_API_BASE_URL = $emu.Url
            $env:CXPA_INGEST_KEY = $key
            (Get-CxpaConnection).BaseUrl.AbsoluteUri | Should -Be $base
        }

        It 'Connect-Cxpa takes its URL from CXPA_API_URL, and then wins over the environment' {
            $env:CXPA_API_URL = $emu.Url
            $env:CXPA_INGEST_KEY = 'env_key_not_used'
            $c = Connect-Cxpa -IngestApiKey $key -PassThru
            $c.BaseUrl.AbsoluteUri | Should -Be $base
            (Get-CxpaConnection).Source | Should -Be 'Connect-Cxpa'
            (Start-CxpaRun -AgentId 42 -Wait).Status | Should -Be 'completed'
        }

        It 'a URL without a key makes no connection, and a run cmdlet fails with MissingKey' {
            $env:CXPA_API_URL = $emu.Url
            @(Get-CxpaConnection -ErrorVariable errs).Count | Should -Be 0
            $errs.Count | Should -Be 0
            { Start-CxpaRun -AgentId 42 } | Should -Throw -ErrorId 'MissingKey,Cxpa.PowerShell.Cmdlets.StartCxpaRunCommand'
        }

        It 'a CXPA_API_URL that is not absolute is ignored' {
            $env:CXPA_API_URL = 'not a url'
            $env:CXPA_INGEST_KEY = $key
            @(Get-CxpaConnection).Count | Should -Be 0
        }

        It 'an http:// CXPA_API_URL to another host is a non-terminating UnencryptedAuthentication error' {
            $env:CXPA_API_URL = 'http://cxpa.example.com/'
            $env:CXPA_INGEST_KEY = $key
            $out = @(Get-CxpaConnection -ErrorVariable errs -ErrorAction SilentlyContinue)
            $out.Count | Should -Be 0
            $errs.Count | Should -Be 1
            $errs[0].FullyQualifiedErrorId | Should -Be 'UnencryptedAuthentication,Cxpa.PowerShell.Cmdlets.GetCxpaConnectionCommand'
            $errs[0].CategoryInfo.Category | Should -Be 'InvalidArgument'
            $errs[0] | Get-CxpaTestAllText | Should -Not -Match ([regex]::Escape($key))
        }
    }
}
