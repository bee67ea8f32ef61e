# The real-pwsh measures of tests/Cxpa.Benchmarks (--pwsh). Run by the harness in a `dotnet pwsh` child process with the
# module found by name (out/ first on PSModulePath) and the emulator already started as a process of its own.
# Each measure times the module and what a user would write instead, side by side in this same process, with the order of
# the sides rotated round by round (ABBA for two sides); the first round is a warm-up and is not reported.
# Results go to stdout as lines '@@result <json>'; the harness computes medians and ratios.
param(
    [Parameter(Mandatory)] [ValidateSet('http', 'download', 'tokens', 'wait')] [string] $Measure,
    [Parameter(Mandatory)] [string] $Url,
    [Parameter(Mandatory)] [string] $Key,
    [long] $InstantAgent = 910,
    [long] $FileAgent = 911,
    [long] $WaitAgent = 912,
    [int] $Count = 500,
    [int] $Triggers = 200,
    [int] $Rounds = 7,
    [long] $FileBytes = 256MB,
    [string] $Folders = '',
    [string] $TokensFile,
    [string] $Secret,
    [string] $Audience,
    [int] $WaitDurationMs = 350
)

$ErrorActionPreference = 'Stop'
$base = $Url.TrimEnd('/')
$headers = @{ Authorization = "Bearer $Key"; Accept = 'application/json' }

function Write-Result([hashtable] $Result) { '@@result ' + ($Result | ConvertTo-Json -Compress -Depth 6) }

# ---------------------------------------------------------------- memory (Linux: /proc/self)

function Get-ProcStatus([string] $Field) {
    if (-not (Test-Path -LiteralPath "/proc/$PID/status")) { return [long]-1 }
    foreach ($line in [System.IO.File]::ReadAllLines("/proc/$PID/status")) {
        if ($line.StartsWith($Field + ':')) { return [long](($line -split '\s+')[1]) * 1024 }
    }
    [long]-1
}

# Collects garbage, resets the peak resident set (VmHWM, by writing 5 to clear_refs) and returns the resident set now.
function Reset-PeakMemory {
    [GC]::Collect(); [GC]::WaitForPendingFinalizers(); [GC]::Collect()
    try { [System.IO.File]::WriteAllText("/proc/$PID/clear_refs", '5') } catch { $null = $_ }
    Get-ProcStatus 'VmRSS'
}

# ---------------------------------------------------------------- side by side

# Times each side once per round in a rotated order (two sides: AB, BA, AB...). $Sides is an ordered dictionary
# name -> scriptblock; a side's output is counted and checked against $Expect (when given). With -Memory, each side's
# peak resident-set growth over the resident set just before it (after a GC) is recorded too.
function Measure-Sides([string] $Name, [System.Collections.Specialized.OrderedDictionary] $Sides, [int] $Expect = -1, [switch] $Memory, [hashtable] $Extra = @{}) {
    $names = @($Sides.Keys)
    $ms = @{}; $mem = @{}
    foreach ($n in $names) { $ms[$n] = [System.Collections.Generic.List[double]]::new(); $mem[$n] = [System.Collections.Generic.List[double]]::new() }
    for ($round = -1; $round -lt $Rounds; $round++) {
        $shift = ($round + 1) % $names.Count
        for ($k = 0; $k -lt $names.Count; $k++) {
            $side = $names[($k + $shift) % $names.Count]
            $before = if ($Memory) { Reset-PeakMemory } else { 0 }
            $sw = [System.Diagnostics.Stopwatch]::StartNew()
            $out = @(& $Sides[$side])
            $elapsed = $sw.Elapsed.TotalMilliseconds
            $peak = if ($Memory) { Get-ProcStatus 'VmHWM' } else { 0 }
            if ($Expect -ge 0 -and $out.Count -ne $Expect) { throw "$Name/${side}: $($out.Count) outputs, expected $Expect" }
            $out = $null
            if ($round -lt 0) { continue }
            $ms[$side].Add($elapsed)
            if ($Memory) { $mem[$side].Add(($peak - $before) / 1MB) }
        }
    }
    $result = @{ name = $Name; rounds = $Rounds; ms = $ms }
    if ($Memory) { $result.memMB = $mem }
    foreach ($k in $Extra.Keys) { $result[$k] = $Extra[$k] }
    Write-Result $result
}

function New-Sides { [ordered]@{} }

function New-RawClient {
    $client = [System.Net.Http.HttpClient]::new()
    $client.DefaultRequestHeaders.Authorization = [System.Net.Http.Headers.AuthenticationHeaderValue]::new('Bearer', $Key)
    $client.DefaultRequestHeaders.Accept.Add([System.Net.Http.Headers.MediaTypeWithQualityHeaderValue]::new('application/json'))
    $client
}

Import-Module Cxpa
Connect-Cxpa -BaseUrl $Url -IngestApiKey $Key
$pipelineProbe = $null

# ---------------------------------------------------------------- reads and triggers

if ($Measure -eq 'http') {
    $runId = (Invoke-RestMethod -Method Post -Uri "$base/api/agents/$InstantAgent/runs/trigger" -Headers $headers -Body '{"input":{}}' -ContentType 'application/json').runId
    $objs = foreach ($i in 1..$Count) { [pscustomobject]@{ AgentId = $InstantAgent; RunId = $runId } }
    $client = New-RawClient

    $sides = New-Sides
    $sides.irm = { foreach ($o in $objs) { Invoke-RestMethod -Uri "$base/api/agents/$($o.AgentId)/runs/$($o.RunId)" -Headers $headers } }
    $sides.module = { $objs | Get-CxpaRun }
    # What bounds it: the same GETs on raw HttpClient from this pwsh, 8 at a time (the module's default -ThrottleLimit), and
    # the same objects through a compiled cmdlet that does nothing with them.
    $sides.raw8 = {
        for ($i = 0; $i -lt $objs.Count; $i += 8) {
            $tasks = [System.Threading.Tasks.Task[]]@(foreach ($o in $objs[$i..([Math]::Min($i + 7, $objs.Count - 1))]) { $client.GetStringAsync("$base/api/agents/$($o.AgentId)/runs/$($o.RunId)") })
            [System.Threading.Tasks.Task]::WaitAll($tasks)
            foreach ($t in $tasks) { $t.Result }
        }
    }
    $sides.pipeline = { $objs | Where-Object RunId -GT 0 }
    Measure-Sides -Name reads -Sides $sides -Expect $Count

    $sides = New-Sides
    $sides.raw = {
        foreach ($o in $objs) {
            $resp = $client.GetAsync("$base/api/agents/$($o.AgentId)/runs/$($o.RunId)").GetAwaiter().GetResult()
            $null = $resp.EnsureSuccessStatusCode()
            $resp.Content.ReadAsStringAsync().GetAwaiter().GetResult()
            $resp.Dispose()
        }
    }
    $sides.module = { $objs | Get-CxpaRun -ThrottleLimit 1 }
    # The raw loop parsing each body into objects (the module returns typed runs, not strings).
    $sides.rawParsed = {
        foreach ($o in $objs) {
            $resp = $client.GetAsync("$base/api/agents/$($o.AgentId)/runs/$($o.RunId)").GetAwaiter().GetResult()
            $null = $resp.EnsureSuccessStatusCode()
            $resp.Content.ReadAsStringAsync().GetAwaiter().GetResult() | ConvertFrom-Json
            $resp.Dispose()
        }
    }
    Measure-Sides -Name sequential -Sides $sides -Expect $Count

    $inputs = foreach ($i in 1..$Triggers) { @{ i = $i } }
    $sides = New-Sides
    $sides.irm = {
        foreach ($in in $inputs) {
            Invoke-RestMethod -Method Post -Uri "$base/api/agents/$InstantAgent/runs/trigger" -Headers $headers -Body (@{ input = $in } | ConvertTo-Json -Compress) -ContentType 'application/json'
        }
    }
    $sides.module = { $inputs | Start-CxpaRun -AgentId $InstantAgent }
    $sides.raw = {
        foreach ($in in $inputs) {
            $content = [System.Net.Http.StringContent]::new((@{ input = $in } | ConvertTo-Json -Compress), [System.Text.Encoding]::UTF8, 'application/json')
            $resp = $client.PostAsync("$base/api/agents/$InstantAgent/runs/trigger", $content).GetAwaiter().GetResult()
            $null = $resp.EnsureSuccessStatusCode()
            $resp.Content.ReadAsStringAsync().GetAwaiter().GetResult()
            $resp.Dispose(); $content.Dispose()
        }
    }
    Measure-Sides -Name triggers -Sides $sides -Expect $Triggers
    $client.Dispose()
}

# ---------------------------------------------------------------- downloads

if ($Measure -eq 'download') {
    $route = "$base/api/agents/$FileAgent/runs/trigger-and-download"
    foreach ($folder in $Folders.Split('|', [System.StringSplitOptions]::RemoveEmptyEntries)) {
        $file = Join-Path $folder 'bench.bin'
        $sides = New-Sides
        $sides.iwr = {
            Invoke-WebRequest -Method Post -Uri $route -Headers $headers -Body '{"input":{},"timeoutMs":300000}' -ContentType 'application/json' -OutFile $file
            if ((Get-Item -LiteralPath $file).Length -ne $FileBytes) { throw "IWR saved the wrong length" }
            Remove-Item -LiteralPath $file
        }
        # The same, then the file flushed to the device (fsync), as the module does before it moves its temporary file into place.
        $sides.iwrFsync = {
            Invoke-WebRequest -Method Post -Uri $route -Headers $headers -Body '{"input":{},"timeoutMs":300000}' -ContentType 'application/json' -OutFile $file
            $fs = [System.IO.FileStream]::new($file, 'Open', 'ReadWrite')
            try { $fs.Flush($true) } finally { $fs.Dispose() }
            if ((Get-Item -LiteralPath $file).Length -ne $FileBytes) { throw "IWR saved the wrong length" }
            Remove-Item -LiteralPath $file
        }
        $sides.module = {
            $saved = Save-CxpaRunOutput -AgentId $FileAgent -Path $file -Force
            if ($saved.Length -ne $FileBytes) { throw "Save-CxpaRunOutput saved the wrong length" }
            Remove-Item -LiteralPath $file
        }
        Measure-Sides -Name "download:$folder" -Sides $sides -Memory -Extra @{ folder = $folder; bytes = $FileBytes }
    }
}

# ---------------------------------------------------------------- zone tokens

if ($Measure -eq 'tokens') {
    $tokens = [System.IO.File]::ReadAllLines($TokensFile)
    $hmac = [System.Security.Cryptography.HMACSHA256]::new([System.Text.Encoding]::UTF8.GetBytes($Secret))

    # The hand-written check, as a competent user would write it: one HMACSHA256 reused, the signature compared in
    # constant time, the header's alg, exp (5 s tolerance) and aud checked. A function taking pipeline input, like the cmdlet.
    function Test-HandZoneToken {
        param([Parameter(ValueFromPipeline)] [string] $Token)
        process {
            $parts = $Token.Split('.')
            if ($parts.Count -ne 3) { return $false }
            $decoded = foreach ($p in $parts) {
                $s = $p.Replace('-', '+').Replace('_', '/')
                , [Convert]::FromBase64String($s.PadRight($s.Length + (4 - $s.Length % 4) % 4, '='))
            }
            $signature = $hmac.ComputeHash([System.Text.Encoding]::ASCII.GetBytes($parts[0] + '.' + $parts[1]))
            if (-not [System.Security.Cryptography.CryptographicOperations]::FixedTimeEquals($signature, $decoded[2])) { return $false }
            $header = [System.Text.Encoding]::UTF8.GetString($decoded[0]) | ConvertFrom-Json
            if ($header.alg -ne 'HS256') { return $false }
            $claims = [System.Text.Encoding]::UTF8.GetString($decoded[1]) | ConvertFrom-Json
            $now = [DateTimeOffset]::UtcNow.ToUnixTimeSeconds()
            ($claims.exp -is [long] -or $claims.exp -is [int]) -and $claims.exp + 5 -gt $now -and @($claims.aud) -contains $Audience
        }
    }

    $sides = New-Sides
    $sides.hand = { $tokens | Test-HandZoneToken }
    $sides.module = { $tokens | Test-CxpaZoneToken -Secret $Secret -Audience $Audience }
    # The same check written inline in a foreach loop (no function call per token): the fastest plain script.
    $sides.handLoop = {
        foreach ($Token in $tokens) {
            $parts = $Token.Split('.')
            if ($parts.Count -ne 3) { $false; continue }
            $decoded = foreach ($p in $parts) {
                $s = $p.Replace('-', '+').Replace('_', '/')
                , [Convert]::FromBase64String($s.PadRight($s.Length + (4 - $s.Length % 4) % 4, '='))
            }
            $signature = $hmac.ComputeHash([System.Text.Encoding]::ASCII.GetBytes($parts[0] + '.' + $parts[1]))
            if (-not [System.Security.Cryptography.CryptographicOperations]::FixedTimeEquals($signature, $decoded[2])) { $false; continue }
            $header = [System.Text.Encoding]::UTF8.GetString($decoded[0]) | ConvertFrom-Json
            if ($header.alg -ne 'HS256') { $false; continue }
            $claims = [System.Text.Encoding]::UTF8.GetString($decoded[1]) | ConvertFrom-Json
            $now = [DateTimeOffset]::UtcNow.ToUnixTimeSeconds()
            ($claims.exp -is [long] -or $claims.exp -is [int]) -and $claims.exp + 5 -gt $now -and @($claims.aud) -contains $Audience
        }
    }
    # What bounds the cmdlet: the same strings through a compiled cmdlet that passes them on.
    $sides.pipeline = { $tokens | Where-Object Length -GT 0 }
    $valid = @(@($tokens | Test-CxpaZoneToken -Secret $Secret -Audience $Audience) -eq $true).Count
    $handValid = @(@($tokens | Test-HandZoneToken) -eq $true).Count
    if ($valid -ne $tokens.Count -or $handValid -ne $tokens.Count) { throw "tokens: module $valid, hand $handValid valid of $($tokens.Count)" }
    $tampered = $tokens[0].Substring(0, $tokens[0].Length - 2) + 'AA'
    if ((Test-HandZoneToken $tampered) -or (Test-CxpaZoneToken $tampered -Secret $Secret -Audience $Audience)) { throw 'tokens: a tampered token passed' }
    Measure-Sides -Name tokens -Sides $sides -Expect $tokens.Count
}

# ---------------------------------------------------------------- many runs, one wait

if ($Measure -eq 'wait') {
    $inputs = foreach ($i in 1..$Count) { @{ i = $i } }
    $warm = @(1..50 | ForEach-Object { @{ i = $_ } } | Start-CxpaRun -AgentId $WaitAgent | Wait-CxpaRun)
    if ($warm.Count -ne 50) { throw "wait warm-up: $($warm.Count) runs" }
    $warm = $null
    for ($round = 0; $round -lt $Rounds; $round++) {
        $before = Reset-PeakMemory
        $heapBefore = [GC]::GetTotalMemory($true)
        $allocBefore = [GC]::GetTotalAllocatedBytes($false)
        $gen0Before = [GC]::CollectionCount(0)
        $sw = [System.Diagnostics.Stopwatch]::StartNew()
        $runs = $inputs | Start-CxpaRun -AgentId $WaitAgent
        $triggered = $sw.Elapsed.TotalMilliseconds
        $done = $runs | Wait-CxpaRun
        $total = $sw.Elapsed.TotalMilliseconds
        $peak = Get-ProcStatus 'VmHWM'
        $alloc = [GC]::GetTotalAllocatedBytes($false) - $allocBefore
        $gen0 = [GC]::CollectionCount(0) - $gen0Before
        $completed = @($done | Where-Object Status -EQ 'completed').Count
        if ($completed -ne $Count) { throw "wait: $completed of $Count runs completed" }
        $held = Get-ProcStatus 'VmRSS'
        $heapHeld = [GC]::GetTotalMemory($true)
        $runs = $null; $done = $null
        $after = Reset-PeakMemory
        Write-Result @{ name = 'wait'; round = $round; count = $Count; triggerMs = $triggered; totalMs = $total; durationMs = $WaitDurationMs
            peakMB = ($peak - $before) / 1MB; heldMB = ($held - $before) / 1MB; afterMB = ($after - $before) / 1MB
            allocMB = $alloc / 1MB; gen0 = $gen0; heapHeldMB = ($heapHeld - $heapBefore) / 1MB; heapAfterMB = ([GC]::GetTotalMemory($true) - $heapBefore) / 1MB }
    }
}
