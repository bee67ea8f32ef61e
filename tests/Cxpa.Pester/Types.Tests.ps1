# The types users name in scripts, in the real pwsh against the installed module: [Cxpa.Run] for runbook parameters and
# typed catches ([Cxpa.CxpaException] and its subclasses). They live in Cxpa.Types, loaded into the default load context
# (where PowerShell resolves type names); the engine and its dependencies stay in Cxpa's own context (docs/isolation.md).

BeforeAll {
    Import-Module "$PSScriptRoot/Support/CxpaTest.psm1" -Force
    $script:emu = Start-CxpaTestEmulator
    Import-Module Cxpa
    $script:api = @{ BaseUrl = $script:emu.Url; IngestApiKey = (Get-CxpaTestDemo).IngestKey }
    $script:alcType = [System.Runtime.Loader.AssemblyLoadContext]
}

AfterAll { Stop-CxpaTestEmulator $script:emu }

Describe 'Cxpa types by name' {
    It '[Cxpa.Run] resolves and Start-CxpaRun -Wait outputs one' {
        [Cxpa.Run].FullName | Should -Be 'Cxpa.Run'
        $run = Start-CxpaRun @api -AgentId 42 -Wait
        $run -is [Cxpa.Run] | Should -BeTrue
        $run.Status | Should -Be 'completed'
        $run.GetType() | Should -Be ([Cxpa.Run])
    }

    It 'a runbook-style param([Cxpa.Run] $Run) accepts a run, by argument and from the pipeline' {
        function Get-RunSummary {
            param([Parameter(Mandatory, ValueFromPipeline)] [Cxpa.Run] $Run)
            process { "$($Run.RunId):$($Run.Status)" }
        }
        $run = Start-CxpaRun @api -AgentId 42 -Wait
        Get-RunSummary -Run $run | Should -Be "$($run.RunId):completed"
        $run | Get-RunSummary | Should -Be "$($run.RunId):completed"
        { Get-RunSummary -Run 'not a run' } | Should -Throw -ErrorId 'ParameterArgumentTransformationError,Get-RunSummary'
    }

    It 'Send-CxpaIngest outputs a [Cxpa.IngestResult]' {
        $r = Send-CxpaIngest @api -AgentId 44 -ExternalRunId ('types-' + [guid]::NewGuid().ToString('N')) -Status completed
        $r -is [Cxpa.IngestResult] | Should -BeTrue
    }
}

Describe 'Every output type by name' {
    BeforeAll {
        $d = Get-CxpaTestDemo
        $script:reg = Register-CxpaRun @api -AgentId 48 -ExternalRunId ('types-' + [guid]::NewGuid().ToString('N')) -AsPlainText
        $script:zone = New-CxpaZoneToken -Secret $d.ZoneSecret -Audience $d.Audience -UserId $d.UserId -AgentId 42 -AsPlainText
        $script:runtime = @{ BaseUrl = $script:emu.Url; RunId = $reg.RunId; AgentApiKey = 'cxpa_demo_agent_48'; CredentialsToken = $reg.CredentialsToken }
    }

    It '<Cmdlet> writes a [<TypeName>] that lives in Cxpa.Types, in the default load context' -ForEach @(
        @{ Cmdlet = 'Connect-Cxpa -PassThru'; TypeName = 'Cxpa.CxpaConnection'; Call = { Connect-Cxpa @api -PassThru } }
        @{ Cmdlet = 'Get-CxpaConnection'; TypeName = 'Cxpa.CxpaConnection'; Call = { $null = Connect-Cxpa @api; Get-CxpaConnection; Disconnect-Cxpa } }
        @{ Cmdlet = 'Register-CxpaRun'; TypeName = 'Cxpa.RunRegistration'; Call = { $reg } }
        @{ Cmdlet = 'Test-CxpaZoneToken -PassThru'; TypeName = 'Cxpa.ZoneTokenResult'; Call = { $d = Get-CxpaTestDemo; Test-CxpaZoneToken -Token $zone -Secret $d.ZoneSecret -Audience $d.Audience -PassThru } }
        @{ Cmdlet = 'Get-CxpaCredential (oauth)'; TypeName = 'Cxpa.OAuthCredential'; Call = { Get-CxpaCredential @runtime -ConnectionId conn_hubspot } }
        @{ Cmdlet = 'Get-CxpaCredential (api_key)'; TypeName = 'Cxpa.ApiKeyCredential'; Call = { Get-CxpaCredential @runtime -ConnectionId conn_openai } }
        @{ Cmdlet = 'Get-CxpaCredential (basic)'; TypeName = 'Cxpa.BasicCredential'; Call = { Get-CxpaCredential @runtime -ConnectionId conn_ftp } }
        @{ Cmdlet = 'Get-CxpaCredential (other)'; TypeName = 'Cxpa.GenericCredential'; Call = { Get-CxpaCredential @runtime -ConnectionId conn_legacy } }
    ) {
        $type = $TypeName -as [type]
        $type | Should -Not -BeNullOrEmpty -Because "[$TypeName] must resolve by name"
        $type.Assembly.GetName().Name | Should -Be 'Cxpa.Types'
        $alcType::GetLoadContext($type.Assembly) | Should -Be $alcType::Default
        $out = @(& $Call)
        $out.Count | Should -Be 1
        $out[0] -is $type | Should -BeTrue
        $out[0].GetType() | Should -Be $type
    }

    It 'a function typed [Cxpa.CxpaCredential] takes any credential, and BasicCredential.Credential is a PSCredential' {
        function Get-UserName { param([Parameter(Mandatory)] [Cxpa.CxpaCredential] $Credential) $Credential.Credential.UserName }
        $basic = Get-CxpaCredential @runtime -ConnectionId conn_ftp
        $basic.Credential | Should -BeOfType ([pscredential])
        Get-UserName -Credential $basic | Should -Be $basic.UserName
        { Get-UserName -Credential 'not a credential' } | Should -Throw -ErrorId 'ParameterArgumentTransformationError,Get-UserName'
    }
}

Describe 'Typed catches' {
    It 'catch [Cxpa.CxpaApiException] catches a 404 with Status, Code, ServerMessage and RunId' {
        $caught = $null
        try { Get-CxpaRun @api -AgentId 42 -RunId 999999 -ErrorAction Stop }
        catch [Cxpa.CxpaApiException] { $caught = $_ }
        $caught | Should -Not -BeNullOrEmpty
        $caught.Exception.Status | Should -Be 404
        $caught.Exception.Code | Should -Be 'not_found'
        $caught.Exception.ServerMessage | Should -Not -BeNullOrEmpty
        $caught.Exception.RunId | Should -Be 999999
        $caught.Exception.Method | Should -Be 'GET'
        # What users saw before stays: the ErrorId, the category and the message.
        $caught.FullyQualifiedErrorId | Should -Be 'NotFound,Cxpa.PowerShell.Cmdlets.GetCxpaRunCommand'
        $caught.CategoryInfo.Category | Should -Be 'ObjectNotFound'
    }

    It 'the same API error is caught by catch [Cxpa.CxpaException], and not by an unrelated typed catch first' {
        $which = try { Get-CxpaRun @api -AgentId 42 -RunId 999999 -ErrorAction Stop }
        catch [Cxpa.CxpaRunException] { 'run' }
        catch [Cxpa.CxpaException] { 'cxpa:' + $_.Exception.GetType().Name + ':' + $_.Exception.RunId }
        $which | Should -Be 'cxpa:CxpaApiException:999999'
    }

    It 'a failed run (agent 45) is caught by [Cxpa.CxpaRunFailedException] and by [Cxpa.CxpaException], with RunId' {
        $failed = $null
        try { Start-CxpaRun @api -AgentId 45 -Wait -ErrorAction Stop }
        catch [Cxpa.CxpaRunFailedException] { $failed = $_ }
        $failed | Should -Not -BeNullOrEmpty
        $failed.Exception.RunId | Should -BeGreaterThan 0
        $failed.Exception.AgentId | Should -Be 45
        $failed.Exception.Status | Should -Be 'failed'
        $failed.Exception.RunError | Should -Be 'Upstream site unreachable'
        $failed.Exception -is [Cxpa.CxpaRunException] | Should -BeTrue
        $failed.FullyQualifiedErrorId | Should -BeLike 'RunFailed,*'

        $base = $null
        try { Start-CxpaRun @api -AgentId 45 -Wait -ErrorAction Stop }
        catch [Cxpa.CxpaException] { $base = $_ }
        $base.Exception | Should -BeOfType ([Cxpa.CxpaRunFailedException])
        $base.Exception.RunId | Should -BeGreaterThan $failed.Exception.RunId
    }

    It 'a run still going when -TimeoutSec elapses is a [Cxpa.CxpaRunWaitTimeoutException]' {
        $caught = $null
        try { Start-CxpaRun @api -AgentId 47 -Wait -TimeoutSec 1 -ErrorAction Stop }
        catch [Cxpa.CxpaRunWaitTimeoutException] { $caught = $_ }
        $caught | Should -Not -BeNullOrEmpty
        $caught.Exception.RunId | Should -BeGreaterThan 0
        $caught.FullyQualifiedErrorId | Should -BeLike 'RunWaitTimeout,*'
    }

    It 'a connection failure (a closed port) is a [Cxpa.CxpaException]' {
        $closed = New-CxpaTestClosedPort
        $caught = $null
        try { Get-CxpaRun -BaseUrl $closed.Url -IngestApiKey (Get-CxpaTestDemo).IngestKey -AgentId 42 -RunId 1 -MaximumRetryCount 0 -ErrorAction Stop }
        catch [Cxpa.CxpaException] { $caught = $_ }
        finally { $closed.Socket.Dispose() }
        $caught | Should -Not -BeNullOrEmpty
        $caught.Exception | Should -BeOfType ([Cxpa.CxpaConnectionException])
        $caught.FullyQualifiedErrorId | Should -BeLike 'ConnectionFailed,*'
    }

    It 'a mistake refused before sending (<ErrorId>) is a [Cxpa.CxpaConfigurationException] with that ErrorId' -ForEach @(
        @{ ErrorId = 'ConnectionConflict'; Call = { Start-CxpaRun @api -AgentId 42 -ZoneToken 'x.y.z' -ErrorAction Stop } }
        @{ ErrorId = 'MissingAgentId'; Call = { Start-CxpaRun @api -ErrorAction Stop } }
    ) {
        $caught = $null
        try { & $Call } catch [Cxpa.CxpaException] { $caught = $_ }
        $caught | Should -Not -BeNullOrEmpty
        $caught.Exception | Should -BeOfType ([Cxpa.CxpaConfigurationException])
        $caught.Exception.ErrorId | Should -Be $ErrorId
        $caught.FullyQualifiedErrorId | Should -BeLike "$ErrorId,*"
    }
}

Describe 'Where the types live' {
    It 'Cxpa.Types is in the default load context and references only the BCL and PowerShell' {
        $types = [Cxpa.CxpaException].Assembly
        $types.GetName().Name | Should -Be 'Cxpa.Types'
        $alcType::GetLoadContext($types) | Should -Be $alcType::Default
        [Cxpa.Run].Assembly | Should -Be $types
        [Cxpa.CxpaApiException].Assembly | Should -Be $types
        $refs = @($types.GetReferencedAssemblies().Name)
        $refs | Should -Not -BeNullOrEmpty
        $refs | Where-Object { $_ -notmatch '^(System(\..+)?|netstandard|mscorlib)$' } | Should -BeNullOrEmpty
        # System.Management.Automation is PowerShell's own (for BasicCredential.Credential); the engine is never referenced.
        $refs | Should -Not -Contain 'Cxpa.Engine'
        # It comes from the installed module's root, not from dependencies/.
        $module = Get-Module Cxpa
        $types.Location | Should -Be (Join-Path $module.ModuleBase 'Cxpa.Types.dll')
    }

    It 'the engine and the cmdlets stay in the Cxpa context and share the default context''s Cxpa.Types' {
        $cmdlets = (Get-Command Start-CxpaRun).ImplementingType.Assembly
        $cxpa = $alcType::GetLoadContext($cmdlets)
        $cxpa.Name | Should -BeLike 'Cxpa *'
        $engine = $cxpa.Assemblies | Where-Object { $_.GetName().Name -eq 'Cxpa.Engine' }
        $engine | Should -Not -BeNullOrEmpty
        @($cxpa.Assemblies | Where-Object { $_.GetName().Name -eq 'Cxpa.Types' }) | Should -BeNullOrEmpty
        @($engine.GetReferencedAssemblies().Name) | Should -Contain 'Cxpa.Types'
        # What the cmdlets throw is the type PowerShell resolves by name.
        $e = try { Get-CxpaRun @api -AgentId 42 -RunId 999999 -ErrorAction Stop } catch { $_.Exception }
        $e.GetType() | Should -Be ([Cxpa.CxpaApiException])
    }

    It 'in a fresh pwsh, a script with typed catches works after Import-Module Cxpa' {
        $r = Invoke-CxpaTestPwsh -Environment @{ CXPA_URL = $script:emu.Url; CXPA_KEY = (Get-CxpaTestDemo).IngestKey } -Script @'
Import-Module Cxpa
try { $null = Start-CxpaRun -BaseUrl $env:CXPA_URL -IngestApiKey $env:CXPA_KEY -AgentId 45 -Wait -ErrorAction Stop; 'no error' }
catch [Cxpa.CxpaRunFailedException] { 'failed ' + $_.Exception.RunError }
catch { 'other ' + $_.Exception.GetType().FullName + ' ' + $_ }
'@
        $r.ExitCode | Should -Be 0
        $r.Errors | Should -BeNullOrEmpty
        $r.Output | Should -Be @('failed Upstream site unreachable')
    }
}
