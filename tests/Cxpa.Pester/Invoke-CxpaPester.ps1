<#
.SYNOPSIS
    Runs the Pester suite in the real pwsh against the module as users get it.
.DESCRIPTION
    1. Builds tests/Cxpa.Pester (the emulator, the staged module, Pester 5.7.1 and the isolation fixtures from NuGet).
    2. Packs both modules (src/Cxpa.Package, src/Cxpa.Emulator.Package) into a temporary folder that serves as a local
       PSResourceGet repository.
    3. Starts a fresh pwsh whose HOME is a temporary folder, so the user's own modules and repositories are not touched:
       there Support/Invoke-Suite.ps1 registers the repository, runs Install-PSResource Cxpa, Cxpa.Emulator and Invoke-Pester.
    Each test file starts its own emulator inside the test pwsh (Start-CxpaEmulator) and stops it in AfterAll.
    Exit code: the number of failed tests (0 when all passed).
.EXAMPLE
    dotnet tool restore; dotnet pwsh tests/Cxpa.Pester/Invoke-CxpaPester.ps1
.EXAMPLE
    dotnet pwsh tests/Cxpa.Pester/Invoke-CxpaPester.ps1 -Path tests/Cxpa.Pester/Runs.Tests.ps1 -Output Diagnostic
.EXAMPLE
    dotnet pwsh tests/Cxpa.Pester/Invoke-CxpaPester.ps1 -Shell powershell
    On Windows: builds and packs with the local pwsh tool as always, then installs the package and runs the suite in
    Windows PowerShell 5.1 (powershell.exe), which needs Microsoft.PowerShell.PSResourceGet installed for it.
#>
[CmdletBinding()]
param(
    # Test files or folders; default: every *.Tests.ps1 beside this script and examples/Runbook.Tests.ps1.
    [string[]] $Path,
    [ValidateSet('Debug', 'Release')]
    [string] $Configuration = 'Debug',
    # Skip the build (the module, emulator and toolchain are already built for -Configuration).
    [switch] $NoBuild,
    [ValidateSet('None', 'Normal', 'Detailed', 'Diagnostic')]
    [string] $Output = 'Detailed',
    # The PowerShell that installs the package and runs the suite: the local pwsh tool (default), or Windows PowerShell
    # 5.1 (powershell.exe, Windows only). The build and the pack always run here.
    [ValidateSet('pwsh', 'powershell')]
    [string] $Shell = 'pwsh'
)
$ErrorActionPreference = 'Stop'
$root = [System.IO.Path]::GetFullPath((Join-Path $PSScriptRoot '../..'))
$dotnet = (Get-Process -Id $PID).Path
if ([System.IO.Path]::GetFileNameWithoutExtension($dotnet) -ne 'dotnet') { $dotnet = 'dotnet' }

if (-not $Path) {
    $Path = @((Get-ChildItem -Path $PSScriptRoot -Filter '*.Tests.ps1').FullName) + (Join-Path $root 'examples/Runbook.Tests.ps1')
}
# From bash, 'pwsh -File' passes '-Path a,b' as one string: split it.
$Path = @($Path -split ',' | Where-Object { $_ } | ForEach-Object { [System.IO.Path]::GetFullPath($_, (Get-Location).ProviderPath) })

if (-not $NoBuild) {
    & $dotnet build (Join-Path $root 'tests/Cxpa.Pester/Cxpa.Pester.csproj') -c $Configuration -nologo -v q -clp:ErrorsOnly
    if ($LASTEXITCODE -ne 0) { throw "The build failed (exit code $LASTEXITCODE)." }
}

$work = Join-Path ([System.IO.Path]::GetTempPath()) ('cxpa-pester-' + [guid]::NewGuid().ToString('N').Substring(0, 8))
$repository = Join-Path $work 'repository'
$userHome = Join-Path $work 'home'
$null = New-Item -ItemType Directory -Path $repository, $userHome
$saved = @{}
$environment = @{
    HOME                 = $userHome                       # Install-PSResource -Scope CurrentUser and PSModulePath follow HOME
    XDG_DATA_HOME        = $null
    XDG_CONFIG_HOME      = $null
    XDG_CACHE_HOME       = $null
    DOTNET_CLI_HOME      = $env:HOME                       # dotnet itself keeps the user's tool and SDK state
    NUGET_PACKAGES       = (& $dotnet nuget locals global-packages --list --force-english-output) -replace '^global-packages:\s*', ''
    CXPA_TEST_ROOT       = $root
    CXPA_TEST_REPOSITORY = $repository
    CXPA_TEST_EMULATOR   = (Get-Content -Raw (Join-Path $root 'out/pester/emulator.txt')).Trim()
    CXPA_TEST_DOTNET     = $dotnet
    CXPA_API_URL         = $null
    CXPA_INGEST_KEY      = $null
    PLATFORM_API_BASE_URL = $null
    CXPA_TEST_PATHS      = $null
}
if ($Configuration -ne 'Debug') { $environment.CXPA_TEST_EMULATOR = $environment.CXPA_TEST_EMULATOR -replace '/Debug/', "/$Configuration/" }
try {
    foreach ($package in 'src/Cxpa.Package', 'src/Cxpa.Emulator.Package') {
        & $dotnet pack (Join-Path $root $package) -c $Configuration -o $repository -nologo -v q -clp:ErrorsOnly
        if ($LASTEXITCODE -ne 0) { throw "Packing $package failed (exit code $LASTEXITCODE)." }
    }

    foreach ($name in $environment.Keys) {
        $saved[$name] = [Environment]::GetEnvironmentVariable($name)
        [Environment]::SetEnvironmentVariable($name, $environment[$name])
    }
    # The test paths travel in the environment: 'pwsh -File' binds an array argument as one string.
    [Environment]::SetEnvironmentVariable('CXPA_TEST_PATHS', ($Path -join [System.IO.Path]::PathSeparator))
    $suite = Join-Path $PSScriptRoot 'Support/Invoke-Suite.ps1'
    if ($Shell -eq 'powershell') {
        if (-not $IsWindows) { throw '-Shell powershell runs the suite in Windows PowerShell 5.1: Windows only.' }
        & powershell.exe -NoProfile -NonInteractive -ExecutionPolicy Bypass -File $suite -Output $Output
    }
    else { & $dotnet (Join-Path $PSHOME 'pwsh.dll') -NoProfile -NonInteractive -File $suite -Output $Output }
    $failed = $LASTEXITCODE
}
finally {
    foreach ($name in $saved.Keys) { [Environment]::SetEnvironmentVariable($name, $saved[$name]) }
    Remove-Item -LiteralPath $work -Recurse -Force -ErrorAction SilentlyContinue
}
exit $failed
