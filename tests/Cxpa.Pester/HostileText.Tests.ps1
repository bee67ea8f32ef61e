# Hostile text and hostile answers from a server of scripted answers in its own pwsh process, in the real pwsh against the
# installed module: control characters (an OSC 2 window title, a clear screen, a red fake prompt) through every channel the
# module writes to a terminal, which must show them made visible while the objects keep them; ids that would step out of
# their path segment; the environment's key kept to the environment's URL; answers that cannot be read, each a Cxpa
# error with its HTTP status; and the zone token header given more than once.

BeforeAll {
    Import-Module "$PSScriptRoot/Support/CxpaTest.psm1" -Force
    $script:demo = Get-CxpaTestDemo
    $script:e = [char]27
    # An OSC 2 that sets the window title, a clear screen, and a red fake prompt.
    $script:hostile = "$e]2;pwned$([char]7)$e[2J$e[31mPS C:\> "
    $script:visible = [char]0x241B + '[2J'

    function Run([long] $Id, [string] $Status, [hashtable] $More = @{}) {
        $row = @{ id = $Id; agent_id = 42; status = $Status } + $More
        @{ Body = ($row | ConvertTo-Json -Compress -Depth 5); Headers = @{ 'Content-Type' = 'application/json' } }
    }
    function Json([string] $Text, [string] $Status = '200 OK') { @{ Status = $Status; Body = $Text; Headers = @{ 'Content-Type' = 'application/json' } } }

    $badUtf8 = [System.Text.Encoding]::ASCII.GetBytes('{"id":2011,"agent_id":42,"status":"completed","error":"') + [byte[]](0xC3, 0x28, 0xFF) + [System.Text.Encoding]::ASCII.GetBytes('"}')
    $script:server = Start-CxpaTestScriptedServer -Answers @{
        'GET /api/agents/42/runs/2001'    = Run 2001 $hostile @{ error = "boom $hostile"; output_data = @{ summary = $hostile } }
        'GET /api/agents/42/runs/2002'    = Run 2002 'failed' @{ error = "agent said $hostile" }
        'GET /api/agents/42/runs/2003'    = Run 2003 "running$hostile"
        'GET /api/agents/42/runs/2004'    = Json (@{ error = "refused $hostile"; code = 'bad'; details = @{ field = $hostile } } | ConvertTo-Json -Compress) "400 Bad$e[2J Request"
        'GET /api/agents/42/runs/2005'    = @((Json '{}' "503 Busy$e[2J"), (Run 2005 'completed'))
        'GET /api/agents/42/runs/2006'    = @{ Status = '302 Found'; Headers = @{ Location = '/login' } }
        'GET /api/agents/42/runs/2007'    = Json '{"id":2007,"agent_id":42,"status":"completed","output_data":{"t":"a\ud800b"}}'
        'GET /api/agents/42/runs/2008'    = Json '{"error":"bad \ud800 input","code":"bad"}' '400 Bad Request'
        'GET /api/agents/42/runs/2009'    = Json '{"id":2009,"agent_id":42,"status":"completed","output_data":{"psobject":1}}'
        'GET /api/agents/42/runs/2010'    = Json '{"id":2010,"agent_id":42,"status":"completed","output_data":{"":1}}'
        'GET /api/agents/42/runs/2011'    = @{ Bytes = $badUtf8; Headers = @{ 'Content-Type' = 'application/json' } }
        'GET /api/agents/42/runs/2012'    = Run 2012 'completed'
        'POST /api/agents/42/runs/trigger' = Json '{"runId":5,"status":"running"}'
        'POST /api/agents/42/runs/ingest' = Json (@{ runId = 9; status = $hostile } | ConvertTo-Json -Compress)
        'POST /api/runs/77/callback'      = Json (@{ ok = $true; status = $hostile } | ConvertTo-Json -Compress)
        'GET /api/credentials/c1/resolve' = Json (@{ type = $hostile; value = 'v' } | ConvertTo-Json -Compress)
    }
    $script:url = $server.Url
    $script:port = ([uri]$url).Port
    $script:saved = Clear-CxpaTestEnvironment
    Import-Module Cxpa
    $script:api = @{ BaseUrl = $url; IngestApiKey = 'hostile_test_key'; RetryIntervalSec = 0 }
    $script:runtime = @{ BaseUrl = $url; AgentApiKey = 'hostile_agent_key'; CredentialsToken = 'hostile_credentials_token'; RunId = 77; RetryIntervalSec = 0 }

    # Runs a call in its own runspace of this process with -Verbose on: its output (a terminating error as its
    # ErrorRecord), non-terminating errors, verbose, progress and information records.
    function Invoke-Captured([scriptblock] $Call, [hashtable] $Arguments = @{}) {
        $ps = [powershell]::Create()
        try {
            $null = $ps.AddScript('param($Call, $Arguments) Import-Module Cxpa; $VerbosePreference = "Continue"; try { & ([scriptblock]::Create($Call)) @Arguments } catch { $_ }').
                AddArgument($Call.ToString()).AddArgument($Arguments)
            $out = @($ps.Invoke())
            [pscustomobject]@{
                Output      = @($out | Where-Object { $_ -isnot [System.Management.Automation.ErrorRecord] })
                Error       = @($out | Where-Object { $_ -is [System.Management.Automation.ErrorRecord] }) + @($ps.Streams.Error) | Select-Object -First 1
                Verbose     = @($ps.Streams.Verbose)
                Progress    = @($ps.Streams.Progress)
                Information = @($ps.Streams.Information)
            }
        }
        finally { $ps.Dispose() }
    }

    # No C0 control character but tab and newline (and CR of a CR LF line end), no DEL, no C1.
    function Assert-Clean([string] $Text) {
        $Text | Should -Not -Match '[\x00-\x08\x0B\x0C\x0E-\x1F\x7F-\x9F]'
        $Text | Should -Not -Match '\r(?!\n)'
    }

    function Get-Requests { @(Get-Content -LiteralPath $server.Log -ErrorAction SilentlyContinue) }
}

AfterAll {
    if ($script:saved) { Restore-CxpaTestEnvironment $saved }
    Stop-CxpaTestEmulator $script:server
}

Describe 'Text from the server or an agent reaches the terminal with its control characters made visible' {
    It 'a run''s status, error and output: the table, list and string forms are clean, the properties as received' {
        $run = Get-CxpaRun @api -AgentId 42 -RunId 2001
        $run.Status | Should -BeExactly $hostile
        $run.Error | Should -BeExactly "boom $hostile"
        $run.Output.summary | Should -BeExactly $hostile
        foreach ($text in ($run | Format-Table | Out-String), ($run | Format-List | Out-String), ($run | Out-String), "$run") {
            Assert-Clean $text
            $text | Should -Match ([regex]::Escape([char]0x241B))
        }
        $run | Format-List | Out-String | Should -Match ([regex]::Escape([char]0x241B + ']2;pwned' + [char]0x2407))
    }

    It 'a server error message, the HTTP reason phrase and 422-style details: the ErrorRecord and its message are clean, ServerMessage as received' {
        $r = Invoke-Captured { param($a) Get-CxpaRun @a -AgentId 42 -RunId 2004 -ErrorAction Stop } @{ a = $api }
        $err = $r.Error
        $err.FullyQualifiedErrorId | Should -Be 'HttpError,Cxpa.PowerShell.Cmdlets.GetCxpaRunCommand'
        $err.Exception | Should -BeOfType ([Cxpa.CxpaApiException])
        $err.Exception.Status | Should -Be 400
        $err.Exception.ServerMessage | Should -BeExactly "refused $hostile"
        $err.Exception.Details.field | Should -BeExactly $hostile
        foreach ($text in $err.ErrorDetails.Message, $err.Exception.Message, ($err | Out-String)) { Assert-Clean $text }
        $err.ErrorDetails.Message | Should -Match ([regex]::Escape("400 Bad$visible Request"))
        $err.ErrorDetails.Message | Should -Match ([regex]::Escape("refused " + [char]0x241B + ']2;pwned'))
        $err.ErrorDetails.Message | Should -Match ([regex]::Escape("field: " + [char]0x241B))
    }

    It 'the -Verbose retry line quotes the reason phrase made visible' {
        $r = Invoke-Captured { param($a) Get-CxpaRun @a -AgentId 42 -RunId 2005 -Verbose } @{ a = $api }
        $r.Output.Status | Should -Be 'completed'
        $retry = @($r.Verbose.Message | Where-Object { $_ -like 'Retrying*' })
        $retry.Count | Should -BeGreaterOrEqual 1
        $retry[0] | Should -Match ([regex]::Escape("503 Busy$visible"))
        foreach ($v in $r.Verbose.Message) { Assert-Clean $v }
    }

    It 'a failed run''s error: the RunFailed message is clean, the run''s Error as received' {
        $r = Invoke-Captured { param($a) Wait-CxpaRun @a -AgentId 42 -RunId 2002 } @{ a = $api }
        $r.Output[0].Error | Should -BeExactly "agent said $hostile"
        $r.Error.FullyQualifiedErrorId | Should -Be 'RunFailed,Cxpa.PowerShell.Cmdlets.WaitCxpaRunCommand'
        foreach ($text in $r.Error.ErrorDetails.Message, $r.Error.Exception.Message, ($r.Error | Out-String)) { Assert-Clean $text }
        $r.Error.ErrorDetails.Message | Should -Match ([regex]::Escape("agent said " + [char]0x241B))
    }

    It 'the Wait-CxpaRun progress text and the timeout message quote the status made visible' {
        $r = Invoke-Captured { param($a) Wait-CxpaRun @a -AgentId 42 -RunId 2003 -WaitTimeoutSeconds 3 } @{ a = $api }
        $r.Error.FullyQualifiedErrorId | Should -Be 'RunWaitTimeout,Cxpa.PowerShell.Cmdlets.WaitCxpaRunCommand'
        Assert-Clean $r.Error.ErrorDetails.Message
        $r.Error.ErrorDetails.Message | Should -Match ([regex]::Escape("running" + [char]0x241B))
        $r.Progress.Count | Should -BeGreaterThan 0
        foreach ($p in $r.Progress) { Assert-Clean $p.StatusDescription; Assert-Clean $p.Activity }
        @($r.Progress.StatusDescription | Where-Object { $_ -like "*running$([char]0x241B)*" }).Count | Should -BeGreaterThan 0 -Because 'a progress record after the first poll shows the run''s status'
    }

    It 'an ingest''s status, a run event''s status and a credential''s type: the default views are clean' {
        $ingest = Send-CxpaIngest @api -AgentId 42 -ExternalRunId 'ext-1' -Status completed
        $ingest.Status | Should -BeExactly $hostile
        $runEvent = Send-CxpaRunEvent @runtime -Started
        $runEvent.Status | Should -BeExactly $hostile
        $credential = Get-CxpaCredential @runtime -ConnectionId 'c1'
        $credential.Type | Should -BeExactly $hostile
        foreach ($o in $ingest, $runEvent, $credential) {
            foreach ($text in ($o | Format-Table | Out-String), ($o | Out-String), "$o") {
                Assert-Clean $text
                $text | Should -Match ([regex]::Escape([char]0x241B))
            }
        }
    }

    It 'a saved file''s ContentDisposition and name: the table and list views are clean, the properties as received' {
        $saved = [Cxpa.SavedRunOutput]@{ RunId = 1; AgentId = 42; FileName = "report$e[2J.txt"; ContentType = 'text/plain'; Length = 3; ContentDisposition = "attachment; filename=`"$hostile`"" }
        $saved.ContentDisposition | Should -BeExactly "attachment; filename=`"$hostile`""
        foreach ($text in ($saved | Format-Table | Out-String), ($saved | Format-List | Out-String), "$saved") {
            Assert-Clean $text
            $text | Should -Match ([regex]::Escape($visible))
        }
        $saved | Format-List | Out-String | Should -Match 'ContentDisposition'
    }

    It 'the helper the views use is public: [Cxpa.TerminalText]::Clean keeps newlines, CleanLine shows them' {
        [Cxpa.TerminalText]::Clean("a`n$e[2J") | Should -BeExactly "a`n$visible"
        [Cxpa.TerminalText]::CleanLine("a`n$e[2J") | Should -BeExactly ("a" + [char]0x240A + $visible)
    }
}

Describe 'Ids in a path stay one segment' {
    It 'Get-CxpaCredential -ConnectionId <Id> is refused with InvalidArgument and nothing is sent' -ForEach @(
        @{ Id = '..' }, @{ Id = '.' }
    ) {
        $before = (Get-Requests).Count
        $err = $null
        try { Get-CxpaCredential @runtime -ConnectionId $Id -ErrorAction Stop } catch [Cxpa.CxpaException] { $err = $_ }
        $err.FullyQualifiedErrorId | Should -Be 'InvalidArgument,Cxpa.PowerShell.Cmdlets.GetCxpaCredentialCommand'
        $err.CategoryInfo.Category | Should -Be 'InvalidArgument'
        $err.ErrorDetails.Message | Should -Match 'connection id'
        (Get-Requests).Count | Should -Be $before
    }

    It 'Get-CxpaCredential -IntegrationKey .. is refused with InvalidArgument and nothing is sent' {
        $before = (Get-Requests).Count
        $err = $null
        try { Get-CxpaCredential -BaseUrl $url -ZoneToken 'not.a.token' -AgentId 42 -IntegrationKey '..' -ErrorAction Stop } catch [Cxpa.CxpaException] { $err = $_ }
        $err.FullyQualifiedErrorId | Should -Be 'InvalidArgument,Cxpa.PowerShell.Cmdlets.GetCxpaCredentialCommand'
        $err.ErrorDetails.Message | Should -Match 'integration key'
        (Get-Requests).Count | Should -Be $before
    }

    It 'an id holding a slash or dots goes as one escaped segment' {
        $null = Get-CxpaCredential @runtime -ConnectionId '../x' -ErrorAction SilentlyContinue
        (Get-Requests)[-1] | Should -BeLike 'GET /api/credentials/..%2Fx/resolve auth=yes*'
    }
}

Describe 'The environment''s key goes only to the environment''s URL' {
    BeforeEach {
        Disconnect-Cxpa
        $env:CXPA_API_URL = "http://127.0.0.1:$port/"
        $env:CXPA_INGEST_KEY = 'env_ingest_key'
    }
    AfterEach {
        $env:CXPA_API_URL = $null
        $env:CXPA_INGEST_KEY = $null
        Disconnect-Cxpa
    }

    It 'is sent to $env:CXPA_API_URL, and to a -BaseUrl of the same origin' {
        (Get-CxpaRun -AgentId 42 -RunId 2012).Status | Should -Be 'completed'
        (Get-Requests)[-1] | Should -BeLike 'GET /api/agents/42/runs/2012 auth=yes*'
        $null = Get-CxpaRun -BaseUrl "http://127.0.0.1:$port/tenant/" -AgentId 42 -RunId 2012 -ErrorAction SilentlyContinue
        (Get-Requests)[-1] | Should -BeLike 'GET /tenant/api/agents/42/runs/2012 auth=yes*'
    }

    It 'is not sent to <Case>: MissingKey, naming the rule, and nothing is sent' -ForEach @(
        @{ Case = 'another host name for the same listener (localhost is not 127.0.0.1)'; Other = { "http://localhost:$port/" } }
        @{ Case = 'another port'; Other = { "http://127.0.0.1:$($port + 1)/" } }
        @{ Case = 'another scheme'; Other = { "https://127.0.0.1:$port/" } }
    ) {
        $before = (Get-Requests).Count
        $err = $null
        try { Get-CxpaRun -BaseUrl (& $Other) -AgentId 42 -RunId 2012 -MaximumRetryCount 0 } catch [Cxpa.CxpaException] { $err = $_ }
        $err.FullyQualifiedErrorId | Should -Be 'MissingKey,Cxpa.PowerShell.Cmdlets.GetCxpaRunCommand'
        $err.ErrorDetails.Message | Should -Match ([regex]::Escape('$env:CXPA_INGEST_KEY is sent only to $env:CXPA_API_URL'))
        $err.ErrorDetails.Message | Should -Match 'IngestApiKey'
        $err | Out-String | Should -Not -Match 'env_ingest_key'
        (Get-Requests).Count | Should -Be $before
    }

    It 'is not sent to a -BaseUrl when $env:CXPA_API_URL is not set' {
        $env:CXPA_API_URL = $null
        $before = (Get-Requests).Count
        { Get-CxpaRun -BaseUrl $url -AgentId 42 -RunId 2012 } | Should -Throw -ErrorId 'MissingKey,Cxpa.PowerShell.Cmdlets.GetCxpaRunCommand'
        (Get-Requests).Count | Should -Be $before
    }

    It 'the Connect-Cxpa key follows the same rule: localhost is another origin' {
        $env:CXPA_INGEST_KEY = $null
        Connect-Cxpa -BaseUrl "http://127.0.0.1:$port/" -IngestApiKey 'connected_key'
        $before = (Get-Requests).Count
        { Get-CxpaRun -BaseUrl "http://localhost:$port/" -AgentId 42 -RunId 2012 } | Should -Throw -ErrorId 'MissingKey,Cxpa.PowerShell.Cmdlets.GetCxpaRunCommand'
        (Get-Requests).Count | Should -Be $before
        (Get-CxpaRun -AgentId 42 -RunId 2012).Status | Should -Be 'completed'
    }
}

Describe 'Every hostile answer is a Cxpa error with its HTTP status' {
    It '<Case>: <ErrorId>, status <Status>' -ForEach @(
        @{ Case = 'a redirect to a relative location'; RunId = 2006; ErrorId = 'Redirected'; Status = 302 }
        @{ Case = 'a lone surrogate in a run''s output'; RunId = 2007; ErrorId = 'InvalidResponse'; Status = 200 }
        @{ Case = 'a lone surrogate in a 400 body'; RunId = 2008; ErrorId = 'HttpError'; Status = 400 }
        @{ Case = 'an output key psobject'; RunId = 2009; ErrorId = 'InvalidResponse'; Status = 200 }
        @{ Case = 'an empty output key'; RunId = 2010; ErrorId = 'InvalidResponse'; Status = 200 }
        @{ Case = 'invalid UTF-8 in a run''s error'; RunId = 2011; ErrorId = 'InvalidResponse'; Status = 200 }
    ) {
        $err = $null
        try { Get-CxpaRun @api -AgentId 42 -RunId $RunId -ErrorAction Stop } catch [Cxpa.CxpaException] { $err = $_ }
        $err | Should -Not -BeNullOrEmpty -Because 'catch [Cxpa.CxpaException] holds'
        $err.FullyQualifiedErrorId | Should -Be "$ErrorId,Cxpa.PowerShell.Cmdlets.GetCxpaRunCommand"
        $err.Exception | Should -BeOfType ([Cxpa.CxpaApiException])
        $err.Exception.Status | Should -Be $Status
        Assert-Clean ($err | Out-String)
    }

    It 'an input with a key PowerShell objects cannot hold starts the run, which keeps the input as given' {
        $run = Start-CxpaRun @api -AgentId 42 -InputObject @{ '' = 1 } -ErrorAction Stop
        $run.RunId | Should -Be 5
        $run.Input[''] | Should -Be 1
    }
}

Describe 'Test-CxpaZoneToken and the x-zone-token header given more than once' {
    BeforeAll {
        $script:check = @{ Secret = $demo.ZoneSecret; Audience = $demo.Audience }
        $script:token = New-CxpaZoneToken @check -UserId $demo.UserId -AgentId 42 -Lifetime '01:00:00' -AsPlainText
    }

    It 'several values in <Kind>: $false, Reason AmbiguousToken, never the first value verified' -ForEach @(
        @{ Kind = 'a NameValueCollection'; New = { param($t) $c = [System.Collections.Specialized.NameValueCollection]::new(); $c.Add('x-zone-token', $t); $c.Add('x-zone-token', $t); , $c } }
        @{ Kind = 'a WebHeaderCollection'; New = { param($t) $c = [System.Net.WebHeaderCollection]::new(); $c.Add('x-zone-token', $t); $c.Add('X-Zone-Token', 'other'); , $c } }
        @{ Kind = 'an array in a hashtable'; New = { param($t) , @{ 'x-zone-token' = @($t, 'other') } } }
        @{ Kind = 'two spellings in a case-sensitive dictionary'; New = { param($t) $d = [System.Collections.Generic.Dictionary[string, string]]::new(); $d['x-zone-token'] = $t; $d['X-Zone-Token'] = $t; , $d } }
        @{ Kind = 'HttpHeaders'; New = { param($t) $m = [System.Net.Http.HttpRequestMessage]::new(); $m.Headers.Add('x-zone-token', [string[]]@($t, $t)); , $m.Headers } }
    ) {
        $h = & $New $token
        Test-CxpaZoneToken -Headers $h @check | Should -BeFalse
        $r = Test-CxpaZoneToken -Headers $h @check -PassThru -AsPlainText
        $r.IsValid | Should -BeFalse
        $r.Reason | Should -Be 'AmbiguousToken'
        $r.Token | Should -BeNullOrEmpty
        "$($r.Message) $($r | Format-List | Out-String)" | Should -Not -Match ([regex]::Escape($token.Split('.')[2]))
    }

    It 'claims of a token shown in the list view are clean, the Claims as received' {
        $t = New-CxpaZoneToken @check -UserId $demo.UserId -AgentId 42 -OrgSlug "acme$e[2J" -Lifetime '01:00:00' -AsPlainText
        $r = Test-CxpaZoneToken -Token $t @check -PassThru
        $r.OrgSlug | Should -BeExactly "acme$e[2J"
        $r.Claims['orgSlug'] | Should -BeExactly "acme$e[2J"
        $text = $r | Format-List | Out-String
        Assert-Clean $text
        $text | Should -Match ([regex]::Escape("acme$visible"))
        $text | Should -Match ([regex]::Escape("[orgSlug, acme$visible]"))
    }

    It 'one value in an array is that value' {
        Test-CxpaZoneToken -Headers @{ 'x-zone-token' = @($token) } @check | Should -BeTrue
    }

    It '-Token binds as a SecureString (module logging records the type, never the token), and still takes a string from the pipeline or a SecureString' {
        $p = (Get-Command Test-CxpaZoneToken).Parameters['Token']
        $p.ParameterType | Should -Be ([securestring])
        @($p.Attributes | Where-Object { $_ -is [System.Management.Automation.ArgumentTransformationAttribute] }).Count | Should -Be 1
        $token | Test-CxpaZoneToken @check | Should -BeTrue
        Test-CxpaZoneToken -Token $token @check | Should -BeTrue
        Test-CxpaZoneToken -Token (ConvertTo-SecureString $token -AsPlainText -Force) @check | Should -BeTrue
        (Test-CxpaZoneToken -Token '' @check -PassThru).Reason | Should -Be 'Empty'
        (Test-CxpaZoneToken -Token $null @check -PassThru).Reason | Should -Be 'Empty'
        (Test-CxpaZoneToken -Token $token @check -PassThru -AsPlainText).Token | Should -BeExactly $token
        (Test-CxpaZoneToken -Token ('a' * 100000) @check -PassThru).Reason | Should -Be 'TooLarge'
        [pscustomobject]@{ Headers = @{ 'x-zone-token' = $token } } | Test-CxpaZoneToken @check | Should -BeTrue
    }
}
