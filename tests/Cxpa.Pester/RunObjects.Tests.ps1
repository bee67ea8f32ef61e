# Run objects as the platform described them: a trigger answer carries no client-clock times, Input has one shape on
# every path, ConvertTo-Json of a run is clean JSON close to the run row; and mixed credential types make one table.
BeforeAll {
    Import-Module "$PSScriptRoot/Support/CxpaTest.psm1" -Force
    $script:emu = Start-CxpaTestEmulator
    Import-Module Cxpa
    Disconnect-Cxpa
    $script:api = @{ BaseUrl = $emu.Url; IngestApiKey = (Get-CxpaTestDemo).IngestKey }
    # The property names of ConvertTo-Json of any run, in order (docs/Start-CxpaRun.md, OUTPUTS).
    $script:jsonNames = @('RunId', 'AgentId', 'Status', 'Input', 'Output', 'Outputs', 'Error', 'ExternalRunId', 'CreatedBy',
        'Metadata', 'CreatedAt', 'StartedAt', 'CompletedAt', 'AdditionalProperties', 'IsTerminal')
    $script:isoDate = '^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$'
    $script:sent = [ordered]@{ url = 'https://example.com'; depth = 2; tags = @('a', 'b'); opts = [ordered]@{ deep = $true } }
    $script:sentJson = $sent | ConvertTo-Json -Depth 5 -Compress
}
AfterAll {
    Disconnect-Cxpa
    Stop-CxpaTestEmulator $script:emu
}

Describe 'A run from a trigger answer' {
    BeforeAll {
        $script:queued = Start-CxpaRun @api -AgentId 48 -InputObject $sent
        $script:row = Get-CxpaRun @api -AgentId 48 -RunId $queued.RunId
    }

    It 'has only RunId, AgentId and Status: no CreatedAt, StartedAt, CompletedAt or Duration from the local clock' {
        $queued.RunId | Should -BeGreaterOrEqual 1000
        $queued.AgentId | Should -Be 48
        $queued.Status | Should -Be 'queued'
        $queued.CreatedAt | Should -BeNullOrEmpty
        $queued.StartedAt | Should -BeNullOrEmpty
        $queued.CompletedAt | Should -BeNullOrEmpty
        $queued.Duration | Should -BeNullOrEmpty
    }

    It 'has the Input sent as a PSCustomObject, the same JSON as the Input Get-CxpaRun reads back' {
        $queued.Input | Should -BeOfType ([pscustomobject])
        $queued.Input.url | Should -Be 'https://example.com'
        $queued.Input.opts.deep | Should -BeTrue
        ($queued.Input | ConvertTo-Json -Depth 5 -Compress) | Should -Be $sentJson
        $row.Input | Should -BeOfType ([pscustomobject])
        ($queued.Input | ConvertTo-Json -Depth 5 -Compress) | Should -Be ($row.Input | ConvertTo-Json -Depth 5 -Compress)
    }

    It 'has an empty object as Input when no input was sent, as the platform stores it' {
        $bare = Start-CxpaRun @api -AgentId 48
        $bare.Input | Should -BeOfType ([pscustomobject])
        ($bare.Input | ConvertTo-Json -Compress) | Should -Be '{}'
        ((Get-CxpaRun @api -AgentId 48 -RunId $bare.RunId).Input | ConvertTo-Json -Compress) | Should -Be '{}'
    }

    It 'has a null Duration while the run goes on, though the platform has its creation time' {
        $row.Status | Should -Be 'queued'
        $row.CreatedAt | Should -BeOfType ([DateTimeOffset])
        $row.CompletedAt | Should -BeNullOrEmpty
        $row.Duration | Should -BeNullOrEmpty
    }
}

Describe 'A completed run (-Wait and Get-CxpaRun)' {
    BeforeAll {
        $script:done = Start-CxpaRun @api -AgentId 42 -InputObject $sent -Wait
        $script:again = Get-CxpaRun @api -AgentId 42 -RunId $done.RunId
    }

    It 'has the same Input shape from -Wait, from Get-CxpaRun, from a -Wait that timed out, and as sent' {
        $done.Input | Should -BeOfType ([pscustomobject])
        ($done.Input | ConvertTo-Json -Depth 5 -Compress) | Should -Be $sentJson
        ($again.Input | ConvertTo-Json -Depth 5 -Compress) | Should -Be $sentJson
        # Agent 48 stays queued: the platform's 1 s window elapses (202) and the run in flight is output with an error.
        $late = Start-CxpaRun @api -AgentId 48 -InputObject $sent -Wait -TimeoutSec 1 -ErrorAction SilentlyContinue -ErrorVariable errs
        $errs[0].FullyQualifiedErrorId | Should -BeLike 'RunWaitTimeout*'
        $late.Input | Should -BeOfType ([pscustomobject])
        ($late.Input | ConvertTo-Json -Depth 5 -Compress) | Should -Be $sentJson
        $late.CreatedAt | Should -BeNullOrEmpty
    }

    It 'has a Duration from the platform timestamps only (StartedAt to CompletedAt), readable but not among its properties' {
        $done.Status | Should -Be 'completed'
        $done.Duration | Should -BeOfType ([TimeSpan])
        $done.Duration | Should -Be ($done.CompletedAt - $done.StartedAt)
        $again.Duration | Should -Be $done.Duration
        @($done.PSObject.Properties.Name) | Should -Not -Contain 'Duration'
    }

    It 'keeps $run.Id as a hidden alias of RunId' {
        $done.Id | Should -Be $done.RunId
        @($done.PSObject.Properties.Name) | Should -Not -Contain 'Id'
    }
}

Describe 'ConvertTo-Json of a run' {
    BeforeAll {
        $script:done = Start-CxpaRun @api -AgentId 42 -InputObject $sent -Wait
        $script:queued = Start-CxpaRun @api -AgentId 48 -InputObject $sent
    }

    It 'has exactly the documented property names for a <Case> run' -ForEach @(
        @{ Case = 'completed'; Var = 'done' }
        @{ Case = 'queued'; Var = 'queued' }
    ) {
        $run = Get-Variable -Name $Var -Scope Script -ValueOnly
        $parsed = $run | ConvertTo-Json -Depth 10 | ConvertFrom-Json
        @($parsed.PSObject.Properties.Name) | Should -Be $jsonNames
    }

    It 'has one id field, no nested TimeSpan, and no empty AdditionalProperties dictionary' {
        $json = $done | ConvertTo-Json -Depth 10
        $json | Should -Not -Match '"Id"\s*:'
        $json | Should -Not -Match '"Ticks"|"TotalSeconds"|"Duration"'
        $parsed = $json | ConvertFrom-Json
        $parsed.RunId | Should -Be $done.RunId
        $parsed.AdditionalProperties | Should -BeNullOrEmpty
        $parsed.Input.url | Should -Be 'https://example.com'
        $parsed.Output.echo.depth | Should -Be 2
    }

    It 'writes dates as ISO-8601 strings, and null for what the platform did not say' {
        $parsed = $done | ConvertTo-Json -Depth 10 | ConvertFrom-Json -DateKind String
        foreach ($name in 'CreatedAt', 'StartedAt', 'CompletedAt') {
            $parsed.$name | Should -BeOfType ([string])
            $parsed.$name | Should -Match $isoDate
        }
        ([DateTimeOffset]::Parse($parsed.CompletedAt, [cultureinfo]::InvariantCulture)) | Should -Be $done.CompletedAt
        $q = $queued | ConvertTo-Json -Depth 10 | ConvertFrom-Json -DateKind String
        $q.CreatedAt | Should -BeNullOrEmpty
        $q.CompletedAt | Should -BeNullOrEmpty
    }
}

Describe 'Get-CxpaCredential of mixed types' {
    BeforeAll {
        $reg = Register-CxpaRun @api -AgentId 48 -ExternalRunId ('objs-' + [guid]::NewGuid().ToString('N')) -AsPlainText
        $script:payload = [pscustomobject]@{ runId = $reg.RunId; agentApiKey = 'cxpa_demo_agent_48'; credentialsToken = $reg.CredentialsToken }
        $script:creds = @('conn_hubspot', 'conn_openai', 'conn_ftp', 'conn_legacy' | ForEach-Object {
            $payload | Get-CxpaCredential -BaseUrl $emu.Url -ConnectionId $_
        })
    }

    It 'is one table with one header line and a row per credential, no secret shown' {
        $creds.Count | Should -Be 4
        $text = $creds | Out-String -Width 200
        $lines = @($text -split "`r?`n" | Where-Object { $_.Trim() })
        @($lines | Where-Object { $_ -match '^Name\s+Type\s+ExpiresAt\s+Details\s*$' }).Count | Should -Be 1
        @($lines | Where-Object { $_ -match '^-{4}\s+-{4}' }).Count | Should -Be 1
        $lines.Count | Should -Be 6
        $lines[2] | Should -Match '^conn_hubspot\s+oauth\s+.*Scopes: '
        $lines[3] | Should -Match '^conn_openai\s+api_key\s+HeaderName: x-api-key'
        $lines[4] | Should -Match '^conn_ftp\s+basic\s+UserName: '
        $lines[5] | Should -Match '^conn_legacy\s+saml\s+Fields: '
        foreach ($secret in 'demo-hubspot-access-token', 'sk-demo-openai-key', 'demo-ftp-password') { $text | Should -Not -BeLike "*$secret*" }
    }

    It 'selects the one Cxpa.CxpaCredential view for every type: no type has a view of its own' {
        foreach ($c in $creds) { $c.PSObject.TypeNames | Should -Contain 'Cxpa.CxpaCredential' }
        @(Get-FormatData -TypeName Cxpa.OAuthCredential, Cxpa.ApiKeyCredential, Cxpa.BasicCredential, Cxpa.GenericCredential).Count | Should -Be 0
        $views = @((Get-FormatData -TypeName Cxpa.CxpaCredential).FormatViewDefinition)
        $views.Count | Should -Be 1
        $views[0].Control | Should -BeOfType ([System.Management.Automation.TableControl])
    }
}
