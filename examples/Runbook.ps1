<#
.SYNOPSIS
    An Azure Automation-style runbook: runs a CXPA agent, waits for its output and returns a small result object.
.DESCRIPTION
    Import the Cxpa module into the Automation account (or a Hybrid Worker), then give the runbook the platform URL and
    the agent's ingest API key. In Azure Automation the URL is an Automation variable and the key a credential asset
    whose password is the key (the user name is ignored):
        $env:CXPA_API_URL = Get-AutomationVariable -Name 'CxpaApiUrl'
        Get-AutomationPSCredential -Name 'CxpaIngestKey'
    The runbook uses the credential asset when Get-AutomationPSCredential exists; elsewhere (the Playground, the tests)
    it builds the same PSCredential from $env:CXPA_INGEST_KEY. With SecretManagement: Get-Secret -Name CxpaIngestKey.

    A run that ends as failed is output by Start-CxpaRun together with a non-terminating RunFailed error; with
    $ErrorActionPreference = 'Stop' that error throws, so the catch block below sees it. The runbook then outputs a result
    with Status 'failed' and throws, which marks the Automation job as Failed.
.EXAMPLE
    .\Runbook.ps1 -AgentId 42 -InputObject @{ url = 'https://example.com' } -WaitTimeoutSeconds 60
#>
[CmdletBinding()]
param(
    [ValidateRange(1, [long]::MaxValue)]
    [long] $AgentId = 42,

    # The run's input ($Input is reserved in PowerShell, hence InputObject).
    [hashtable] $InputObject = @{ url = 'https://example.com'; depth = 1 },

    # The wait budget for the run, in seconds (not a connection timeout). -TimeoutSec, its earlier name, still works.
    [Alias('TimeoutSec')]
    [ValidateRange(1, 300)]
    [int] $WaitTimeoutSeconds = 120
)

$ErrorActionPreference = 'Stop'

# The settings: the URL as an Automation variable would supply it, the key from a credential (its password is the key).
if (-not $env:CXPA_API_URL) { throw 'Set $env:CXPA_API_URL (Automation variable CxpaApiUrl) to the platform URL.' }
$credential = if (Get-Command -Name Get-AutomationPSCredential -ErrorAction Ignore) {
    Get-AutomationPSCredential -Name 'CxpaIngestKey'
}
elseif ($env:CXPA_INGEST_KEY) {
    [pscredential]::new('cxpa', (ConvertTo-SecureString -String $env:CXPA_INGEST_KEY -AsPlainText -Force))
}
else { throw 'Create the Automation credential CxpaIngestKey (its password the agent''s ingest API key), or set $env:CXPA_INGEST_KEY.' }
Connect-Cxpa -BaseUrl $env:CXPA_API_URL -Credential $credential

$started = [DateTimeOffset]::UtcNow
try {
    # Start the run and wait for it: trigger-and-wait, then polling if the platform's wait window elapses.
    $run = Start-CxpaRun -AgentId $AgentId -InputObject $InputObject -Wait -WaitTimeoutSeconds $WaitTimeoutSeconds

    [pscustomobject]@{
        AgentId   = $AgentId
        RunId     = $run.RunId
        Status    = $run.Status
        Summary   = $(if ($run.Output -and $run.Output.PSObject.Properties['summary']) { $run.Output.summary })
        Outputs   = $run.Outputs
        Seconds   = [math]::Round(([DateTimeOffset]::UtcNow - $started).TotalSeconds, 1)
    }
}
catch {
    $err = $_
    # RunFailed / RunCancelled / RunWaitTimeout carry the run as their target object; platform errors (401, 403, 429...)
    # have their own ids (Unauthorized, AgentNotEligible, RateLimited...).
    $failedRun = $err.TargetObject
    [pscustomobject]@{
        AgentId   = $AgentId
        RunId     = $(if ($failedRun -and $failedRun.PSObject.Properties['RunId']) { $failedRun.RunId })
        Status    = $(if ($failedRun -and $failedRun.PSObject.Properties['Status']) { $failedRun.Status } else { 'error' })
        Error     = $(if ($err.ErrorDetails) { $err.ErrorDetails.Message } else { $err.Exception.Message })
        ErrorId   = $err.FullyQualifiedErrorId.Split(',')[0]
        Seconds   = [math]::Round(([DateTimeOffset]::UtcNow - $started).TotalSeconds, 1)
    }
    # Fail the job, with the module's error (its id and message) as the reason.
    throw
}
finally {
    Disconnect-Cxpa
}
