# RuntimeRunbook: a PowerShell agent runtime. The platform runs it for one run and hands it a trigger payload
# {runId, agentApiKey, credentialsToken, input}; the runbook reports what happens (started, outputs, waiting, complete or
# fail) and resolves the credentials the agent is connected to. This is createAgentClient of @cxpa/sdk/agent.
#
# On the platform the trigger payload arrives as the runbook's input (-TriggerPayload, an object or its JSON text).
# When it is not given (as in the Playground, against the embedded emulator), the script starts a run of the demo
# agent 48 (no simulated runtime: callbacks drive it) with the ingest key of $env:CXPA_INGEST_KEY, and reads the payload
# the platform would have sent from the emulator's control surface.
param($TriggerPayload)

function ConvertTo-TriggerPayload($Value) {
    # JSON text, a hashtable or an object: an object whose RunId, AgentApiKey and CredentialsToken properties bind to
    # the runtime cmdlets by name (so "$payload | Send-CxpaRunEvent -Started" works).
    if ($Value -is [string]) {
        $root = [System.Text.Json.JsonDocument]::Parse($Value).RootElement
        return [pscustomobject]@{
            RunId            = $root.GetProperty('runId').GetInt64()
            AgentApiKey      = $root.GetProperty('agentApiKey').GetString()
            CredentialsToken = $root.GetProperty('credentialsToken').GetString()
            Input            = $root.GetProperty('input').GetRawText()
        }
    }
    if ($Value -is [System.Collections.IDictionary]) { return [pscustomobject]$Value }
    $Value
}

function Get-DemoTriggerPayload([hashtable]$InputObject) {
    # Only for local runs: what the platform would POST to the runtime for a new run of agent 48.
    $run = Start-CxpaRun -AgentId 48 -InputObject $InputObject
    $http = [System.Net.Http.HttpClient]::new()
    try { $json = $http.GetStringAsync($env:CXPA_API_URL.TrimEnd('/') + "/_emulator/runs/$($run.RunId)/trigger-payload").GetAwaiter().GetResult() }
    finally { $http.Dispose() }
    ConvertTo-TriggerPayload $json
}

function Invoke-Runbook($Payload, [switch]$SimulateFailure) {
    # Everything in one try: whatever goes wrong is reported to the platform as the run's failure.
    try {
        # 1. Tell the platform the run started.
        $null = $Payload | Send-CxpaRunEvent -Started

        # 2. Resolve a credential the agent is connected to. Secrets are SecureStrings; reveal one only where it is used.
        $hubspot = $Payload | Get-CxpaCredential -ConnectionId conn_hubspot
        $authorization = 'Bearer ' + [System.Net.NetworkCredential]::new('', $hubspot.AccessToken).Password
        # ... call the CRM with $authorization here; this demo only pretends to ...
        $contacts = 12
        $authorization = $null

        # 3. Report an intermediate output: the platform shows progress while the run goes on.
        $null = $Payload | Send-CxpaRunEvent -Output @{ stage = 'fetched'; contacts = $contacts } -Outputs 1

        if ($SimulateFailure) { throw "The CRM export failed after $contacts contacts (simulated)." }

        # 4. Complete with the final output.
        $Payload | Send-CxpaRunEvent -Complete -Output @{ stage = 'done'; contacts = $contacts; scopes = $hubspot.Scopes } -Outputs 2
    }
    catch {
        # 5. Report the failure from the catch block: the message, the error's type and the script stack go to the platform.
        $Payload | Send-CxpaRunEvent -ErrorRecord $_
    }
}

# Part 1: a run that completes.
$payload = if ($TriggerPayload) { ConvertTo-TriggerPayload $TriggerPayload } else { Get-DemoTriggerPayload @{ list = 'customers' } }
$result = Invoke-Runbook $payload
"Run $($result.RunId): $($result.Event) -> $($result.Status)"

# Part 2 (local demo only): a run whose work throws; the catch block reports it with Send-CxpaRunEvent -ErrorRecord $_.
if (-not $TriggerPayload) {
    $second = Get-DemoTriggerPayload @{ list = 'prospects' }
    $failed = Invoke-Runbook $second -SimulateFailure
    "Run $($failed.RunId): $($failed.Event) -> $($failed.Status)"
    # What the platform recorded, read back with the ingest key (Get-CxpaRun does not write an error for a failed run).
    $run = Get-CxpaRun -AgentId 48 -RunId $second.RunId
    "Platform says run $($run.RunId) is $($run.Status): $($run.Error)"
}
