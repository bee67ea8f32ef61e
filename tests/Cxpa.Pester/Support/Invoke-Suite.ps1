<#
.SYNOPSIS
    The Pester suite's entry point inside the isolated pwsh that Invoke-CxpaPester.ps1 starts (HOME is a temporary folder):
    installs Cxpa from the local repository as a user installs it from the Gallery, then runs Invoke-Pester.
#>
param(
    [Parameter(Mandatory)] [string[]] $Path,
    [string] $Output = 'Detailed',
    # pwsh -File passes "-Path a b c" as one value for -Path and the rest as positional arguments: they land here.
    [Parameter(ValueFromRemainingArguments)] [string[]] $MorePath
)
$Path = @($Path) + @($MorePath | Where-Object { $_ })
$ErrorActionPreference = 'Stop'
$root = $env:CXPA_TEST_ROOT
if (-not $root -or -not $env:CXPA_TEST_REPOSITORY) { throw 'Run the suite through tests/Cxpa.Pester/Invoke-CxpaPester.ps1.' }

# What a user does (with a local folder standing in for the PowerShell Gallery).
Register-PSResourceRepository -Name CxpaLocal -Uri $env:CXPA_TEST_REPOSITORY -Trusted
Install-PSResource -Name Cxpa -Repository CxpaLocal -TrustRepository -Quiet

Import-Module (Join-Path $root 'out/pester/Pester/Pester.psd1') -Force
$config = New-PesterConfiguration
$config.Run.Path = $Path
$config.Run.Exit = $true
$config.Output.Verbosity = $Output
$config.Output.RenderMode = 'Plaintext'
Invoke-Pester -Configuration $config
