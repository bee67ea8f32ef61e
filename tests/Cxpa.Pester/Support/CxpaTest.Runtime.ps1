# Helpers for Runtime.Tests.ps1, Zone.Tests.ps1 and Completion.Tests.ps1 (dot-sourced in their BeforeAll, after CxpaTest.psm1).

# The emulator's demo secrets that must never show in any output (src/Cxpa.Emulator.Core/EmulatorConfig.cs). Test-only values.
$script:CxpaTestCredentialSecrets = @('demo-hubspot-access-token', 'sk-demo-openai-key', 'demo-ftp-password')

function Get-CxpaTestRunRow {
    <# The emulator's row of a run (snake_case: status, output_data, outputs, error, external_run_id, metadata...). #>
    param([Parameter(Mandatory)] $Emulator, [Parameter(Mandatory)] [long] $RunId)
    Invoke-CxpaTestEmulatorApi -Emulator $Emulator -Path "/_emulator/runs/$RunId"
}

function Get-CxpaTestTriggerPayload {
    <# What a platform-managed runtime receives for a run: RunId, AgentApiKey and CredentialsToken (plain strings). #>
    param([Parameter(Mandatory)] $Emulator, [Parameter(Mandatory)] [long] $RunId)
    $p = Invoke-CxpaTestEmulatorApi -Emulator $Emulator -Path "/_emulator/runs/$RunId/trigger-payload"
    [pscustomobject]@{ RunId = [long]$p.runId; AgentApiKey = [string]$p.agentApiKey; CredentialsToken = [string]$p.credentialsToken }
}

function Clear-CxpaTestRequestLog {
    param([Parameter(Mandatory)] $Emulator)
    $null = Invoke-CxpaTestEmulatorApi -Emulator $Emulator -Path '/_emulator/requests' -Method Delete
}

function Get-CxpaTestRequestLog {
    <# The API requests the emulator received since the last Clear-CxpaTestRequestLog (the control surface is never logged). #>
    param([Parameter(Mandatory)] $Emulator)
    @((Invoke-CxpaTestEmulatorApi -Emulator $Emulator -Path '/_emulator/requests').requests)
}

function ConvertFrom-CxpaTestSecureString {
    param([Parameter(Mandatory)] [System.Security.SecureString] $SecureString)
    [System.Net.NetworkCredential]::new('', $SecureString).Password
}

function ConvertTo-CxpaTestBase64Url {
    param([Parameter(Mandatory)] [byte[]] $Bytes)
    [Convert]::ToBase64String($Bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_')
}

function ConvertFrom-CxpaTestJwtPart {
    <# Decodes one base64url segment of a JWT into an object. #>
    param([Parameter(Mandatory)] [string] $Part)
    $s = $Part.Replace('-', '+').Replace('_', '/')
    $s += '=' * ((4 - $s.Length % 4) % 4)
    [System.Text.Encoding]::UTF8.GetString([Convert]::FromBase64String($s)) | ConvertFrom-Json
}

function New-CxpaTestJwt {
    <#
    A compact JWT built by hand (so a test controls every claim: an exp in the past, another alg), signed HS256 with
    -Secret unless -Algorithm is 'none'. Times are Unix seconds relative to now.
    #>
    param(
        [string] $Secret = (Get-CxpaTestDemo).ZoneSecret,
        [string] $Audience = (Get-CxpaTestDemo).Audience,
        [string] $UserId = (Get-CxpaTestDemo).UserId,
        [long] $AgentId = 42,
        [int] $IssuedAtOffsetSeconds = 0,
        [int] $LifetimeSeconds = 300,
        [string] $Algorithm = 'HS256'
    )
    $now = [DateTimeOffset]::UtcNow.ToUnixTimeSeconds() + $IssuedAtOffsetSeconds
    $header = [ordered]@{ alg = $Algorithm; typ = 'JWT' } | ConvertTo-Json -Compress
    $payload = [ordered]@{ aud = $Audience; iat = $now; exp = $now + $LifetimeSeconds; userId = $UserId; agentId = $AgentId } | ConvertTo-Json -Compress
    $signingInput = (ConvertTo-CxpaTestBase64Url ([System.Text.Encoding]::UTF8.GetBytes($header))) + '.' +
        (ConvertTo-CxpaTestBase64Url ([System.Text.Encoding]::UTF8.GetBytes($payload)))
    if ($Algorithm -eq 'none') { return $signingInput + '.' }
    $hmac = [System.Security.Cryptography.HMACSHA256]::new([System.Text.Encoding]::UTF8.GetBytes($Secret))
    try { $signingInput + '.' + (ConvertTo-CxpaTestBase64Url $hmac.ComputeHash([System.Text.Encoding]::UTF8.GetBytes($signingInput))) }
    finally { $hmac.Dispose() }
}

function Get-CxpaTestErrorText {
    <#
    Every text an ErrorRecord exposes to a user or a log: its display, the exception's message and ToString (inner
    exceptions included), ErrorDetails (message and recommended action), TargetObject, CategoryInfo and the invocation line.
    #>
    param([Parameter(Mandatory)] [System.Management.Automation.ErrorRecord] $ErrorRecord)
    $parts = [System.Collections.Generic.List[string]]::new()
    $parts.Add(($ErrorRecord | Out-String))
    $parts.Add(($ErrorRecord | Format-List * -Force | Out-String))
    $parts.Add([string]$ErrorRecord.Exception)
    if ($ErrorRecord.ErrorDetails) { $parts.Add([string]$ErrorRecord.ErrorDetails.Message); $parts.Add([string]$ErrorRecord.ErrorDetails.RecommendedAction) }
    $parts.Add(($ErrorRecord.TargetObject | Out-String))
    $parts.Add([string]$ErrorRecord.CategoryInfo)
    $parts.Add([string]$ErrorRecord.FullyQualifiedErrorId)
    $parts -join "`n"
}

function Get-CxpaTestStreamText {
    <# The text of everything a command wrote to any stream (records captured with *>&1), errors in full. #>
    param([object[]] $Records)
    $parts = foreach ($r in $Records) {
        if ($r -is [System.Management.Automation.ErrorRecord]) { Get-CxpaTestErrorText $r }
        elseif ($r -is [System.Management.Automation.InformationalRecord]) { $r.Message }
        elseif ($r -is [System.Management.Automation.InformationRecord]) { [string]$r.MessageData }
        else { $r | Out-String }
    }
    $parts -join "`n"
}

function Invoke-CxpaTestWhatIf {
    <#
    Runs -Script in a fresh pwsh (WhatIf text goes to the host, so it is read from the child's stdout), with the
    emulator's URL in $env:CXPA_API_URL. Returns the child's stdout as one string; throws with its stderr if it failed.
    #>
    param([Parameter(Mandatory)] $Emulator, [Parameter(Mandatory)] [string] $Script, [hashtable] $Environment = @{})
    $vars = @{ CXPA_API_URL = $Emulator.Url } + $Environment
    $r = Invoke-CxpaTestPwsh -Script ("`$ErrorActionPreference = 'Stop'`nImport-Module Cxpa`n" + $Script) -Environment $vars
    if ($r.ExitCode -ne 0 -or $r.Errors.Trim()) { throw "The child pwsh failed (exit code $($r.ExitCode)): $($r.Errors)" }
    $r.Output -join "`n"
}
