<#
.SYNOPSIS
    The Pester suite's entry point inside the isolated pwsh that Invoke-CxpaPester.ps1 starts (HOME is a temporary folder):
    installs Cxpa and Cxpa.Emulator by name from the local repository as a user installs them from the Gallery, then runs Invoke-Pester.
#>
param(
    # Test files or folders; default: $env:CXPA_TEST_PATHS (joined with the path separator by Invoke-CxpaPester.ps1).
    [string[]] $Path = @($env:CXPA_TEST_PATHS -split [regex]::Escape([System.IO.Path]::PathSeparator) | Where-Object { $_ }),
    [string] $Output = 'Detailed'
)
$ErrorActionPreference = 'Stop'
$root = $env:CXPA_TEST_ROOT
if (-not $root -or -not $env:CXPA_TEST_REPOSITORY -or -not $Path) { throw 'Run the suite through tests/Cxpa.Pester/Invoke-CxpaPester.ps1.' }

# What a user does (with a local folder standing in for the PowerShell Gallery).
Register-PSResourceRepository -Name CxpaLocal -Uri $env:CXPA_TEST_REPOSITORY -Trusted
Install-PSResource -Name Cxpa, Cxpa.Emulator -Repository CxpaLocal -TrustRepository -Quiet

Import-Module (Join-Path $root 'out/pester/Pester/Pester.psd1') -Force
$config = New-PesterConfiguration
$config.Run.Path = $Path
$config.Run.PassThru = $true
$config.Output.Verbosity = $Output
$config.Output.RenderMode = 'Plaintext'
$result = Invoke-Pester -Configuration $config

# A CI log often keeps only its tail: repeat each failure there, after the counts.
$failures = @($result.Failed) + @($result.FailedBlocks) + @($result.FailedContainers)
foreach ($failure in $failures) {
    $where = if ($failure.PSObject.Properties['ExpandedPath']) { $failure.ExpandedPath } else { [string]$failure.Item }
    $message = @($failure.ErrorRecord | ForEach-Object { $_.ToString() }) -join ' | '
    if ($message.Length -gt 1500) { $message = $message.Substring(0, 1500) + '...' }
    Write-Host "FAILED: $where :: $message"
}
exit $failures.Count
