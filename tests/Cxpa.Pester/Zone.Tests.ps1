# What users see from New-CxpaZoneToken, Test-CxpaZoneToken and Start-CxpaRun -ZoneToken in the real pwsh, against the
# installed module and an emulator process (agent 42 accepts zone tokens signed with the demo zone secret).

BeforeAll {
    Import-Module "$PSScriptRoot/Support/CxpaTest.psm1" -Force
    . "$PSScriptRoot/Support/CxpaTest.Runtime.ps1"
    $script:emu = Start-CxpaTestEmulator
    Import-Module Cxpa
    Disconnect-Cxpa
    $script:url = $emu.Url
    $script:d = Get-CxpaTestDemo
    $script:secret = $d.ZoneSecret
    $script:aud = $d.Audience
    $script:otherSecret = 'another-zone-secret-that-is-long-enough-0002'
    $script:check = @{ Secret = $d.ZoneSecret; Audience = $d.Audience }
    # The cmdlets fall back to these variables: keep them out of the way, and put them back afterwards.
    $script:savedEnv = @{ ZONE_JWT_SECRET = $env:ZONE_JWT_SECRET; AUDIENCE_ID = $env:AUDIENCE_ID }
    $env:ZONE_JWT_SECRET = $null
    $env:AUDIENCE_ID = $null
}
AfterAll {
    foreach ($k in $savedEnv.Keys) { [Environment]::SetEnvironmentVariable($k, $savedEnv[$k]) }
    Stop-CxpaTestEmulator $script:emu
}

Describe 'New-CxpaZoneToken' {
    It 'outputs a SecureString by default' {
        $t = New-CxpaZoneToken -Secret $secret -Audience $aud -UserId $d.UserId -AgentId 42
        $t | Should -BeOfType [System.Security.SecureString]
        (ConvertFrom-CxpaTestSecureString $t).Split('.').Count | Should -Be 3
        ($t | Out-String) | Should -Not -Match 'eyJ'
    }

    It 'outputs a compact JWT string with -AsPlainText: three parts, HS256, the claims given' {
        $t = New-CxpaZoneToken -Secret $secret -Audience $aud -UserId $d.UserId -AgentId 42 -OrgSlug acme -AgentSlug web-summarizer -Lifetime '00:10:00' -AsPlainText
        $t | Should -BeOfType [string]
        $parts = $t.Split('.')
        $parts.Count | Should -Be 3
        $parts | ForEach-Object { $_ | Should -Match '^[A-Za-z0-9_-]+$' }
        (ConvertFrom-CxpaTestJwtPart $parts[0]).alg | Should -Be 'HS256'
        $claims = ConvertFrom-CxpaTestJwtPart $parts[1]
        $claims.aud | Should -Be $aud
        $claims.userId | Should -Be $d.UserId
        $claims.agentId | Should -Be 42
        $claims.orgSlug | Should -Be 'acme'
        $claims.agentSlug | Should -Be 'web-summarizer'
        ($claims.exp - $claims.iat) | Should -Be 600
    }

    It 'leaves out the slugs when not given and defaults to a 5-minute lifetime' {
        $claims = ConvertFrom-CxpaTestJwtPart (New-CxpaZoneToken -Secret $secret -Audience $aud -UserId $d.UserId -AgentId 7 -AsPlainText).Split('.')[1]
        $claims.PSObject.Properties.Name | Should -Not -Contain 'orgSlug'
        $claims.PSObject.Properties.Name | Should -Not -Contain 'agentSlug'
        ($claims.exp - $claims.iat) | Should -Be 300
    }

    It 'fails with <ErrorId> (InvalidArgument, terminating) for <Case>, never showing the secret' -ForEach @(
        @{ Case = 'a secret under 32 bytes'; ErrorId = 'SecretTooShort'; Params = @{ Secret = 'short-secret-31-bytes-long-abcd'; Audience = 'cxpa-demo-zone' }; Hidden = 'short-secret-31-bytes-long-abcd' }
        @{ Case = 'an empty -Secret'; ErrorId = 'MissingSecret'; Params = @{ Secret = ''; Audience = 'cxpa-demo-zone' }; Hidden = $null }
        @{ Case = 'no secret and no $env:ZONE_JWT_SECRET'; ErrorId = 'MissingSecret'; Params = @{ Audience = 'cxpa-demo-zone' }; Hidden = $null }
        @{ Case = 'no audience and no $env:AUDIENCE_ID'; ErrorId = 'MissingAudience'; Params = @{ Secret = 'cxpa-demo-zone-secret-local-emulator-only-0001' }; Hidden = 'cxpa-demo-zone-secret-local-emulator-only-0001' }
        @{ Case = 'a zero -Lifetime'; ErrorId = 'InvalidLifetime'; Params = @{ Secret = 'cxpa-demo-zone-secret-local-emulator-only-0001'; Audience = 'cxpa-demo-zone'; Lifetime = [TimeSpan]::Zero }; Hidden = 'cxpa-demo-zone-secret-local-emulator-only-0001' }
        @{ Case = 'a negative -Lifetime'; ErrorId = 'InvalidLifetime'; Params = @{ Secret = 'cxpa-demo-zone-secret-local-emulator-only-0001'; Audience = 'cxpa-demo-zone'; Lifetime = '-00:00:01' }; Hidden = 'cxpa-demo-zone-secret-local-emulator-only-0001' }
    ) {
        $err = $null
        $records = try { New-CxpaZoneToken -UserId $d.UserId -AgentId 42 @Params -Verbose *>&1 } catch { $err = $_ }
        $err | Should -Not -BeNullOrEmpty
        $err.FullyQualifiedErrorId | Should -Be "$ErrorId,Cxpa.PowerShell.Cmdlets.NewCxpaZoneTokenCommand"
        $err.CategoryInfo.Category | Should -Be 'InvalidArgument'
        @($records | Where-Object { $_ -is [System.Security.SecureString] -or $_ -is [string] }).Count | Should -Be 0
        if ($Hidden) { (Get-CxpaTestErrorText $err) + (Get-CxpaTestStreamText $records) | Should -Not -BeLike "*$Hidden*" }
    }

    It 'uses $env:ZONE_JWT_SECRET and $env:AUDIENCE_ID when -Secret and -Audience are left out' {
        try {
            $env:ZONE_JWT_SECRET = $secret
            $env:AUDIENCE_ID = $aud
            $t = New-CxpaZoneToken -UserId $d.UserId -AgentId 42 -AsPlainText
        }
        finally { $env:ZONE_JWT_SECRET = $null; $env:AUDIENCE_ID = $null }
        Test-CxpaZoneToken -Token $t @check | Should -BeTrue
    }
}

Describe 'Test-CxpaZoneToken' {
    BeforeAll {
        $script:good = New-CxpaZoneToken -Secret $secret -Audience $aud -UserId $d.UserId -AgentId 42 -OrgSlug acme -AgentSlug web-summarizer -AsPlainText
    }

    It 'outputs $true for a valid token, given as a string, a SecureString or from the pipeline' {
        $r = Test-CxpaZoneToken -Token $good @check
        $r | Should -BeOfType [bool]
        $r | Should -BeTrue
        Test-CxpaZoneToken -Token (New-CxpaZoneToken -Secret $secret -Audience $aud -UserId $d.UserId -AgentId 42) @check | Should -BeTrue
        @($good, $good | Test-CxpaZoneToken @check) | Should -Be @($true, $true)
    }

    It 'outputs a ZoneTokenResult with the claims with -PassThru, and its view shows no token' {
        $r = Test-CxpaZoneToken -Token $good @check -PassThru
        $r.PSObject.TypeNames[0] | Should -Be 'Cxpa.ZoneTokenResult'
        $r.IsValid | Should -BeTrue
        $r.Reason | Should -Be 'None'
        $r.UserId | Should -Be $d.UserId
        $r.AgentId | Should -Be 42
        $r.OrgSlug | Should -Be 'acme'
        $r.AgentSlug | Should -Be 'web-summarizer'
        $r.Audience | Should -Be $aud
        $r.ExpiresAt | Should -BeGreaterThan $r.IssuedAt

        $view = $r | Out-String
        $view | Should -Match 'IsValid\s+Reason\s+UserId\s+AgentId'
        $view | Should -Match "True\s+None\s+$($d.UserId)\s+42"
        $all = ($r | Format-List * | Out-String) + $view
        $all | Should -Not -BeLike "*$($good.Split('.')[2])*"
        $all | Should -Not -BeLike "*$secret*"
    }

    It 'outputs $false for <Case> (Reason <Reason>), with the reason as a verbose line that never contains the token' -ForEach @(
        @{ Case = 'an expired token'; Reason = 'Expired'; Make = { New-CxpaTestJwt -IssuedAtOffsetSeconds -3600 -LifetimeSeconds 600 } }
        @{ Case = 'a token signed with another secret'; Reason = 'BadSignature'; Make = { New-CxpaZoneToken -Secret 'another-zone-secret-that-is-long-enough-0002' -Audience 'cxpa-demo-zone' -UserId (Get-CxpaTestDemo).UserId -AgentId 42 -AsPlainText } }
        @{ Case = 'a token for another audience'; Reason = 'AudienceMismatch'; Make = { New-CxpaZoneToken -Secret (Get-CxpaTestDemo).ZoneSecret -Audience 'another-zone' -UserId (Get-CxpaTestDemo).UserId -AgentId 42 -AsPlainText } }
        @{ Case = 'a token that is not a JWT'; Reason = 'Malformed'; Make = { 'not-a-token-at-all' } }
        @{ Case = 'a token with a broken header'; Reason = 'Malformed'; Make = { '!!!.' + (New-CxpaTestJwt).Split('.', 2)[1] } }
        @{ Case = 'an unsigned (alg none) token'; Reason = 'AlgorithmNotAllowed'; Make = { New-CxpaTestJwt -Algorithm none } }
        @{ Case = 'an empty token'; Reason = 'Empty'; Make = { '' } }
    ) {
        $token = & $Make
        $records = Test-CxpaZoneToken -Token $token @check -Verbose *>&1
        $bools = @($records | Where-Object { $_ -is [bool] })
        $bools | Should -Be @($false)
        $verbose = @($records | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] })
        $verbose.Count | Should -Be 1
        $verbose[0].Message | Should -BeLike 'Zone token rejected: *'

        $r = Test-CxpaZoneToken -Token $token @check -PassThru
        $r.IsValid | Should -BeFalse
        $r.Reason | Should -Be $Reason
        $r.Message | Should -Not -BeNullOrEmpty
        if ($token) {
            $text = (Get-CxpaTestStreamText $records) + $r.Message + ($r | Out-String)
            $text | Should -Not -BeLike "*$token*"
            $sig = $token.Split('.')[-1]
            if ($sig) { $text | Should -Not -BeLike "*$sig*" }
        }
    }

    It 'reads the token from the x-zone-token header of -Headers, matched case-insensitively, and from -TokenHeader' {
        Test-CxpaZoneToken -Headers @{ 'X-Zone-Token' = $good } @check | Should -BeTrue
        # Two values: the middleware reads them joined with commas and refuses them, so the first is not verified alone.
        (Test-CxpaZoneToken -Headers @{ 'x-zone-token' = @($good, 'second-value') } @check -PassThru).Reason | Should -Be 'AmbiguousToken'
        Test-CxpaZoneToken -Headers @{ Authorization = $good } -TokenHeader 'authorization' @check | Should -BeTrue
        ([pscustomobject]@{ Headers = @{ 'x-zone-token' = $good } } | Test-CxpaZoneToken @check) | Should -BeTrue
    }

    It 'takes the header value as the token itself: -Headers @{ Authorization = "Bearer <token>" } is <Reason> and shows no token' -ForEach @(
        @{ Reason = 'Empty'; Extra = @{} }
        @{ Reason = 'Malformed'; Extra = @{ TokenHeader = 'Authorization' } }
    ) {
        $headers = @{ Authorization = "Bearer $good" }
        $records = Test-CxpaZoneToken -Headers $headers @Extra @check -Verbose *>&1
        @($records | Where-Object { $_ -is [bool] }) | Should -Be @($false)
        $r = Test-CxpaZoneToken -Headers $headers @Extra @check -PassThru
        $r.IsValid | Should -BeFalse
        $r.Reason | Should -Be $Reason
        $text = (Get-CxpaTestStreamText $records) + $r.Message + ($r | Format-List * | Out-String)
        $text | Should -Not -BeLike "*$($good.Split('.')[2])*"
    }

    It 'fails with <ErrorId> (InvalidArgument, terminating) before any token is checked, for <Case>' -ForEach @(
        @{ Case = 'a short secret'; ErrorId = 'SecretTooShort'; Params = @{ Secret = 'too-short'; Audience = 'cxpa-demo-zone' } }
        @{ Case = 'no secret'; ErrorId = 'MissingSecret'; Params = @{ Audience = 'cxpa-demo-zone' } }
        @{ Case = 'no audience'; ErrorId = 'MissingAudience'; Params = @{ Secret = 'cxpa-demo-zone-secret-local-emulator-only-0001' } }
    ) {
        $err = $null
        try { $null = Test-CxpaZoneToken -Token $good @Params } catch { $err = $_ }
        $err | Should -Not -BeNullOrEmpty
        $err.FullyQualifiedErrorId | Should -Be "$ErrorId,Cxpa.PowerShell.Cmdlets.TestCxpaZoneTokenCommand"
        $err.CategoryInfo.Category | Should -Be 'InvalidArgument'
        $text = Get-CxpaTestErrorText $err
        $text | Should -Not -BeLike "*$($good.Split('.')[2])*"
        if ($Params.Secret) { $text | Should -Not -BeLike "*$($Params.Secret)*" }
    }

    It 'rejects -ClockToleranceSec <Value> at binding' -ForEach @(@{ Value = -1 }, @{ Value = 3601 }) {
        { Test-CxpaZoneToken -Token $good @check -ClockToleranceSec $Value } | Should -Throw -ErrorId 'ParameterArgumentValidationError*'
    }
}

Describe 'Sessions piped to Get-CxpaRun and Wait-CxpaRun' {
    BeforeAll {
        $script:tokenA = New-CxpaZoneToken -Secret $secret -Audience $aud -UserId $d.UserId -AgentId 42
        # Same claims, signed with a secret the platform does not know: the emulator refuses it.
        $script:tokenB = New-CxpaZoneToken -Secret $otherSecret -Audience $aud -UserId $d.UserId -AgentId 42
        $script:zoneRun = Start-CxpaRun -BaseUrl $url -ZoneToken $tokenA -InputObject @{ url = 'https://example.com' } -Wait
    }

    It 'reads each record with its own Token: the same session twice, another, then the first again' {
        $a = [pscustomobject]@{ RunId = $zoneRun.RunId; Token = $tokenA }
        $b = [pscustomobject]@{ RunId = $zoneRun.RunId; Token = $tokenB }
        $out = @($a, $a, $b, $a | Get-CxpaRun -BaseUrl $url -ThrottleLimit 1 -ErrorVariable err -ErrorAction SilentlyContinue)
        @($out | Where-Object { $_ -is [Cxpa.Run] }).RunId | Should -Be @($zoneRun.RunId, $zoneRun.RunId, $zoneRun.RunId)
        $err.Count | Should -Be 1
        $err[0].FullyQualifiedErrorId | Should -Be 'Unauthorized,Cxpa.PowerShell.Cmdlets.GetCxpaRunCommand'
    }

    It 'Wait-CxpaRun takes one session''s runs, and refuses a second token with ConnectionConflict' {
        $a = [pscustomobject]@{ RunId = $zoneRun.RunId; Token = $tokenA }
        $b = [pscustomobject]@{ RunId = $zoneRun.RunId; Token = $tokenB }
        @($a, $a | Wait-CxpaRun -BaseUrl $url).Status | Should -Be @('completed')
        { $a, $b | Wait-CxpaRun -BaseUrl $url -ErrorAction Stop } | Should -Throw -ErrorId 'ConnectionConflict,Cxpa.PowerShell.Cmdlets.WaitCxpaRunCommand'
    }
}

Describe 'Start-CxpaRun -ZoneToken' {
    It 'starts a run of the token''s agent in zone mode and completes it, attributed to the token''s user' {
        Clear-CxpaTestRequestLog -Emulator $emu
        $token = New-CxpaZoneToken -Secret $secret -Audience $aud -UserId $d.UserId -AgentId 42
        $run = Start-CxpaRun -BaseUrl $url -ZoneToken $token -InputObject @{ url = 'https://example.com' } -Wait
        $run.Status | Should -Be 'completed'
        $run.AgentId | Should -Be 42
        $run.CreatedBy | Should -Be $d.UserId
        $run.Output.echo.url | Should -Be 'https://example.com'
        $row = Get-CxpaTestRunRow -Emulator $emu -RunId $run.RunId
        $row.status | Should -Be 'completed'
        $row.created_by | Should -Be $d.UserId
        $row._emulator.source | Should -BeLike 'zone-*'
        @(Get-CxpaTestRequestLog -Emulator $emu | Where-Object path -like '/api/zones/agents/42/*').Count | Should -BeGreaterThan 0
    }

    It 'refuses <Case> with Unauthorized (AuthenticationError), and the token never appears in any stream or error text' -ForEach @(
        @{ Case = 'an expired token'; Make = { New-CxpaTestJwt -IssuedAtOffsetSeconds -3600 -LifetimeSeconds 600 } }
        @{ Case = 'a token signed with another secret'; Make = { New-CxpaZoneToken -Secret 'another-zone-secret-that-is-long-enough-0002' -Audience 'cxpa-demo-zone' -UserId (Get-CxpaTestDemo).UserId -AgentId 42 -AsPlainText } }
        @{ Case = 'a token for another audience'; Make = { New-CxpaZoneToken -Secret (Get-CxpaTestDemo).ZoneSecret -Audience 'another-zone' -UserId (Get-CxpaTestDemo).UserId -AgentId 42 -AsPlainText } }
    ) {
        $token = & $Make
        $records = Start-CxpaRun -BaseUrl $url -ZoneToken $token -InputObject @{ url = 'https://example.com' } -Wait -Verbose -Debug -ErrorVariable err -ErrorAction Continue *>&1
        $err.Count | Should -Be 1
        $err[0].FullyQualifiedErrorId | Should -Be 'Unauthorized,Cxpa.PowerShell.Cmdlets.StartCxpaRunCommand'
        $err[0].CategoryInfo.Category | Should -Be 'AuthenticationError'
        @($records | Where-Object { $_.PSObject.TypeNames[0] -eq 'Cxpa.Run' }).Count | Should -Be 0
        @($records | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] }).Count | Should -BeGreaterThan 0
        $text = (Get-CxpaTestStreamText $records) + (Get-CxpaTestErrorText $err[0])
        $text | Should -Not -BeLike "*$token*"
        $text | Should -Not -BeLike "*$($token.Split('.')[2])*"
        $text | Should -Not -BeLike "*$($token.Split('.')[1])*"
    }

    It 'fails with MissingKey before sending for an empty -ZoneToken, never falling back silently' {
        Clear-CxpaTestRequestLog -Emulator $emu
        $err = $null
        try { Start-CxpaRun -BaseUrl $url -ZoneToken '' -AgentId 42 } catch { $err = $_ }
        $err | Should -Not -BeNullOrEmpty
        $err.FullyQualifiedErrorId | Should -Be 'MissingKey,Cxpa.PowerShell.Cmdlets.StartCxpaRunCommand'
        $err.CategoryInfo.Category | Should -Be 'InvalidArgument'
        @(Get-CxpaTestRequestLog -Emulator $emu).Count | Should -Be 0
    }
}
