@{
    RootModule           = 'Cxpa.Emulator.PowerShell.dll'
    # Stamped at build time from ModuleVersion in the repository's Cxpa.psd1 (the one version source).
    ModuleVersion        = '0.0.0-stamped-at-build'
    GUID                 = '5b0f7c1e-3d7a-4a4e-9a51-2f3c8e6d4b17'
    Author               = 'Cxpa'
    CompanyName          = 'Cxpa'
    Copyright            = '(c) 2026 Cxpa. Licensed under the MIT License.'
    Description          = 'The CXPA platform emulator inside PowerShell: Start-CxpaEmulator runs a local platform (agents, runs, files, zone and runtime endpoints, fault injection, a request log) in the pwsh process, for testing runbooks that use the Cxpa module with Pester, with no live platform and nothing else to install.'
    # HttpListener in .NET 8: PowerShell 7.4 and later.
    PowerShellVersion    = '7.4'
    CompatiblePSEditions = @('Core')
    FormatsToProcess     = @('Cxpa.Emulator.format.ps1xml')
    FunctionsToExport    = @()
    CmdletsToExport      = @('Start-CxpaEmulator', 'Stop-CxpaEmulator', 'Get-CxpaEmulatorRequest', 'Add-CxpaEmulatorFault', 'Clear-CxpaEmulatorFault')
    VariablesToExport    = @()
    AliasesToExport      = @()
    PrivateData          = @{
        PSData = @{
            Tags         = @('Cxpa', 'CXPA', 'Emulator', 'Testing', 'Pester', 'Mock', 'PSEdition_Core', 'Windows', 'Linux', 'MacOS')
            LicenseUri   = 'https://github.com/cxpa/cxpa-powershell/blob/main/LICENSE'
            ProjectUri   = 'https://github.com/cxpa/cxpa-powershell'
            ReleaseNotes = 'https://github.com/cxpa/cxpa-powershell/blob/main/src/Cxpa.Package/RELEASENOTES.md'
        }
    }
}
