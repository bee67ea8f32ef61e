# ZoneBackend: the server side of a zone app, in PowerShell (an Azure Functions HTTP trigger, a Pode route...).
# The platform opens your zone app for a signed-in user and sends a per-request zone token (an HS256 JWT) in the
# x-zone-token header. The backend verifies it as the SDK's createZoneMiddleware does, then calls the platform on the
# user's behalf with that same token: the run is started for the agent named in the token's agentId claim.
#
# The Playground runs this against the embedded emulator with $env:ZONE_JWT_SECRET, $env:AUDIENCE_ID and
# $env:CXPA_API_URL set; on a real deployment those come from the app's settings (never from the request).

function Invoke-ZoneRequest {
    <# Handles one request: its headers (a hashtable, as Pode's $WebEvent.Request.Headers or a Functions request gives
       them) and its body. Returns a response object: StatusCode and a body; never throws for a bad token. #>
    [CmdletBinding()]
    param(
        [Parameter(Mandatory)] [System.Collections.IDictionary] $Headers,
        [hashtable] $Body = @{}
    )

    # 1. Verify the token: signature with $env:ZONE_JWT_SECRET, audience $env:AUDIENCE_ID, expiry with 5 s of tolerance.
    #    The header name matches case-insensitively; pass -TokenHeader if your platform uses another one.
    $check = Test-CxpaZoneToken -Headers $Headers -PassThru
    if (-not $check.IsValid) {
        # Answer 401 as the middleware does; the reason is safe to log (it never contains the token).
        return [pscustomobject]@{ StatusCode = 401; Error = "Unauthorized: the zone token is not valid ($($check.Reason))." }
    }

    # 2. Call the platform as the user, with the same token (it stays on the server: never send it to the browser).
    $token = @($Headers.GetEnumerator() | Where-Object { $_.Key -eq 'x-zone-token' })[0].Value
    $run = Start-CxpaRun -ZoneToken $token -InputObject $Body -Wait -WaitTimeoutSeconds 60 -ErrorAction SilentlyContinue -ErrorVariable runErrors
    if ($runErrors.Count -gt 0) {
        # A failed run, a timeout, or a platform error: the SDK's convention is to answer { error } rather than throw.
        return [pscustomobject]@{ StatusCode = 502; Error = $runErrors[0].ErrorDetails.Message; RunId = $(if ($run) { $run.RunId }) }
    }

    [pscustomobject]@{
        StatusCode = 200
        UserId     = $check.UserId
        AgentId    = $check.AgentId
        RunId      = $run.RunId
        Status     = $run.Status
        Summary    = $run.Output.summary
    }
}

# --- Simulate two requests. On the platform the zone token arrives with each request; here we mint one the way the
#     platform does (same secret and audience), for a demo user of the demo organization.
$userId = '00000000-0000-4000-8000-000000000000'
$token = New-CxpaZoneToken -UserId $userId -AgentId 42 -OrgSlug acme -AgentSlug web-summarizer -Lifetime '00:05:00' -AsPlainText

# A good request: a signed-in user presses "Summarize" in the zone app.
$ok = Invoke-ZoneRequest -Headers @{ 'X-Zone-Token' = $token; 'Content-Type' = 'application/json' } -Body @{ url = 'https://example.com' }
$ok
"Request 1: $($ok.StatusCode), run $($ok.RunId) for user $($ok.UserId) is $($ok.Status)"

# A bad request: a token that was not signed with the zone secret (forged, or from another zone).
$forged = New-CxpaZoneToken -Secret 'not-the-zone-secret-but-long-enough-000' -UserId $userId -AgentId 42 -AsPlainText
$bad = Invoke-ZoneRequest -Headers @{ 'x-zone-token' = $forged } -Body @{ url = 'https://example.com' }
$bad
"Request 2: $($bad.StatusCode), $($bad.Error)"
