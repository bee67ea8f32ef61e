# Test-CxpaZoneToken in PowerShell backends, in the real pwsh against the installed module: the request headers as each
# backend hands them over (hashtable, ordered dictionary, NameValueCollection, WebHeaderCollection, HttpHeaders, a real
# HttpListenerRequest, a request object from the pipeline), -PassThru's Token, and no token text in any error or view.
# No emulator: the cmdlet checks tokens locally.

BeforeAll {
    Import-Module "$PSScriptRoot/Support/CxpaTest.psm1" -Force
    . "$PSScriptRoot/Support/CxpaTest.Runtime.ps1"
    Import-Module Cxpa
    Disconnect-Cxpa
    $script:d = Get-CxpaTestDemo
    $script:check = @{ Secret = $d.ZoneSecret; Audience = $d.Audience }
    # The cmdlet falls back to these variables: keep them out of the way, and put them back afterwards.
    $script:savedEnv = @{ ZONE_JWT_SECRET = $env:ZONE_JWT_SECRET; AUDIENCE_ID = $env:AUDIENCE_ID }
    $env:ZONE_JWT_SECRET = $null
    $env:AUDIENCE_ID = $null
    $script:token = New-CxpaZoneToken @check -UserId $d.UserId -AgentId 42 -OrgSlug acme -AgentSlug web-summarizer -Lifetime '01:00:00' -AsPlainText
    # Parts of the token that must never show where it is not asked for: the whole, the payload, the signature.
    $script:tokenParts = @($token) + $token.Split('.')[1, 2]

    function Assert-NoTokenText([string] $Text) {
        foreach ($p in $tokenParts) { $Text | Should -Not -BeLike "*$p*" }
    }
}
AfterAll {
    foreach ($k in $savedEnv.Keys) { [Environment]::SetEnvironmentVariable($k, $savedEnv[$k]) }
    Disconnect-Cxpa
}

BeforeDiscovery {
    # Each container a backend hands over, built with one header (name, value). The leading comma keeps PowerShell from
    # unrolling the enumerable ones (NameValueCollection, HttpHeaders) on output.
    $script:containers = @(
        @{ Kind = 'a hashtable'; New = { param($n, $v) , @{ $n = $v; 'Content-Type' = 'application/json' } } }
        @{ Kind = 'an ordered dictionary'; New = { param($n, $v) $o = [ordered]@{ Accept = '*/*' }; $o[$n] = $v; , $o } }
        @{ Kind = 'a NameValueCollection'; New = { param($n, $v) $c = [System.Collections.Specialized.NameValueCollection]::new(); $c.Add('Accept', '*/*'); $c.Add($n, $v); , $c } }
        @{ Kind = 'a WebHeaderCollection'; New = { param($n, $v) $c = [System.Net.WebHeaderCollection]::new(); $c.Add('Accept', '*/*'); $c.Add($n, $v); , $c } }
        @{ Kind = 'HttpRequestMessage.Headers (HttpHeaders)'; New = { param($n, $v) $m = [System.Net.Http.HttpRequestMessage]::new(); $m.Headers.Add('Accept', '*/*'); $m.Headers.Add($n, $v); , $m.Headers } }
    )
}

Describe 'Test-CxpaZoneToken -Headers' {
    It 'reads the token out of <Kind>, whatever the case of the header name, and -PassThru -AsPlainText gives it back' -ForEach $containers {
        foreach ($name in 'x-zone-token', 'X-Zone-Token', 'X-ZONE-TOKEN') {
            $h = & $New $name $token
            Test-CxpaZoneToken -Headers $h @check | Should -BeTrue
            $r = Test-CxpaZoneToken -Headers $h @check -PassThru -AsPlainText
            $r.IsValid | Should -BeTrue
            $r.UserId | Should -Be $d.UserId
            $r.AgentId | Should -Be 42
            $r.Token | Should -BeOfType [string]
            $r.Token | Should -BeExactly $token
        }
    }

    It 'reads -TokenHeader out of <Kind>, matched case-insensitively' -ForEach $containers {
        $h = & $New 'X-Custom-AUTH' $token
        Test-CxpaZoneToken -Headers $h -TokenHeader 'x-custom-auth' @check | Should -BeTrue
        # The default header is x-zone-token: not there.
        (Test-CxpaZoneToken -Headers $h @check -PassThru -AsPlainText).Reason | Should -Be 'Empty'
    }

    It 'outputs $false, Reason Empty and no Token when <Kind> has no token header, with no error' -ForEach $containers {
        $h = & $New 'Authorization' 'Basic abc'
        $records = Test-CxpaZoneToken -Headers $h @check -Verbose *>&1
        @($records | Where-Object { $_ -is [bool] }) | Should -Be @($false)
        @($records | Where-Object { $_ -is [System.Management.Automation.ErrorRecord] }).Count | Should -Be 0
        @($records | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] })[0].Message | Should -BeLike 'Zone token rejected: *'
        $r = Test-CxpaZoneToken -Headers $h @check -PassThru -AsPlainText
        $r.IsValid | Should -BeFalse
        $r.Reason | Should -Be 'Empty'
        $r.Token | Should -BeNullOrEmpty
    }

    It 'takes request objects from the pipeline by their Headers property: a PSCustomObject, an HttpRequestMessage, one result each in order' {
        $good = [pscustomobject]@{ Method = 'POST'; Path = '/api/run'; Headers = @{ 'X-Zone-Token' = $token } }
        $wh = [System.Net.WebHeaderCollection]::new(); $wh.Add('X-ZONE-TOKEN', $token)
        $listenerLike = [pscustomobject]@{ Headers = $wh }
        $none = [pscustomobject]@{ Headers = @{ Accept = '*/*' } }
        $message = [System.Net.Http.HttpRequestMessage]::new([System.Net.Http.HttpMethod]::Get, 'http://127.0.0.1/')
        $message.Headers.Add('x-zone-token', $token)
        @($good, $listenerLike, $none, $message | Test-CxpaZoneToken @check) | Should -Be @($true, $true, $false, $true)
        $r = @($good, $none | Test-CxpaZoneToken @check -PassThru)
        $r.Count | Should -Be 2
        $r[0].IsValid | Should -BeTrue
        $r[0].Token | Should -BeOfType [System.Security.SecureString]
        $r[1].Reason | Should -Be 'Empty'
        # Given directly, a request object is read the same way.
        Test-CxpaZoneToken -Headers $listenerLike @check | Should -BeTrue
    }

    It 'reads a real HttpListenerRequest sent by HttpClient: from the pipeline and through -Headers (a WebHeaderCollection)' {
        $listener = Start-CxpaTestHttpListener
        $client = [System.Net.Http.HttpClient]::new()
        try {
            $contextTask = $listener.GetContextAsync()
            $request = [System.Net.Http.HttpRequestMessage]::new([System.Net.Http.HttpMethod]::Post, "$(@($listener.Prefixes)[0])zone/app")
            $null = $request.Headers.TryAddWithoutValidation('X-Zone-TOKEN', $token)
            $responseTask = $client.SendAsync($request)
            $contextTask.Wait(30000) | Should -BeTrue -Because 'the listener receives the request'
            $context = $contextTask.Result

            $context.Request | Should -BeOfType [System.Net.HttpListenerRequest]
            $context.Request.Headers.GetType() | Should -Be ([System.Net.WebHeaderCollection])
            $context.Request | Test-CxpaZoneToken @check | Should -BeTrue
            Test-CxpaZoneToken -Headers $context.Request.Headers @check | Should -BeTrue
            $session = $context.Request | Test-CxpaZoneToken @check -PassThru
            $session.UserId | Should -Be $d.UserId
            $session.AgentSlug | Should -Be 'web-summarizer'
            ConvertFrom-CxpaTestSecureString $session.Token | Should -BeExactly $token
            ($context.Request | Test-CxpaZoneToken @check -PassThru -AsPlainText).Token | Should -BeExactly $token

            $context.Response.StatusCode = 204
            $context.Response.Close()
            $responseTask.Wait(30000) | Should -BeTrue
            [int]$responseTask.Result.StatusCode | Should -Be 204
        }
        finally {
            $client.Dispose()
            if ($listener.IsListening) { $listener.Stop() }
            $listener.Close()
        }
    }

    It 'refuses <Case> with InvalidHeaders (InvalidArgument, terminating), naming the type only, never the token' -ForEach @(
        @{ Case = 'the token as a plain string'; Make = { $token }; Type = 'System.String' }
        @{ Case = 'an int'; Make = { 42 }; Type = 'System.Int32' }
        @{ Case = 'a Process object'; Make = { Get-Process -Id $PID }; Type = 'System.Diagnostics.Process' }
        @{ Case = 'an array holding the token'; Make = { , @($token, 'x') }; Type = 'System.Object[]' }
        @{ Case = 'a PSCustomObject holding the token, with no Headers'; Make = { [pscustomobject]@{ Token = $token } }; Type = 'System.Management.Automation.PSCustomObject' }
        @{ Case = 'a request object whose Headers is the token string'; Make = { [pscustomobject]@{ Headers = "x-zone-token: $token" } }; Type = 'System.Management.Automation.PSCustomObject (Headers: System.String)' }
    ) {
        $value = & $Make
        $err = $null
        $records = try { Test-CxpaZoneToken -Headers $value @check -PassThru -Verbose -Debug *>&1 } catch { $err = $_ }
        $err | Should -Not -BeNullOrEmpty
        $err.FullyQualifiedErrorId | Should -Be 'InvalidHeaders,Cxpa.PowerShell.Cmdlets.TestCxpaZoneTokenCommand'
        $err.CategoryInfo.Category | Should -Be 'InvalidArgument'
        $err.Exception.Message | Should -Match ([regex]::Escape("it got a $Type"))
        $err.TargetObject | Should -BeNullOrEmpty
        @($records | Where-Object { $_ -is [bool] -or $_.PSObject.TypeNames[0] -eq 'Cxpa.ZoneTokenResult' }).Count | Should -Be 0
        Assert-NoTokenText ((Get-CxpaTestErrorText $err) + (Get-CxpaTestStreamText $records))
    }

    It 'shows no token text for a value -Token cannot take as a token (<Case>: <Expect>), and its result has no Token' -ForEach @(
        @{ Case = 'a hashtable holding the token'; Expect = 'Malformed'; Make = { @{ 'x-zone-token' = $token } } }
        @{ Case = 'an array of tokens'; Expect = 'CannotConvertArgument'; Make = { , @($token, $token) } }
        @{ Case = 'a PSCustomObject holding the token'; Expect = 'Malformed'; Make = { [pscustomobject]@{ Token = $token } } }
        @{ Case = 'a WebHeaderCollection holding the token'; Expect = 'Malformed'; Make = { $c = [System.Net.WebHeaderCollection]::new(); $c.Add('X-Zone-Token', $token); , $c } }
    ) {
        $value = & $Make
        $err = $null
        $records = try { Test-CxpaZoneToken -Token $value @check -PassThru -AsPlainText -Verbose -Debug *>&1 } catch { $err = $_ }
        $text = Get-CxpaTestStreamText $records
        if ($err) { $text += Get-CxpaTestErrorText $err }
        Assert-NoTokenText $text
        $results = @($records | Where-Object { $_.PSObject.TypeNames[0] -eq 'Cxpa.ZoneTokenResult' })
        if ($Expect -eq 'Malformed') {
            # Bound as its string form, which is no token: rejected, and the result holds no Token.
            $err | Should -BeNullOrEmpty
            $results.Count | Should -Be 1
            $results[0].Reason | Should -Be 'Malformed'
            $results[0].Token | Should -BeNullOrEmpty
        }
        else {
            $err.FullyQualifiedErrorId | Should -BeLike "$Expect,*"
            $results.Count | Should -Be 0
        }
    }
}

Describe 'Test-CxpaZoneToken -PassThru Token' {
    It 'is the verified token as a SecureString by default, and as the same string with -AsPlainText' {
        $r = Test-CxpaZoneToken -Token $token @check -PassThru
        $r.Token | Should -BeOfType [System.Security.SecureString]
        ConvertFrom-CxpaTestSecureString $r.Token | Should -BeExactly $token
        $p = Test-CxpaZoneToken -Token $token @check -PassThru -AsPlainText
        $p.Token | Should -BeOfType [string]
        $p.Token | Should -BeExactly $token
        # A SecureString token in, from the pipeline: the same.
        $s = New-CxpaZoneToken @check -UserId $d.UserId -AgentId 43
        ($s | Test-CxpaZoneToken @check -PassThru -AsPlainText).Token | Should -BeExactly (ConvertFrom-CxpaTestSecureString $s)
    }

    It 'is $null for a rejected token, plain text asked or not' {
        $expired = New-CxpaTestJwt -IssuedAtOffsetSeconds -3600 -LifetimeSeconds 600
        foreach ($extra in @{}, @{ AsPlainText = $true }) {
            $r = Test-CxpaZoneToken -Token $expired @check -PassThru @extra
            $r.Reason | Should -Be 'Expired'
            $r.Token | Should -BeNullOrEmpty
        }
    }

    It 'is not shown by the table view, the list view, Format-Table or ToString, even as plain text' {
        $r = Test-CxpaZoneToken -Token $token @check -PassThru -AsPlainText
        $r.Token | Should -BeExactly $token
        $table = $r | Out-String
        $table | Should -Match 'IsValid\s+Reason\s+UserId\s+AgentId'
        $list = $r | Format-List | Out-String
        $list | Should -Match 'UserId\s+:\s+00000000-0000-4000-8000-000000000000'
        $list | Should -Match 'Claims\s+:'
        $list | Should -Not -Match 'Token\s+:'
        Assert-NoTokenText ($table + $list + ($r | Format-Table | Out-String) + "$r")
    }

    It 'fails with AsPlainTextWithoutPassThru (InvalidArgument) before checking anything when -AsPlainText comes without -PassThru' {
        $err = $null
        $out = try { Test-CxpaZoneToken -Token $token @check -AsPlainText } catch { $err = $_ }
        $err | Should -Not -BeNullOrEmpty
        $err.FullyQualifiedErrorId | Should -Be 'AsPlainTextWithoutPassThru,Cxpa.PowerShell.Cmdlets.TestCxpaZoneTokenCommand'
        $err.CategoryInfo.Category | Should -Be 'InvalidArgument'
        @($out | Where-Object { $_ -is [bool] }).Count | Should -Be 0
        Assert-NoTokenText (Get-CxpaTestErrorText $err)
    }
}
