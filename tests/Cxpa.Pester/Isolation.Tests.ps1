# Dependency isolation in real pwsh processes (docs/isolation.md): Cxpa beside what Az.Accounts loads into a session,
# System.IdentityModel.Tokens.Jwt / Microsoft.IdentityModel 6.x and Microsoft.Identity.Client, loaded before or after
# Import-Module Cxpa. Both sides keep working, each on its own versions.

BeforeAll {
    Import-Module "$PSScriptRoot/Support/CxpaTest.psm1" -Force
    $script:emu = Start-CxpaTestEmulator
    $script:other = Join-Path (Get-CxpaTestRoot) 'out/pester/other-identity'

    # One script, two orders: $env:CXPA_ORDER is 'OtherFirst' or 'CxpaFirst'. It prints one JSON line of facts.
    $script:probe = @'
$ErrorActionPreference = 'Stop'
$names = 'Microsoft.IdentityModel.Abstractions', 'Microsoft.IdentityModel.Logging', 'Microsoft.IdentityModel.Tokens',
    'Microsoft.IdentityModel.JsonWebTokens', 'System.IdentityModel.Tokens.Jwt', 'Microsoft.Identity.Client'
function Add-Other { foreach ($n in $names) { Add-Type -LiteralPath (Join-Path $env:CXPA_OTHER "$n.dll") } }
$demo = @{ Secret = 'cxpa-demo-zone-secret-local-emulator-only-0001'; Audience = 'cxpa-demo-zone'; User = '00000000-0000-4000-8000-000000000000' }

if ($env:CXPA_ORDER -eq 'OtherFirst') { Add-Other }
Import-Module Cxpa
$run = Start-CxpaRun -BaseUrl $env:CXPA_URL -IngestApiKey 'cxpa_demo_ingest_key' -AgentId 42 -Wait
$token = New-CxpaZoneToken -UserId $demo.User -AgentId 42 -Secret $demo.Secret -Audience $demo.Audience -AsPlainText
$valid = Test-CxpaZoneToken -Token $token -Secret $demo.Secret -Audience $demo.Audience
if ($env:CXPA_ORDER -eq 'CxpaFirst') { Add-Other; $valid = $valid -and (Test-CxpaZoneToken -Token $token -Secret $demo.Secret -Audience $demo.Audience) }

# The other module's side: IdentityModel 6.x reads Cxpa's token, MSAL builds a client.
$jwt = [System.IdentityModel.Tokens.Jwt.JwtSecurityTokenHandler]::new().ReadJwtToken($token)
$msal = [Microsoft.Identity.Client.PublicClientApplicationBuilder]::Create('11111111-1111-1111-1111-111111111111').Build()
$cxpaContext = [System.Runtime.Loader.AssemblyLoadContext]::GetLoadContext((Get-Command Start-CxpaRun).ImplementingType.Assembly)
$cxpaTokens = $cxpaContext.Assemblies | Where-Object { $_.GetName().Name -eq 'Microsoft.IdentityModel.Tokens' }
[ordered]@{
    RunStatus          = $run.Status
    ZoneTokenValid     = [bool]$valid
    OtherJwtAgentId    = ($jwt.Claims | Where-Object Type -eq 'agentId').Value
    OtherJwtVersion    = [System.IdentityModel.Tokens.Jwt.JwtSecurityTokenHandler].Assembly.GetName().Version.Major
    OtherTokensVersion = [Microsoft.IdentityModel.Tokens.SecurityKey].Assembly.GetName().Version.Major
    MsalClientId       = $msal.AppConfig.ClientId
    CxpaContext        = $cxpaContext.Name
    CxpaTokensVersion  = $cxpaTokens.GetName().Version.Major
    CxpaTokensPath     = $cxpaTokens.Location
} | ConvertTo-Json -Compress
'@
    function Invoke-Probe([string] $Order) {
        $r = Invoke-CxpaTestPwsh -Script $script:probe -Environment @{ CXPA_ORDER = $Order; CXPA_OTHER = $script:other; CXPA_URL = $script:emu.Url }
        $r.Errors | Should -BeNullOrEmpty
        $r.ExitCode | Should -Be 0
        $r.Output[-1] | ConvertFrom-Json
    }
}

AfterAll { Stop-CxpaTestEmulator $script:emu }

Describe 'Cxpa beside IdentityModel 6.x and MSAL (as Az.Accounts loads them)' {
    It 'ships the fixtures: IdentityModel 6.x and Microsoft.Identity.Client' {
        (Get-Item (Join-Path $script:other 'System.IdentityModel.Tokens.Jwt.dll')).VersionInfo.FileMajorPart | Should -Be 6
        Join-Path $script:other 'Microsoft.Identity.Client.dll' | Should -Exist
    }

    It 'works when <Label> is loaded first' -ForEach @(
        @{ Order = 'OtherFirst'; Label = 'the other module' }
        @{ Order = 'CxpaFirst'; Label = 'Cxpa' }
    ) {
        $facts = Invoke-Probe $Order
        $facts.RunStatus | Should -Be 'completed'
        $facts.ZoneTokenValid | Should -BeTrue
        # The other module keeps its own versions and reads what Cxpa wrote.
        $facts.OtherJwtAgentId | Should -Be '42'
        $facts.OtherJwtVersion | Should -Be 6
        $facts.OtherTokensVersion | Should -Be 6
        $facts.MsalClientId | Should -Be '11111111-1111-1111-1111-111111111111'
        # Cxpa runs on its own copy, in its own load context, from the installed module's folder.
        $facts.CxpaContext | Should -BeLike 'Cxpa *'
        $facts.CxpaTokensVersion | Should -BeGreaterOrEqual 8
        $facts.CxpaTokensPath | Should -BeLike "$((Get-Module Cxpa -ListAvailable).ModuleBase)*"
    }
}
