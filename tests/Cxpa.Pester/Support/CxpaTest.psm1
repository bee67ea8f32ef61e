# Helpers for the Pester suite: an emulator process per test file, fresh pwsh processes, and the emulator's demo secrets.
# Imported by every *.Tests.ps1 in BeforeAll:  Import-Module "$PSScriptRoot/Support/CxpaTest.psm1" -Force

$ErrorActionPreference = 'Stop'

# The emulator's demo data (src/Cxpa.Emulator/EmulatorConfig.cs). Test-only values: never a real key.
$script:Demo = [pscustomobject]@{
    IngestKey    = 'cxpa_demo_ingest_key'
    ZoneSecret   = 'cxpa-demo-zone-secret-local-emulator-only-0001'
    Audience     = 'cxpa-demo-zone'
    UserId       = '00000000-0000-4000-8000-000000000000'
}

function Get-CxpaTestDemo { $script:Demo }

# The environment variables a connection falls back to (Connect-Cxpa's docs): cleared around tests that pin the fallbacks.
$script:ConnectionEnvironment = 'CXPA_API_URL', 'CXPA_INGEST_KEY', 'PLATFORM_API_BASE_URL'

function Clear-CxpaTestEnvironment {
    <# Forgets the default connection and clears the connection environment variables; returns what they were. #>
    Disconnect-Cxpa
    $saved = @{}
    foreach ($n in $script:ConnectionEnvironment) { $saved[$n] = [Environment]::GetEnvironmentVariable($n); [Environment]::SetEnvironmentVariable($n, $null) }
    $saved
}

function Restore-CxpaTestEnvironment {
    <# Forgets the default connection and puts back the variables Clear-CxpaTestEnvironment saved. #>
    param([Parameter(Mandatory)] [hashtable] $Saved)
    Disconnect-Cxpa
    foreach ($n in $Saved.Keys) { [Environment]::SetEnvironmentVariable($n, $Saved[$n]) }
}

function Get-CxpaTestRoot { $env:CXPA_TEST_ROOT }

function Get-CxpaTestDotnet { if ($env:CXPA_TEST_DOTNET) { $env:CXPA_TEST_DOTNET } else { 'dotnet' } }

function Stop-CxpaTestProcess([System.Diagnostics.Process] $Process) {
    # Kill(bool) (the process tree) is .NET Core only; Windows PowerShell 5.1 (.NET Framework) has Kill().
    if ($PSVersionTable.PSEdition -eq 'Desktop') { $Process.Kill() } else { $Process.Kill($true) }
}

function Start-CxpaTestEmulator {
    <# Starts the emulator (its built dll) as its own process on a free port; returns Url, Process and Log. #>
    param([string[]] $ArgumentList = @())
    $dll = $env:CXPA_TEST_EMULATOR
    if (-not $dll -or -not (Test-Path -LiteralPath $dll)) { throw "The emulator is not built at '$dll': run the suite through tests/Cxpa.Pester/Invoke-CxpaPester.ps1." }
    $log = Join-Path ([System.IO.Path]::GetTempPath()) ('cxpa-emulator-' + [guid]::NewGuid().ToString('N').Substring(0, 8) + '.log')
    $process = Start-Process -FilePath (Get-CxpaTestDotnet) -ArgumentList (@($dll, '--port', '0') + $ArgumentList) -PassThru `
        -RedirectStandardOutput $log -RedirectStandardError "$log.err"
    $deadline = [DateTime]::UtcNow.AddSeconds(60)
    $url = $null
    while (-not $url) {
        if ($process.HasExited) { throw "The emulator exited with code $($process.ExitCode): $(Get-Content -Raw "$log.err" -ErrorAction SilentlyContinue)" }
        if ([DateTime]::UtcNow -gt $deadline) { Stop-CxpaTestProcess $process; throw "The emulator did not start in 60 s (log: $log)." }
        Start-Sleep -Milliseconds 50
        $line = Get-Content -LiteralPath $log -TotalCount 1 -ErrorAction SilentlyContinue
        if ($line -match 'listening on (\S+)') { $url = $Matches[1] }
    }
    [pscustomobject]@{ Url = $url; Process = $process; Log = $log }
}

function Stop-CxpaTestEmulator {
    param($Emulator)
    if (-not $Emulator) { return }
    if (-not $Emulator.Process.HasExited) { Stop-CxpaTestProcess $Emulator.Process; $null = $Emulator.Process.WaitForExit(10000) }
    Remove-Item -LiteralPath $Emulator.Log, "$($Emulator.Log).err" -ErrorAction SilentlyContinue
}

function Invoke-CxpaTestEmulatorApi {
    <# Calls the emulator's control surface (/_emulator/...) or its API with the demo key. #>
    param(
        [Parameter(Mandatory)] $Emulator,
        [Parameter(Mandatory)] [string] $Path,
        [string] $Method = 'Get',
        $Body,
        [switch] $WithKey
    )
    $headers = @{}
    if ($WithKey) { $headers.Authorization = "Bearer $($script:Demo.IngestKey)" }
    $params = @{ Uri = $Emulator.Url.TrimEnd('/') + '/' + $Path.TrimStart('/'); Method = $Method; Headers = $headers }
    if ($PSBoundParameters.ContainsKey('Body')) { $params.Body = ($Body | ConvertTo-Json -Depth 10 -Compress); $params.ContentType = 'application/json' }
    Invoke-RestMethod @params
}

function Invoke-CxpaTestPwsh {
    <#
    Runs a script in a fresh process of the same PowerShell (pwsh through dotnet, or powershell.exe when the suite runs in
    Windows PowerShell 5.1), with the same HOME: Cxpa is found by name. Returns ExitCode, Output (stdout lines) and Errors
    (stderr text).
    #>
    param([Parameter(Mandatory)] [string] $Script, [hashtable] $Environment = @{})
    $file = Join-Path ([System.IO.Path]::GetTempPath()) ('cxpa-child-' + [guid]::NewGuid().ToString('N').Substring(0, 8) + '.ps1')
    Set-Content -LiteralPath $file -Value $Script -Encoding utf8
    $saved = @{}
    try {
        foreach ($k in $Environment.Keys) { $saved[$k] = [Environment]::GetEnvironmentVariable($k); [Environment]::SetEnvironmentVariable($k, $Environment[$k]) }
        $errFile = "$file.err"
        $out = if ($PSVersionTable.PSEdition -eq 'Desktop') {
            & (Join-Path $PSHOME 'powershell.exe') -NoProfile -NonInteractive -ExecutionPolicy Bypass -File $file 2> $errFile
        }
        else { & (Get-CxpaTestDotnet) (Join-Path $PSHOME 'pwsh.dll') -NoProfile -NonInteractive -File $file 2> $errFile }
        [pscustomobject]@{
            ExitCode = $LASTEXITCODE
            Output   = @($out)
            Errors   = (Get-Content -Raw -LiteralPath $errFile -ErrorAction SilentlyContinue) + ''
        }
    }
    finally {
        foreach ($k in $saved.Keys) { [Environment]::SetEnvironmentVariable($k, $saved[$k]) }
        Remove-Item -LiteralPath $file, "$file.err" -ErrorAction SilentlyContinue
    }
}

function New-CxpaTestFolder {
    $dir = Join-Path ([System.IO.Path]::GetTempPath()) ('cxpa-test-' + [guid]::NewGuid().ToString('N').Substring(0, 8))
    (New-Item -ItemType Directory -Path $dir).FullName
}

Export-ModuleMember -Function *-CxpaTest*
