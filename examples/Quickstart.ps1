# Quickstart: the agent-side calls of the Cxpa module, end to end.
# The Playground runs this against the embedded emulator with $env:CXPA_API_URL and $env:CXPA_INGEST_KEY set;
# against a real platform, set those two (or call Connect-Cxpa) and change the agent ids.

# Safe to run again: the external run ids below are new on each run, and the temporary folder is removed at the end.
$suffix = [guid]::NewGuid().ToString('N').Substring(0, 8)

# 1. Connect once; every cmdlet uses this default (keys may be strings or SecureStrings).
Connect-Cxpa -BaseUrl $env:CXPA_API_URL -IngestApiKey $env:CXPA_INGEST_KEY
Get-CxpaConnection

# 2. Start a run and wait for its output.
$run = Start-CxpaRun -AgentId 42 -InputObject @{ url = 'https://example.com'; depth = 1 } -Wait -WaitTimeoutSeconds 60
"Run $($run.RunId) is $($run.Status): $($run.Output.summary)"

# 3. Start several runs through the pipeline, then wait for all of them.
$runs = 1..3 | ForEach-Object { @{ page = $_ } } | Start-CxpaRun -AgentId 42
$done = $runs | Wait-CxpaRun -WaitTimeoutSeconds 60
"$(@($done | Where-Object Status -eq 'completed').Count) of $($runs.Count) runs completed"

# 4. A run that fails: the run is output, and a RunFailed error names the run id.
$failed = Start-CxpaRun -AgentId 45 -Wait -ErrorAction SilentlyContinue -ErrorVariable runErrors
"Run $($failed.RunId) $($failed.Status): $($failed.Error) (error id: $($runErrors[0].FullyQualifiedErrorId))"

# 5. Save a file-output agent's report straight to disk (a temporary folder, removed even if the save fails).
$folder = [System.IO.Path]::Combine([System.IO.Path]::GetTempPath(), "cxpa-quickstart-$suffix")
$null = [System.IO.Directory]::CreateDirectory($folder)
try {
    $file = Save-CxpaRunOutput -AgentId 43 -InputObject @{ topic = 'Q3 financial summary' } -Path $folder
    "Saved $($file.Name) ($($file.Length) bytes, $($file.ContentType)) from run $($file.RunId)"
}
finally { [System.IO.Directory]::Delete($folder, $true) }

# 6. Register an externally-triggered run: the same external id returns the same run.
$jobId = "scheduler-job-$suffix"
$reg = Register-CxpaRun -AgentId 42 -ExternalRunId $jobId -InputObject @{ url = 'https://example.com' } -Metadata @{ source = 'quickstart' }
$again = Register-CxpaRun -AgentId 42 -ExternalRunId $jobId
"Registered run $($reg.RunId) (again: $($again.RunId)); credentials token expires $($reg.ExpiresAt)"

# 7. Report a standalone agent's run (a completed run takes no more reports: a new id each time).
$execId = "exec_$suffix"
Send-CxpaIngest -AgentId 44 -ExternalRunId $execId -Status Running
Send-CxpaIngest -AgentId 44 -ExternalRunId $execId -Status Completed -Output @{ pages = 42 } -Outputs 42

# 8. Read runs back, by id or from the pipeline.
Get-CxpaRun -AgentId 42 -RunId $run.RunId, $reg.RunId | ForEach-Object { "Run $($_.RunId): $($_.Status)" }

Disconnect-Cxpa
