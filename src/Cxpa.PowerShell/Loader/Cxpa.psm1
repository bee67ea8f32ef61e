# Cxpa root module: loads the cmdlet assembly so that Cxpa's third-party dependencies (Microsoft.IdentityModel.*,
# Polly, System.Text.Json) never clash with other modules' versions. See docs/isolation.md.
# Kept to a few statements: every .NET call and cmdlet here is paid for by each Import-Module in a cold process
# (docs/performance.md). The manifest's CmdletsToExport lists what the module exports.
$ErrorActionPreference = 'Stop'

if ([Environment]::Version.Major -ge 8) {
    # PowerShell 7.4+ (.NET 8+): Cxpa.PowerShell.dll, Cxpa.Engine and its dependencies (dependencies/net8.0) live in
    # Cxpa's own AssemblyLoadContext; PowerShell and Cxpa share only BCL and System.Management.Automation types and
    # Cxpa.Types ([Cxpa.Run], the exceptions), which LoadCmdletAssembly puts into the default context first.
    $null = [System.Reflection.Assembly]::LoadFrom("$PSScriptRoot/Cxpa.PowerShell.Loader.dll")
    $cmdletAssembly = [Cxpa.PowerShell.Loader.ModuleLoader]::LoadCmdletAssembly($PSScriptRoot)
}
else {
    # Windows PowerShell 5.1 (and PowerShell on .NET before 8): an AssemblyResolve handler that answers only for the
    # assemblies in dependencies/netstandard2.0 (and Cxpa.Types in the module root), and only when Cxpa's own code asks.
    $null = [System.Reflection.Assembly]::LoadFrom("$PSScriptRoot\Cxpa.Types.dll")
    $cmdletAssembly = [System.Reflection.Assembly]::LoadFrom("$PSScriptRoot\Cxpa.PowerShell.dll")
    [Cxpa.PowerShell.Loader.DependencyResolver]::Register("$PSScriptRoot\dependencies\netstandard2.0")
}

# Import-Module -Assembly does nothing for an assembly PowerShell already has as a module (Import-Module Cxpa -Force in a
# session that has Cxpa): -PassThru still returns that module, and -ModuleInfo imports its cmdlets
# into this module's scope either way.
$binary = Import-Module -Assembly $cmdletAssembly -DisableNameChecking -PassThru
Import-Module -ModuleInfo $binary -DisableNameChecking
