<#
.SYNOPSIS
    A zone app backend in plain PowerShell: an HttpListener server that verifies each request's zone token and calls the
    platform on the signed-in user's behalf.
.DESCRIPTION
    The platform opens a zone app for a signed-in user and sends a per-request zone token (an HS256 JWT) in the
    x-zone-token header. This server does what the SDK's createZoneMiddleware, getSession() and runs.createAndDownload do:

      GET  /healthz          200 {"ok":true} (no token needed; for probes)
      POST /api/runs         starts a run of the token's agent with the JSON body as input: 201 {"runId":..,"status":..}
      GET  /api/runs/{id}    reads that run: 200 with the run as JSON, 404 when the platform has no such run
      GET  /api/report       starts a run of the token's (file-output) agent and streams its file to the browser
      anything else          404 {"error":"not found"}

    A missing, expired, forged or wrong-audience token answers 401 {"error":"..."} with the reason, never the token.
    Platform errors answer as JSON with a matching status (404, 403, 502). The token is used only to call the platform
    and is never written to the response or to the log.

    Settings come from the environment (an app's configuration, never the request): ZONE_JWT_SECRET and AUDIENCE_ID (the
    zone's secret and audience), CXPA_API_URL (the platform). Stop the server with Ctrl+C.

    The same three handlers fit other hosts unchanged, because Test-CxpaZoneToken takes their request objects:
      - Pode:            Add-PodeRoute -Method Post -Path '/api/runs' -ScriptBlock {
                             $session = $WebEvent.Request | Test-CxpaZoneToken -PassThru ... }
                         ($WebEvent.Request.Headers is a hashtable; Write-PodeJsonResponse answers)
      - Azure Functions: param($Request) $session = $Request | Test-CxpaZoneToken -PassThru
                         (Push-OutputBinding -Name Response -Value ([HttpResponseContext]@{ StatusCode = 401; ... }))
.PARAMETER Prefix
    The HttpListener prefix to serve, e.g. http://127.0.0.1:8080/ (it must end with /). Port 0 (http://127.0.0.1:0/) lets
    the server pick a free port and keep it; the first line it writes, "Zone server listening on <url>", names it.
.PARAMETER MaxRequests
    Stop after this many requests (0, the default, serves until Ctrl+C).
.EXAMPLE
    $env:ZONE_JWT_SECRET = ...; $env:AUDIENCE_ID = ...; $env:CXPA_API_URL = 'https://cxpa.example.com'
    ./ZoneServer.ps1 -Prefix http://127.0.0.1:8080/
.EXAMPLE
    ./ZoneServer.ps1 -Prefix http://127.0.0.1:0/
    Serves on a free port the server picks itself and writes "Zone server listening on http://127.0.0.1:<port>/".
#>
[CmdletBinding()]
param(
    [ValidatePattern('^https?://.+/$')]
    [string] $Prefix = 'http://127.0.0.1:8080/',

    [ValidateRange(0, [int]::MaxValue)]
    [int] $MaxRequests = 0
)

$ErrorActionPreference = 'Stop'
Import-Module Cxpa
foreach ($name in 'ZONE_JWT_SECRET', 'AUDIENCE_ID', 'CXPA_API_URL') {
    if (-not [Environment]::GetEnvironmentVariable($name)) { throw "Set `$env:$name before starting the server." }
}

function Send-Json {
    param([System.Net.HttpListenerResponse] $Response, [int] $StatusCode, $Body)
    $bytes = [System.Text.Encoding]::UTF8.GetBytes(($Body | ConvertTo-Json -Depth 10 -Compress))
    $Response.StatusCode = $StatusCode
    $Response.ContentType = 'application/json; charset=utf-8'
    $Response.Headers['Cache-Control'] = 'no-store'
    $Response.ContentLength64 = $bytes.Length
    $Response.OutputStream.Write($bytes, 0, $bytes.Length)
}

function Get-PlatformStatus {
    <# The HTTP status to answer for a Cxpa error record: the platform's own for 4xx, 502 for anything else. #>
    param([System.Management.Automation.ErrorRecord] $ErrorRecord)
    $ex = $ErrorRecord.Exception
    if ($ex -is [Cxpa.CxpaApiException] -and $ex.Status -ge 400 -and $ex.Status -lt 500) { return $ex.Status }
    502
}

function Invoke-ZoneRoute {
    <# Handles one request; always answers. #>
    param([System.Net.HttpListenerContext] $Context)
    $request = $Context.Request
    $response = $Context.Response
    $path = $request.Url.AbsolutePath.TrimEnd('/')
    $method = $request.HttpMethod

    if ($method -eq 'GET' -and $path -eq '/healthz') { return Send-Json $response 200 @{ ok = $true } }

    # getSession(): the verified claims and the token, from the request's x-zone-token header.
    $session = $request | Test-CxpaZoneToken -PassThru
    if (-not $session.IsValid) {
        return Send-Json $response 401 @{ error = "Unauthorized: the zone token is not valid ($($session.Reason))." }
    }

    try {
        if ($method -eq 'POST' -and $path -eq '/api/runs') {
            $reader = [System.IO.StreamReader]::new($request.InputStream, [System.Text.Encoding]::UTF8)
            $text = $reader.ReadToEnd()
            $runInput = if ($text.Trim()) { $text } else { '{}' }
            $run = Start-CxpaRun -ZoneToken $session.Token -InputObject $runInput
            return Send-Json $response 201 @{ runId = $run.RunId; status = $run.Status }
        }
        if ($method -eq 'GET' -and $path -match '^/api/runs/(\d+)$') {
            $run = Get-CxpaRun -ZoneToken $session.Token -RunId ([long]$Matches[1])
            return Send-Json $response 200 $run
        }
        if ($method -eq 'GET' -and $path -eq '/api/report') {
            # Streams the platform's bytes straight into the response: no temporary file, no buffer of the whole file.
            # The headers go out with the first byte, so -BeforeWrite sets them from the platform's answer before it:
            # its type, a Content-Disposition built from the cleaned file name (no control characters, CR or LF), and
            # its length when known (else chunked).
            $response.StatusCode = 200
            $response.Headers['Cache-Control'] = 'no-store'
            $saved = Save-CxpaRunOutput -ZoneToken $session.Token -Destination $response.OutputStream -ProgressAction SilentlyContinue -BeforeWrite {
                param($file)
                $response.ContentType = if ($file.ContentType) { $file.ContentType } else { 'application/octet-stream' }
                if ($file.AttachmentDisposition) { $response.AddHeader('Content-Disposition', $file.AttachmentDisposition) }
                if ($null -ne $file.ContentLength) { $response.ContentLength64 = $file.ContentLength } else { $response.SendChunked = $true }
            }
            Write-Information "report: run $($saved.RunId), $($saved.Length) bytes ($($saved.ContentType))" -InformationAction Continue
            return
        }
        Send-Json $response 404 @{ error = 'not found' }
    }
    catch {
        # A platform or input error: answer it as JSON ({ error } as the SDK does), with the run id when there is one.
        $body = @{ error = $(if ($_.ErrorDetails) { $_.ErrorDetails.Message } else { $_.Exception.Message }) }
        if ($_.Exception -is [Cxpa.CxpaException] -and $_.Exception.RunId) { $body.runId = $_.Exception.RunId }
        try { Send-Json $response (Get-PlatformStatus $_) $body } catch { Write-Warning "Could not answer $method ${path}: $($_.Exception.Message)" }
    }
}

function Start-ZoneListener {
    <# Starts an HttpListener on the prefix; for port 0, on a free port it picks, trying again until one is its own. #>
    param([string] $Prefix)
    $pick = $Prefix -match '^(?<head>https?://[^/]+):0(?<path>/.*)$'
    $parts = $Matches
    for ($attempt = 1; ; $attempt++) {
        $url = $Prefix
        if ($pick) {
            # HttpListener cannot bind port 0: ports of the dynamic range are tried until one is free.
            $url = "$($parts.head):$(Get-Random -Minimum 49152 -Maximum 65536)$($parts.path)"
        }
        $listener = [System.Net.HttpListener]::new()
        $listener.Prefixes.Add($url)
        try { $listener.Start(); return [pscustomobject]@{ Listener = $listener; Url = $url } }
        catch [System.Net.HttpListenerException] {
            $listener.Close()
            if (-not $pick -or $attempt -ge 64) { throw }
        }
    }
}

$started = Start-ZoneListener $Prefix
$listener = $started.Listener
Write-Information "Zone server listening on $($started.Url)" -InformationAction Continue
$served = 0
try {
    while ($listener.IsListening -and ($MaxRequests -eq 0 -or $served -lt $MaxRequests)) {
        # Wait in short slices so that Ctrl+C can stop the server between requests.
        $next = $listener.GetContextAsync()
        while (-not $next.Wait(250)) { }
        $context = $next.Result
        $served++
        try { Invoke-ZoneRoute $context }
        finally { $context.Response.Close() }
        Write-Information "$($context.Request.HttpMethod) $($context.Request.Url.AbsolutePath) -> $($context.Response.StatusCode)" -InformationAction Continue
    }
}
finally {
    $listener.Stop()
    $listener.Close()
}
