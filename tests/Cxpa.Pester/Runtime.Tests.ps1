# What users see from Register-CxpaRun, Send-CxpaIngest, Send-CxpaRunEvent and Get-CxpaCredential in the real pwsh,
# against the installed module and an emulator process (agents 42, 44, 46, 48: docs/emulator.md).

BeforeAll {
    Import-Module "$PSScriptRoot/Support/CxpaTest.psm1" -Force
    . "$PSScriptRoot/Support/CxpaTest.Runtime.ps1"
    $script:emu = Start-CxpaTestEmulator
    Import-Module Cxpa
    Disconnect-Cxpa
    # The MissingKey and MissingRunId cases need no key from the environment either; put it back afterwards.
    $script:savedIngestKey = $env:CXPA_INGEST_KEY
    $env:CXPA_INGEST_KEY = $null
    $script:url = $emu.Url
    $script:key = (Get-CxpaTestDemo).IngestKey
    $script:agentKey = 'cxpa_demo_agent_48'
    $script:api = @{ BaseUrl = $emu.Url; IngestApiKey = (Get-CxpaTestDemo).IngestKey }

    # A run of agent 48 (runs wait for runtime callbacks) and the trigger payload its runtime would receive.
    function New-RuntimeRun {
        $run = Start-CxpaRun @api -AgentId 48
        Get-CxpaTestTriggerPayload -Emulator $emu -RunId $run.RunId
    }
}
AfterAll {
    Disconnect-Cxpa
    $env:CXPA_INGEST_KEY = $script:savedIngestKey
    Stop-CxpaTestEmulator $script:emu
}

Describe 'Register-CxpaRun' {
    It 'is idempotent on -ExternalRunId: the same external id gives the same RunId, another id another run' {
        $ext = 'reg-' + [guid]::NewGuid().ToString('N')
        $a = Register-CxpaRun @api -AgentId 42 -ExternalRunId $ext -InputObject @{ url = 'https://example.com' } -Metadata @{ source = 'pester' }
        $b = Register-CxpaRun @api -AgentId 42 -ExternalRunId $ext
        $c = Register-CxpaRun @api -AgentId 42 -ExternalRunId "$ext-other"

        $a.PSObject.TypeNames[0] | Should -Be 'Cxpa.RunRegistration'
        $a.RunId | Should -BeGreaterThan 0
        $b.RunId | Should -Be $a.RunId
        $c.RunId | Should -Not -Be $a.RunId
        $a.AgentId | Should -Be 42
        $a.ExternalRunId | Should -Be $ext

        $row = Get-CxpaTestRunRow -Emulator $emu -RunId $a.RunId
        $row.status | Should -Be 'running'
        $row.external_run_id | Should -Be $ext
        $row.input_data.url | Should -Be 'https://example.com'
        $row.metadata.source | Should -Be 'pester'
        @((Invoke-CxpaTestEmulatorApi -Emulator $emu -Path '/_emulator/runs?agentId=42').runs | Where-Object external_run_id -eq $ext).Count | Should -Be 1
    }

    It 'outputs the CredentialsToken as a SecureString by default and as a string only with -AsPlainText' {
        $ext = 'tok-' + [guid]::NewGuid().ToString('N')
        $secure = Register-CxpaRun @api -AgentId 48 -ExternalRunId $ext
        $plain = Register-CxpaRun @api -AgentId 48 -ExternalRunId $ext -AsPlainText

        $secure.CredentialsToken | Should -BeOfType [System.Security.SecureString]
        $plain.CredentialsToken | Should -BeOfType [string]
        $plain.CredentialsToken.Split('.').Count | Should -Be 3
        (ConvertFrom-CxpaTestSecureString $secure.CredentialsToken).Split('.').Count | Should -Be 3
        (ConvertFrom-CxpaTestJwtPart $plain.CredentialsToken.Split('.')[1]).runId | Should -Be $plain.RunId
        $plain.ExpiresInSeconds | Should -BeGreaterThan 0
        $plain.ExpiresAt | Should -BeGreaterThan ([DateTimeOffset]::UtcNow)
    }

    It 'shows RunId, AgentId, ExternalRunId and ExpiresAt in its default view, never the token (even with -AsPlainText)' {
        $ext = 'view-' + [guid]::NewGuid().ToString('N').Substring(0, 8)
        $plain = Register-CxpaRun @api -AgentId 48 -ExternalRunId $ext -AsPlainText
        $text = $plain | Out-String
        $text | Should -Match 'RunId\s+AgentId\s+ExternalRunId\s+ExpiresAt'
        $text | Should -Match "\b$($plain.RunId)\s+48\s+$ext\b"
        $text | Should -Not -Match 'CredentialsToken'
        $text | Should -Not -BeLike "*$($plain.CredentialsToken)*"
        $text | Should -Not -BeLike "*$($plain.CredentialsToken.Split('.')[2])*"
        # Format-List * of the default (SecureString) form shows the type name, not the token.
        (Register-CxpaRun @api -AgentId 48 -ExternalRunId $ext | Format-List * | Out-String) | Should -Match 'CredentialsToken\s+:\s+System\.Security\.SecureString'
    }

    It 'refuses an agent that is not eligible with AgentNotEligible (PermissionDenied), the external id as target' -ForEach @(
        @{ AgentId = 44; Why = 'standalone' }
        @{ AgentId = 46; Why = 'external triggers off' }
    ) {
        $ext = "ne-$AgentId"
        $out = Register-CxpaRun @api -AgentId $AgentId -ExternalRunId $ext -ErrorVariable err -ErrorAction SilentlyContinue
        $out | Should -BeNullOrEmpty
        $err.Count | Should -Be 1
        $err[0].FullyQualifiedErrorId | Should -Be 'AgentNotEligible,Cxpa.PowerShell.Cmdlets.RegisterCxpaRunCommand'
        $err[0].CategoryInfo.Category | Should -Be 'PermissionDenied'
        $err[0].TargetObject | Should -Be $ext
        $err[0].ErrorDetails.Message | Should -Match "agent $AgentId"
        Get-CxpaTestErrorText $err[0] | Should -Not -BeLike "*$key*"
    }

    It 'refuses a wrong ingest key with Unauthorized (AuthenticationError) and never shows the key' {
        $wrong = 'cxpa_wrong_ingest_key_' + [guid]::NewGuid().ToString('N')
        $records = Register-CxpaRun -BaseUrl $url -IngestApiKey $wrong -AgentId 42 -ExternalRunId 'wrong-key' -Verbose -ErrorVariable err -ErrorAction Continue *>&1
        $err.Count | Should -Be 1
        $err[0].FullyQualifiedErrorId | Should -BeLike 'Unauthorized,*'
        $err[0].CategoryInfo.Category | Should -Be 'AuthenticationError'
        $err[0].TargetObject | Should -Be 'wrong-key'
        $text = Get-CxpaTestStreamText $records
        $text | Should -Match "Registering run 'wrong-key' of agent 42"
        $text | Should -Not -BeLike "*$wrong*"
    }

    It 'rejects <Case> before sending anything' -ForEach @(
        @{ Case = 'JSON text of an array as -InputObject'; Params = @{ InputObject = '[1,2]' }; ErrorId = 'InvalidInput'; Category = 'InvalidArgument' }
        @{ Case = 'a scalar as -Metadata'; Params = @{ Metadata = 42 }; ErrorId = 'InvalidInput'; Category = 'InvalidArgument' }
    ) {
        Clear-CxpaTestRequestLog -Emulator $emu
        $out = Register-CxpaRun @api -AgentId 42 -ExternalRunId 'bad-input' @Params -ErrorVariable err -ErrorAction SilentlyContinue
        $out | Should -BeNullOrEmpty
        $err.Count | Should -Be 1
        $err[0].FullyQualifiedErrorId | Should -Be "$ErrorId,Cxpa.PowerShell.Cmdlets.RegisterCxpaRunCommand"
        $err[0].CategoryInfo.Category | Should -Be $Category
        @(Get-CxpaTestRequestLog -Emulator $emu).Count | Should -Be 0
    }

    It 'rejects an -ExternalRunId of <Length> characters at binding' -ForEach @(@{ Length = 0 }, @{ Length = 256 }) {
        $ext = 'x' * $Length
        { Register-CxpaRun @api -AgentId 42 -ExternalRunId $ext } | Should -Throw -ErrorId 'ParameterArgumentValidationError*'
    }

    It 'fails with MissingKey (InvalidArgument, terminating) when no key is given anywhere' {
        $err = $null
        try { Register-CxpaRun -BaseUrl $url -AgentId 42 -ExternalRunId 'no-key' } catch { $err = $_ }
        $err | Should -Not -BeNullOrEmpty
        $err.FullyQualifiedErrorId | Should -Be 'MissingKey,Cxpa.PowerShell.Cmdlets.RegisterCxpaRunCommand'
        $err.CategoryInfo.Category | Should -Be 'InvalidArgument'
    }

    It '-WhatIf names the operation, shows key names only and sends nothing' {
        Clear-CxpaTestRequestLog -Emulator $emu
        $text = Invoke-CxpaTestWhatIf -Emulator $emu -Script @"
Register-CxpaRun -IngestApiKey '$key' -AgentId 42 -ExternalRunId 'whatif-1' -InputObject @{ city = 'Oslo-secret-value' } -WhatIf
"@
        $text | Should -Match "What if: .*Register run 'whatif-1' of agent 42"
        $text | Should -Match 'POST api/agents/42/runs/register'
        $text | Should -Match 'keys city \(values not shown\)'
        $text | Should -Not -Match 'Oslo-secret-value'
        $text | Should -Not -BeLike "*$key*"
        @(Get-CxpaTestRequestLog -Emulator $emu).Count | Should -Be 0
    }
}

Describe 'Send-CxpaIngest' {
    It 'reports -Status <Status> as <Sent> and outputs one IngestResult' -ForEach @(
        @{ Status = 'Running'; Sent = 'running' }
        @{ Status = 'Completed'; Sent = 'completed' }
        @{ Status = 'Failed'; Sent = 'failed' }
        @{ Status = 'Cancelled'; Sent = 'cancelled' }
        @{ Status = 'COMPLETED'; Sent = 'completed' }
    ) {
        $ext = "ingest-$Status-" + [guid]::NewGuid().ToString('N').Substring(0, 8)
        $out = @(Send-CxpaIngest @api -AgentId 44 -ExternalRunId $ext -Status $Status)
        $out.Count | Should -Be 1
        $out[0].PSObject.TypeNames[0] | Should -Be 'Cxpa.IngestResult'
        $out[0].Status | Should -Be $Sent
        $out[0].ExternalRunId | Should -Be $ext
        $out[0].AgentId | Should -Be 44
        (Get-CxpaTestRunRow -Emulator $emu -RunId $out[0].RunId).status | Should -Be $Sent
    }

    It 'updates the same run from running to completed with its output, and shows it in the default view' {
        $ext = 'ingest-life-' + [guid]::NewGuid().ToString('N').Substring(0, 8)
        $first = Send-CxpaIngest @api 44 $ext Running
        $last = Send-CxpaIngest @api -AgentId 44 -ExternalRunId $ext -Status Completed -Output @{ pages = 42 } -Outputs 42
        $last.RunId | Should -Be $first.RunId
        $row = Get-CxpaTestRunRow -Emulator $emu -RunId $last.RunId
        $row.status | Should -Be 'completed'
        $row.output_data.pages | Should -Be 42
        $row.outputs | Should -Be 42
        $row.external_run_id | Should -Be $ext

        $text = $last | Out-String
        $text | Should -Match 'RunId\s+AgentId\s+ExternalRunId\s+Status'
        $text | Should -Match "\b$($last.RunId)\s+44\s+$ext\s+completed\b"
    }

    It 'records -ErrorMessage of a failed run, and binds piped objects by property name' {
        $ext = 'ingest-pipe-' + [guid]::NewGuid().ToString('N').Substring(0, 8)
        $out = @(
            [pscustomobject]@{ AgentId = 44; ExternalRunId = "$ext-1"; Status = 'Completed'; Output = @{ rows = 10 } }
            [pscustomobject]@{ AgentId = 44; ExternalRunId = "$ext-2"; Status = 'Failed'; ErrorMessage = 'Upstream site unreachable' }
        ) | Send-CxpaIngest @api
        $out.Count | Should -Be 2
        (Get-CxpaTestRunRow -Emulator $emu -RunId $out[0].RunId).output_data.rows | Should -Be 10
        $failed = Get-CxpaTestRunRow -Emulator $emu -RunId $out[1].RunId
        $failed.status | Should -Be 'failed'
        $failed.error | Should -Be 'Upstream site unreachable'
    }

    It 'refuses a status change of a terminal run with Conflict (InvalidOperation), the external id as target, and outputs nothing' {
        $ext = 'ingest-done-' + [guid]::NewGuid().ToString('N').Substring(0, 8)
        $done = Send-CxpaIngest @api -AgentId 44 -ExternalRunId $ext -Status Completed
        $out = Send-CxpaIngest @api -AgentId 44 -ExternalRunId $ext -Status Running -ErrorVariable err -ErrorAction SilentlyContinue
        $out | Should -BeNullOrEmpty
        $err.Count | Should -Be 1
        $err[0].FullyQualifiedErrorId | Should -Be 'Conflict,Cxpa.PowerShell.Cmdlets.SendCxpaIngestCommand'
        $err[0].CategoryInfo.Category | Should -Be 'InvalidOperation'
        $err[0].TargetObject | Should -Be $ext
        (Get-CxpaTestRunRow -Emulator $emu -RunId $done.RunId).status | Should -Be 'completed'
    }

    It 'refuses a platform-managed agent with AgentNotEligible (PermissionDenied)' {
        $out = Send-CxpaIngest @api -AgentId 42 -ExternalRunId 'ingest-42' -Status Running -ErrorVariable err -ErrorAction SilentlyContinue
        $out | Should -BeNullOrEmpty
        $err[0].FullyQualifiedErrorId | Should -Be 'AgentNotEligible,Cxpa.PowerShell.Cmdlets.SendCxpaIngestCommand'
        $err[0].CategoryInfo.Category | Should -Be 'PermissionDenied'
        $err[0].TargetObject | Should -Be 'ingest-42'
    }

    It 'refuses an -Output holding a SecureString with InvalidInput (InvalidArgument), sends nothing and never shows the secret' {
        Clear-CxpaTestRequestLog -Emulator $emu
        $hidden = 'ingest-output-secret-' + [guid]::NewGuid().ToString('N')
        $output = @{ password = (ConvertTo-SecureString $hidden -AsPlainText -Force) }
        $records = Send-CxpaIngest @api -AgentId 44 -ExternalRunId 'ingest-secure' -Status Completed -Output $output -Verbose -ErrorVariable err -ErrorAction Continue *>&1
        @($records | Where-Object { $_.PSObject.TypeNames[0] -eq 'Cxpa.IngestResult' }).Count | Should -Be 0
        $err.Count | Should -Be 1
        $err[0].FullyQualifiedErrorId | Should -Be 'InvalidInput,Cxpa.PowerShell.Cmdlets.SendCxpaIngestCommand'
        $err[0].CategoryInfo.Category | Should -Be 'InvalidArgument'
        $err[0].ErrorDetails.Message | Should -Match 'SecureString'
        Get-CxpaTestStreamText $records | Should -Not -BeLike "*$hidden*"
        @(Get-CxpaTestRequestLog -Emulator $emu).Count | Should -Be 0
    }

    It 'rejects -Status <Status> at binding and sends nothing' -ForEach @(@{ Status = 'Done' }, @{ Status = 'queued' }, @{ Status = '' }) {
        Clear-CxpaTestRequestLog -Emulator $emu
        { Send-CxpaIngest @api -AgentId 44 -ExternalRunId 'bad-status' -Status $Status } | Should -Throw -ErrorId 'ParameterArgumentValidationError*'
        @(Get-CxpaTestRequestLog -Emulator $emu).Count | Should -Be 0
    }

    It '-WhatIf names the operation and status, outputs nothing and sends nothing' {
        Clear-CxpaTestRequestLog -Emulator $emu
        $text = Invoke-CxpaTestWhatIf -Emulator $emu -Script @"
`$out = Send-CxpaIngest -IngestApiKey '$key' -AgentId 44 -ExternalRunId 'whatif-2' -Status Completed -Output @{ pages = 'hidden-value' } -WhatIf
"output count: `$(@(`$out).Count)"
"@
        $text | Should -Match "What if: .*Report run 'whatif-2' of agent 44 as completed"
        $text | Should -Match 'POST api/agents/44/runs/ingest'
        $text | Should -Match 'output count: 0'
        $text | Should -Not -Match 'hidden-value'
        $text | Should -Not -BeLike "*$key*"
        @(Get-CxpaTestRequestLog -Emulator $emu).Count | Should -Be 0
    }
}

Describe 'Send-CxpaRunEvent' {
    It 'drives a run from its trigger payload: started, output, waiting, complete' {
        $payload = New-RuntimeRun
        $payload.AgentApiKey | Should -Be $agentKey

        $started = $payload | Send-CxpaRunEvent -BaseUrl $url -Started
        $started.PSObject.TypeNames[0] | Should -Be 'Cxpa.RunEventResult'
        $started.Event | Should -Be 'started'
        $started.Ok | Should -BeTrue
        $started.Status | Should -Be 'running'
        $started.RunId | Should -Be $payload.RunId
        (Get-CxpaTestRunRow -Emulator $emu -RunId $payload.RunId).status | Should -Be 'running'

        $output = $payload | Send-CxpaRunEvent -BaseUrl $url -Output @{ progress = 50 } -Outputs 1
        $output.Event | Should -Be 'output'
        $output.Status | Should -Be 'running'
        $row = Get-CxpaTestRunRow -Emulator $emu -RunId $payload.RunId
        $row.output_data.progress | Should -Be 50
        $row.outputs | Should -Be 1

        $waiting = $payload | Send-CxpaRunEvent -BaseUrl $url -Waiting -TokenId 'approval-7' -Description 'Manager approval'
        $waiting.Event | Should -Be 'waiting'
        $waiting.Status | Should -Be 'waiting'
        $row = Get-CxpaTestRunRow -Emulator $emu -RunId $payload.RunId
        $row.status | Should -Be 'waiting'
        $row.metadata.waiting.tokenId | Should -Be 'approval-7'

        $complete = $payload | Send-CxpaRunEvent -BaseUrl $url -Complete -Output @{ summary = 'done' } -Outputs 2
        $complete.Event | Should -Be 'complete'
        $complete.Status | Should -Be 'completed'
        $row = Get-CxpaTestRunRow -Emulator $emu -RunId $payload.RunId
        $row.status | Should -Be 'completed'
        $row.output_data.summary | Should -Be 'done'
        $row.outputs | Should -Be 2
        $row.completed_at | Should -Not -BeNullOrEmpty

        $text = $complete | Out-String
        $text | Should -Match 'RunId\s+Event\s+Ok\s+Status'
        $text | Should -Match "\b$($payload.RunId)\s+complete\s+True\s+completed\b"
        $text | Should -Not -BeLike "*$agentKey*"
    }

    It 'keeps the last intermediate output when -Complete comes without -Output' {
        $payload = New-RuntimeRun
        $null = $payload | Send-CxpaRunEvent -BaseUrl $url -Output @{ rows = 7 } -Outputs 7
        $r = $payload | Send-CxpaRunEvent -BaseUrl $url -Complete
        $r.Status | Should -Be 'completed'
        $row = Get-CxpaTestRunRow -Emulator $emu -RunId $payload.RunId
        $row.status | Should -Be 'completed'
        $row.output_data.rows | Should -Be 7
        $row.outputs | Should -Be 7
    }

    It 'refuses <Case> as -Output with InvalidInput (InvalidArgument), sending nothing' -ForEach @(
        @{ Case = 'a SecureString inside an intermediate output'; Complete = $false; Make = { @{ token = (ConvertTo-SecureString 'event-output-secret-value' -AsPlainText -Force) } } }
        @{ Case = 'a SecureString inside a final output'; Complete = $true; Make = { @{ token = (ConvertTo-SecureString 'event-output-secret-value' -AsPlainText -Force) } } }
        @{ Case = 'a hashtable that contains itself'; Complete = $false; Make = { $h = @{ name = 'loop' }; $h.self = $h; $h } }
    ) {
        $payload = New-RuntimeRun
        Clear-CxpaTestRequestLog -Emulator $emu
        $output = & $Make
        $extra = if ($Complete) { @{ Complete = $true } } else { @{} }
        $records = $payload | Send-CxpaRunEvent -BaseUrl $url -Output $output @extra -Verbose -ErrorVariable err -ErrorAction Continue *>&1
        @($records | Where-Object { $_.PSObject.TypeNames[0] -eq 'Cxpa.RunEventResult' }).Count | Should -Be 0
        $err.Count | Should -Be 1
        $err[0].FullyQualifiedErrorId | Should -Be 'InvalidInput,Cxpa.PowerShell.Cmdlets.SendCxpaRunEventCommand'
        $err[0].CategoryInfo.Category | Should -Be 'InvalidArgument'
        $text = Get-CxpaTestStreamText $records
        $text | Should -Match 'InvalidInput'
        $text | Should -Not -BeLike '*event-output-secret-value*'
        $text | Should -Not -BeLike "*$agentKey*"
        @(Get-CxpaTestRequestLog -Emulator $emu).Count | Should -Be 0
        (Get-CxpaTestRunRow -Emulator $emu -RunId $payload.RunId).status | Should -Be 'queued'
    }

    It 'reports -Fail -Message with -Name, and the run fails with that error' {
        $payload = New-RuntimeRun
        $r = Send-CxpaRunEvent -BaseUrl $url -RunId $payload.RunId -AgentApiKey $payload.AgentApiKey -Fail -Message 'The upstream API answered 500' -Name 'HttpError'
        $r.Event | Should -Be 'fail'
        $r.Status | Should -Be 'failed'
        $row = Get-CxpaTestRunRow -Emulator $emu -RunId $payload.RunId
        $row.status | Should -Be 'failed'
        $row.error | Should -Be 'The upstream API answered 500'
        $row.metadata.error.name | Should -Be 'HttpError'
    }

    It 'reports -ErrorRecord from a catch block through a Connect-Cxpa -AgentApiKey -RunId connection' {
        $payload = New-RuntimeRun
        Connect-Cxpa -BaseUrl $url -AgentApiKey $payload.AgentApiKey -RunId $payload.RunId
        try {
            try { throw 'Disk quota exceeded' }
            catch { $r = Send-CxpaRunEvent -ErrorRecord $_ }
        }
        finally { Disconnect-Cxpa }
        $r.Event | Should -Be 'fail'
        $r.RunId | Should -Be $payload.RunId
        $row = Get-CxpaTestRunRow -Emulator $emu -RunId $payload.RunId
        $row.status | Should -Be 'failed'
        $row.error | Should -Be 'Disk quota exceeded'
    }

    It 'refuses an event for a terminal run with Conflict (InvalidOperation), the run id as target and in the message' {
        $payload = New-RuntimeRun
        $null = $payload | Send-CxpaRunEvent -BaseUrl $url -Complete
        $out = $payload | Send-CxpaRunEvent -BaseUrl $url -Started -ErrorVariable err -ErrorAction SilentlyContinue
        $out | Should -BeNullOrEmpty
        $err.Count | Should -Be 1
        $err[0].FullyQualifiedErrorId | Should -Be 'Conflict,Cxpa.PowerShell.Cmdlets.SendCxpaRunEventCommand'
        $err[0].CategoryInfo.Category | Should -Be 'InvalidOperation'
        $err[0].TargetObject | Should -Be $payload.RunId
        $err[0].ErrorDetails.Message | Should -Match "run $($payload.RunId)\b"
        (Get-CxpaTestRunRow -Emulator $emu -RunId $payload.RunId).status | Should -Be 'completed'
    }

    It 'refuses a wrong agent API key with Unauthorized (AuthenticationError), never showing the key' {
        $payload = New-RuntimeRun
        $wrong = 'cxpa_wrong_agent_key_' + [guid]::NewGuid().ToString('N')
        $records = Send-CxpaRunEvent -BaseUrl $url -RunId $payload.RunId -AgentApiKey $wrong -Started -Verbose -ErrorVariable err -ErrorAction Continue *>&1
        $err.Count | Should -Be 1
        $err[0].FullyQualifiedErrorId | Should -Be 'Unauthorized,Cxpa.PowerShell.Cmdlets.SendCxpaRunEventCommand'
        $err[0].CategoryInfo.Category | Should -Be 'AuthenticationError'
        $err[0].TargetObject | Should -Be $payload.RunId
        $err[0].ErrorDetails.Message | Should -Match "run $($payload.RunId)\b"
        $text = Get-CxpaTestStreamText $records
        $text | Should -Match "api/runs/$($payload.RunId)/callback"
        $text | Should -Not -BeLike "*$wrong*"
        (Get-CxpaTestRunRow -Emulator $emu -RunId $payload.RunId).status | Should -Be 'queued'
    }

    It 'refuses an unknown run with NotFound (ObjectNotFound), the run id as target' {
        $out = Send-CxpaRunEvent -BaseUrl $url -RunId 987654 -AgentApiKey $agentKey -Started -ErrorVariable err -ErrorAction SilentlyContinue
        $out | Should -BeNullOrEmpty
        $err[0].FullyQualifiedErrorId | Should -Be 'NotFound,Cxpa.PowerShell.Cmdlets.SendCxpaRunEventCommand'
        $err[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
        $err[0].TargetObject | Should -Be 987654
        Get-CxpaTestErrorText $err[0] | Should -Not -BeLike "*$agentKey*"
    }

    It 'fails with <ErrorId> (InvalidArgument, terminating) when <Case>' -ForEach @(
        @{ Case = 'no run id is given or connected'; ErrorId = 'MissingRunId'; Params = @{ AgentApiKey = 'cxpa_demo_agent_48' } }
        @{ Case = 'no agent API key is given or connected'; ErrorId = 'MissingKey'; Params = @{ RunId = 1000 } }
    ) {
        Clear-CxpaTestRequestLog -Emulator $emu
        $err = $null
        try { Send-CxpaRunEvent -BaseUrl $url -Started @Params } catch { $err = $_ }
        $err | Should -Not -BeNullOrEmpty
        $err.FullyQualifiedErrorId | Should -Be "$ErrorId,Cxpa.PowerShell.Cmdlets.SendCxpaRunEventCommand"
        $err.CategoryInfo.Category | Should -Be 'InvalidArgument'
        Get-CxpaTestErrorText $err | Should -Not -BeLike "*$agentKey*"
        @(Get-CxpaTestRequestLog -Emulator $emu).Count | Should -Be 0
    }

    It 'rejects <Case> at binding' -ForEach @(
        @{ Case = '-Waiting without -TokenId'; Params = @{ Waiting = $true; Description = 'x' }; ErrorId = 'MissingMandatoryParameter*' }
        @{ Case = '-Fail with an empty -Message'; Params = @{ Fail = $true; Message = '' }; ErrorId = 'ParameterArgumentValidationError*' }
        @{ Case = '-Started together with -Complete'; Params = @{ Started = $true; Complete = $true }; ErrorId = 'AmbiguousParameterSet*' }
        @{ Case = '-RunId 0'; Params = @{ RunId = 0; Started = $true }; ErrorId = 'ParameterArgumentValidationError*' }
    ) {
        { Send-CxpaRunEvent -BaseUrl $url -AgentApiKey $agentKey @Params } | Should -Throw -ErrorId $ErrorId
    }

    It '-WhatIf names the event and run, never the agent API key, and sends nothing' {
        $payload = New-RuntimeRun
        Clear-CxpaTestRequestLog -Emulator $emu
        $text = Invoke-CxpaTestWhatIf -Emulator $emu -Script @"
Send-CxpaRunEvent -RunId $($payload.RunId) -AgentApiKey '$agentKey' -CredentialsToken '$($payload.CredentialsToken)' -Complete -Output @{ answer = 'hidden-value' } -WhatIf
"@
        $text | Should -Match "What if: .*Report 'complete' for run $($payload.RunId)"
        $text | Should -Match "POST api/runs/$($payload.RunId)/callback"
        $text | Should -Not -BeLike "*$agentKey*"
        $text | Should -Not -BeLike "*$($payload.CredentialsToken)*"
        $text | Should -Not -Match 'hidden-value'
        @(Get-CxpaTestRequestLog -Emulator $emu).Count | Should -Be 0
        (Get-CxpaTestRunRow -Emulator $emu -RunId $payload.RunId).status | Should -Be 'queued'
    }
}

Describe 'Get-CxpaCredential' {
    BeforeAll {
        $reg = Register-CxpaRun @api -AgentId 48 -ExternalRunId ('cred-' + [guid]::NewGuid().ToString('N')) -AsPlainText
        $script:credPayload = [pscustomobject]@{ runId = $reg.RunId; agentApiKey = $agentKey; credentialsToken = $reg.CredentialsToken }
    }

    It 'resolves <ConnectionId> as a <TypeName> with its secret as a SecureString, and its one view shows no secret' -ForEach @(
        @{ ConnectionId = 'conn_hubspot'; TypeName = 'Cxpa.OAuthCredential'; SecretProperty = 'AccessToken'; Secret = 'demo-hubspot-access-token'; Columns = 'Name\s+Type\s+ExpiresAt\s+Details' }
        @{ ConnectionId = 'conn_openai'; TypeName = 'Cxpa.ApiKeyCredential'; SecretProperty = 'ApiKey'; Secret = 'sk-demo-openai-key'; Columns = 'Name\s+Type\s+ExpiresAt\s+Details' }
        @{ ConnectionId = 'conn_ftp'; TypeName = 'Cxpa.BasicCredential'; SecretProperty = 'Password'; Secret = 'demo-ftp-password'; Columns = 'Name\s+Type\s+ExpiresAt\s+Details' }
    ) {
        $c = $credPayload | Get-CxpaCredential -BaseUrl $url -ConnectionId $ConnectionId
        $c.PSObject.TypeNames[0] | Should -Be $TypeName
        $c.Name | Should -Be $ConnectionId
        $c.$SecretProperty | Should -BeOfType [System.Security.SecureString]
        ConvertFrom-CxpaTestSecureString $c.$SecretProperty | Should -Be $Secret

        @((Get-FormatData -TypeName Cxpa.CxpaCredential).FormatViewDefinition).Count | Should -Be 1
        $view = $c | Out-String
        $view | Should -Match $Columns
        $view | Should -Match "\b$ConnectionId\b"
        $view | Should -Not -BeLike "*$Secret*"
        ($c | Format-List * | Out-String) | Should -Not -BeLike "*$Secret*"

        $plain = $credPayload | Get-CxpaCredential -BaseUrl $url -ConnectionId $ConnectionId -AsPlainText
        $plain.$SecretProperty | Should -BeOfType [string]
        $plain.$SecretProperty | Should -Be $Secret
        ($plain | Out-String) | Should -Not -BeLike "*$Secret*"
    }

    It 'gives a basic credential as a PSCredential and an unknown type as a GenericCredential of SecureStrings' {
        $ftp = $credPayload | Get-CxpaCredential -BaseUrl $url -ConnectionId conn_ftp
        $ftp.Credential | Should -BeOfType [pscredential]
        $ftp.Credential.UserName | Should -Be $ftp.UserName
        $ftp.Credential.GetNetworkCredential().Password | Should -Be 'demo-ftp-password'

        $legacy = $credPayload | Get-CxpaCredential -BaseUrl $url -ConnectionId conn_legacy
        $legacy.PSObject.TypeNames[0] | Should -Be 'Cxpa.GenericCredential'
        $legacy.Type | Should -Be 'saml'
        $legacy.Fields.Count | Should -BeGreaterThan 0
        foreach ($v in $legacy.Fields.Values) { $v | Should -BeOfType [System.Security.SecureString] }
        $view = $legacy | Out-String
        $view | Should -Match 'Name\s+Type\s+ExpiresAt\s+Details'
        $view | Should -Match 'assertion'
        $plainLegacy = $credPayload | Get-CxpaCredential -BaseUrl $url -ConnectionId conn_legacy -AsPlainText
        $plainLegacy.Fields['assertion'] | Should -BeOfType [string]
        $view | Should -Not -BeLike "*$($plainLegacy.Fields['assertion'])*"
    }

    It 'reads a zone credential with a zone token (-AgentId from its claim)' {
        $d = Get-CxpaTestDemo
        $token = New-CxpaZoneToken -Secret $d.ZoneSecret -Audience $d.Audience -UserId $d.UserId -AgentId 42
        $c = Get-CxpaCredential -BaseUrl $url -IntegrationKey hubspot -ZoneToken $token
        $c.PSObject.TypeNames[0] | Should -Be 'Cxpa.OAuthCredential'
        $c.Name | Should -Be 'hubspot'
        $c.Scopes | Should -Contain 'crm.objects.contacts.read'
        $c.AccessToken | Should -BeOfType [System.Security.SecureString]
    }

    It 'refuses a zone token of another agent with Forbidden (PermissionDenied), the integration key as target' {
        $d = Get-CxpaTestDemo
        $token = New-CxpaZoneToken -Secret $d.ZoneSecret -Audience $d.Audience -UserId $d.UserId -AgentId 43 -AsPlainText
        $records = Get-CxpaCredential -BaseUrl $url -IntegrationKey hubspot -AgentId 42 -ZoneToken $token -Verbose -ErrorVariable err -ErrorAction Continue *>&1
        @($records | Where-Object { $_.PSObject.TypeNames -contains 'Cxpa.CxpaCredential' }).Count | Should -Be 0
        $err.Count | Should -Be 1
        $err[0].FullyQualifiedErrorId | Should -Be 'Forbidden,Cxpa.PowerShell.Cmdlets.GetCxpaCredentialCommand'
        $err[0].CategoryInfo.Category | Should -Be 'PermissionDenied'
        $err[0].TargetObject | Should -Be 'hubspot'
        $text = Get-CxpaTestStreamText $records
        $text | Should -Match 'agent 42'
        $text | Should -Not -BeLike "*$($token.Split('.')[2])*"
        $text | Should -Not -BeLike '*demo-hubspot-access-token*'
    }

    It 'refuses an unknown connection id with NotFound (ObjectNotFound), the id as target and the run id in the message' {
        $out = $credPayload | Get-CxpaCredential -BaseUrl $url -ConnectionId conn_nope -ErrorVariable err -ErrorAction SilentlyContinue
        $out | Should -BeNullOrEmpty
        $err.Count | Should -Be 1
        $err[0].FullyQualifiedErrorId | Should -Be 'NotFound,Cxpa.PowerShell.Cmdlets.GetCxpaCredentialCommand'
        $err[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
        $err[0].TargetObject | Should -Be 'conn_nope'
        $err[0].ErrorDetails.Message | Should -Match "run $($credPayload.runId)\b"
        $text = Get-CxpaTestErrorText $err[0]
        $text | Should -Not -BeLike "*$($credPayload.credentialsToken)*"
        $text | Should -Not -BeLike "*$agentKey*"
    }

    It 'refuses the credentials token of another agent''s run with Unauthorized (AuthenticationError)' {
        $other = Register-CxpaRun @api -AgentId 42 -ExternalRunId ('cred-other-' + [guid]::NewGuid().ToString('N')) -AsPlainText
        $records = Get-CxpaCredential -BaseUrl $url -ConnectionId conn_openai -RunId $credPayload.runId -AgentApiKey $agentKey -CredentialsToken $other.CredentialsToken -ErrorVariable err -ErrorAction Continue -Verbose *>&1
        $err.Count | Should -Be 1
        $err[0].FullyQualifiedErrorId | Should -Be 'Unauthorized,Cxpa.PowerShell.Cmdlets.GetCxpaCredentialCommand'
        $err[0].CategoryInfo.Category | Should -Be 'AuthenticationError'
        $err[0].TargetObject | Should -Be 'conn_openai'
        $text = Get-CxpaTestStreamText $records
        $text | Should -Match 'conn_openai'
        $text | Should -Not -BeLike "*$($other.CredentialsToken)*"
        $text | Should -Not -BeLike '*sk-demo-openai-key*'
    }

    It 'reports MissingCredentialsToken (InvalidArgument, non-terminating) in the runtime form without a credentials token' {
        Clear-CxpaTestRequestLog -Emulator $emu
        $out = Get-CxpaCredential -BaseUrl $url -ConnectionId conn_openai -RunId $credPayload.runId -AgentApiKey $agentKey -ErrorVariable err -ErrorAction SilentlyContinue
        $out | Should -BeNullOrEmpty
        $err.Count | Should -Be 1
        $err[0].FullyQualifiedErrorId | Should -Be 'MissingCredentialsToken,Cxpa.PowerShell.Cmdlets.GetCxpaCredentialCommand'
        $err[0].CategoryInfo.Category | Should -Be 'InvalidArgument'
        @(Get-CxpaTestRequestLog -Emulator $emu | Where-Object path -like '/api/credentials/*').Count | Should -Be 0
    }
}
