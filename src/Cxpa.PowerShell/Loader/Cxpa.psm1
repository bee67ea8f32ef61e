# Cxpa root module: loads the cmdlet assembly so that Cxpa's third-party dependencies (Microsoft.IdentityModel.*,
# Polly, System.Text.Json) never clash with other modules' versions. See docs/isolation.md.
# Kept to a few statements: every .NET call and cmdlet here is paid for by each Import-Module in a cold process
# (docs/performance.md). The manifest's CmdletsToExport lists what the module exports.
param(
    # Internal, for the tests of the branches below: the PowerShell edition and version to load for (default: this
    # PowerShell's), given as Import-Module Cxpa -ArgumentList <edition>, <major>, <minor>. Not for use in scripts.
    [string] $Edition = $PSVersionTable.PSEdition,
    [int] $Major = $PSVersionTable.PSVersion.Major,
    [int] $Minor = $PSVersionTable.PSVersion.Minor
)
$ErrorActionPreference = 'Stop'

if ($Edition -eq 'Core' -and ($Major -lt 7 -or ($Major -eq 7 -and $Minor -lt 4))) {
    # PowerShell 7.0-7.3 run on .NET Core 3.1-7, which Cxpa's isolation does not support (docs/isolation.md).
    throw "Cxpa needs PowerShell 7.4 or later (or Windows PowerShell 5.1); this is PowerShell $Major.$Minor. Install PowerShell 7.4 or later: https://aka.ms/powershell"
}
if ($Edition -eq 'Core') {
    # PowerShell 7.4+ (.NET 8+): Cxpa.PowerShell.dll, Cxpa.Engine and its dependencies (dependencies/net8.0) live in
    # Cxpa's own AssemblyLoadContext; PowerShell and Cxpa share only BCL and System.Management.Automation types and
    # Cxpa.Types ([Cxpa.Run], the exceptions), which LoadCmdletAssembly puts into the default context first.
    $null = [System.Reflection.Assembly]::LoadFrom([System.IO.Path]::Combine($PSScriptRoot, 'Cxpa.PowerShell.Loader.dll'))
    $cmdletAssembly = [Cxpa.PowerShell.Loader.ModuleLoader]::LoadCmdletAssembly($PSScriptRoot)
}
else {
    # Windows PowerShell 5.1: an AssemblyResolve handler that answers only for the assemblies in
    # dependencies/netstandard2.0 (and Cxpa.Types in the module root), and only when Cxpa's own code asks.
    # Paths are joined with Path.Combine, so this branch also loads on Linux and macOS (its Pester test runs it there).
    $null = [System.Reflection.Assembly]::LoadFrom([System.IO.Path]::Combine($PSScriptRoot, 'Cxpa.Types.dll'))
    $cmdletAssembly = [System.Reflection.Assembly]::LoadFrom([System.IO.Path]::Combine($PSScriptRoot, 'Cxpa.PowerShell.dll'))
    [Cxpa.PowerShell.Loader.DependencyResolver]::Register([System.IO.Path]::Combine($PSScriptRoot, 'dependencies', 'netstandard2.0'))
}

# Import-Module -Assembly does nothing for an assembly PowerShell already has as a module (Import-Module Cxpa -Force in a
# session that has Cxpa): -PassThru still returns that module, and -ModuleInfo imports its cmdlets
# into this module's scope either way.
$binary = Import-Module -Assembly $cmdletAssembly -DisableNameChecking -PassThru
Import-Module -ModuleInfo $binary -DisableNameChecking
