# Small helpers for the connection, run and save tests. Dot-source in BeforeAll after importing CxpaTest.psm1:
#   . "$PSScriptRoot/Support/CxpaTest.Runs.ps1"

function Get-CxpaTestRequestCount {
    <# How many API requests the emulator has logged (the control surface is never logged). #>
    param([Parameter(Mandatory)] $Emulator)
    [int](Invoke-CxpaTestEmulatorApi -Emulator $Emulator -Path '/_emulator/requests').count
}

function Get-CxpaTestRequest {
    <# The emulator's request log entries (method, path, status, ...), oldest first. #>
    param([Parameter(Mandatory)] $Emulator)
    @((Invoke-CxpaTestEmulatorApi -Emulator $Emulator -Path '/_emulator/requests').requests)
}

function Get-CxpaTestAllText {
    <#
    Everything a user can see of objects or ErrorRecords, as one string: for an error its message, details, recommended
    action and formatted record; for an object its default view and every property (Format-List *).
    #>
    param([Parameter(ValueFromPipeline)] $InputObject)
    begin { $parts = [System.Collections.Generic.List[string]]::new() }
    process {
        if ($null -eq $InputObject) { return }
        if ($InputObject -is [System.Management.Automation.ErrorRecord]) {
            $parts.Add([string]$InputObject.Exception.Message)
            $parts.Add([string]$InputObject.ErrorDetails.Message)
            $parts.Add([string]$InputObject.ErrorDetails.RecommendedAction)
            $parts.Add([string]$InputObject.TargetObject)
        }
        $parts.Add(($InputObject | Out-String -Width 500))
        $parts.Add(($InputObject | Format-List * -Force | Out-String -Width 500))
    }
    end { $parts -join "`n" }
}
