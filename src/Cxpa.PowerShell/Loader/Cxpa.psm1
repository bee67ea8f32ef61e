# Cxpa root module: loads the cmdlet assembly so that Cxpa's third-party dependencies (Microsoft.IdentityModel.*,
# Polly, System.Text.Json) never clash with other modules' versions. See docs/isolation.md.
$ErrorActionPreference = 'Stop'
Set-StrictMode -Version 3.0

if ($PSVersionTable.PSEdition -eq 'Core' -and $PSVersionTable.PSVersion -ge [version]'7.4') {
    # PowerShell 7.4+ (.NET 8+): Cxpa.PowerShell.dll, Cxpa.Engine and its dependencies (dependencies/net8.0) live in
    # Cxpa's own AssemblyLoadContext; PowerShell and Cxpa share only BCL and System.Management.Automation types.
    $loader = [System.Reflection.Assembly]::LoadFrom([System.IO.Path]::Combine($PSScriptRoot, 'Cxpa.PowerShell.Loader.dll'))
    $cmdletAssembly = $loader.GetType('Cxpa.PowerShell.Loader.ModuleLoader', $true).GetMethod('LoadCmdletAssembly').Invoke($null, @(, $PSScriptRoot))
}
else {
    # Windows PowerShell 5.1 (and older PowerShell): an AssemblyResolve handler that answers only for the assemblies in
    # dependencies/netstandard2.0, and only when Cxpa's own code asks.
    $cmdletAssembly = [System.Reflection.Assembly]::LoadFrom([System.IO.Path]::Combine($PSScriptRoot, 'Cxpa.PowerShell.dll'))
    $cmdletAssembly.GetType('Cxpa.PowerShell.Loader.DependencyResolver', $true).GetMethod('Register').Invoke($null, @(, [System.IO.Path]::Combine($PSScriptRoot, 'dependencies', 'netstandard2.0'))) | Out-Null
}

Import-Module -Assembly $cmdletAssembly -DisableNameChecking
Export-ModuleMember -Cmdlet @(
    'Connect-Cxpa'
    'Disconnect-Cxpa'
    'Get-CxpaConnection'
    'Start-CxpaRun'
    'Wait-CxpaRun'
    'Get-CxpaRun'
    'Save-CxpaRunOutput'
    'Register-CxpaRun'
    'Send-CxpaIngest'
    'Send-CxpaRunEvent'
    'Get-CxpaCredential'
    'Test-CxpaZoneToken'
    'New-CxpaZoneToken'
)
