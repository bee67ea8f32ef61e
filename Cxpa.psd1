@{
    RootModule             = 'Cxpa.psm1'
    ModuleVersion          = '0.1.0'
    CompatiblePSEditions   = @('Desktop', 'Core')
    GUID                   = '6f0d2a7e-3c1b-4e8f-9a52-7c4b1d9e0f31'
    Author                 = 'Cxpa'
    CompanyName            = 'Cxpa'
    Copyright              = '(c) 2026 Cxpa. Licensed under the MIT License.'
    Description            = 'PowerShell module for the CXPA agent platform: start, wait for and download agent runs, register and ingest external runs, verify zone tokens, and report run events from agent runtimes.'
    PowerShellVersion      = '5.1'
    DotNetFrameworkVersion = '4.7.2'
    FormatsToProcess       = @('Cxpa.format.ps1xml')
    TypesToProcess         = @('Cxpa.types.ps1xml')
    FunctionsToExport      = @()
    CmdletsToExport        = @(
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
        'Invoke-CxpaRestMethod'
    )
    VariablesToExport      = @()
    AliasesToExport        = @()
    PrivateData            = @{
        PSData = @{
            Tags         = @('CXPA', 'Agents', 'AI', 'Automation', 'Runbook', 'JWT', 'PSEdition_Desktop', 'PSEdition_Core', 'Windows', 'Linux', 'MacOS')
            ProjectUri   = 'https://github.com/cxpa/cxpa-powershell'
            LicenseUri   = 'https://github.com/cxpa/cxpa-powershell/blob/main/LICENSE'
            # The packaged copy of this manifest carries this version's section of src/Cxpa.Package/RELEASENOTES.md here
            # (build/Nuspec.targets): the user-facing summary, not the developer changelog.
            ReleaseNotes = 'https://github.com/cxpa/cxpa-powershell/blob/main/src/Cxpa.Package/RELEASENOTES.md'
        }
    }
}
