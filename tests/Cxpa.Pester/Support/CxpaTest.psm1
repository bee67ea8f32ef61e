# Helpers for the Pester suite: an in-process emulator (Cxpa.Emulator) per test file, fresh pwsh processes, and the emulator's demo secrets.
# Imported by every *.Tests.ps1 in BeforeAll:  Import-Module "$PSScriptRoot/Support/CxpaTest.psm1" -Force

$ErrorActionPreference = 'Stop'

# The emulator's demo data (src/Cxpa.Emulator.Core/EmulatorConfig.cs). Test-only values: never a real key.
$script:Demo = [pscustomobject]@{
    IngestKey    = 'cxpa_demo_ingest_key'
    ZoneSecret   = 'cxpa-demo-zone-secret-local-emulator-only-0001'
    Audience     = 'cxpa-demo-zone'
    UserId       = '00000000-0000-4000-8000-000000000000'
}

function Get-CxpaTestDemo { $script:Demo }

# The environment variables a connection falls back to (Connect-Cxpa's docs): cleared around tests that pin the fallbacks.
$script:ConnectionEnvironment = 'CXPA_API_URL', 'CXPA_INGEST_KEY', 'PLATFORM_API_BASE_URL'

function Clear-CxpaTestEnvironment {
    <# Forgets the default connection and clears the connection environment variables; returns what they were. #>
    Disconnect-Cxpa
    $saved = @{}
    foreach ($n in $script:ConnectionEnvironment) { $saved[$n] = [Environment]::GetEnvironmentVariable($n); [Environment]::SetEnvironmentVariable($n, $null) }
    $saved
}

function Restore-CxpaTestEnvironment {
    <# Forgets the default connection and puts back the variables Clear-CxpaTestEnvironment saved. #>
    param([Parameter(Mandatory)] [hashtable] $Saved)
    Disconnect-Cxpa
    foreach ($n in $Saved.Keys) { [Environment]::SetEnvironmentVariable($n, $Saved[$n]) }
}

function Get-CxpaTestRoot { $env:CXPA_TEST_ROOT }

function Get-CxpaTestDotnet { if ($env:CXPA_TEST_DOTNET) { $env:CXPA_TEST_DOTNET } else { 'dotnet' } }

function Stop-CxpaTestProcess([System.Diagnostics.Process] $Process) {
    # Kill(bool) (the process tree) is .NET Core only; Windows PowerShell 5.1 (.NET Framework) has Kill().
    if ($PSVersionTable.PSEdition -eq 'Desktop') { $Process.Kill() } else { $Process.Kill($true) }
}

function Start-CxpaTestEmulator {
    <#
    Starts an emulator inside this pwsh with Start-CxpaEmulator, from the Cxpa.Emulator package installed by name as a
    user installs it: it picks a free port and keeps it (no port is taken, released and bound again). Takes the command
    line's options, '--config <path>' and '--fault <spec>'. Returns Url and Emulator (the module's object).
    #>
    param([string[]] $ArgumentList = @())
    $params = @{}
    for ($i = 0; $i -lt $ArgumentList.Count; $i++) {
        switch ($ArgumentList[$i]) {
            '--config' { $params.ConfigPath = $ArgumentList[++$i] }
            '--fault' { $params.Fault = @($params.Fault) + $ArgumentList[++$i] | Where-Object { $_ } }
            default { throw "Start-CxpaTestEmulator: unknown option '$($ArgumentList[$i])' (--config, --fault)." }
        }
    }
    $emulator = Cxpa.Emulator\Start-CxpaEmulator @params
    [pscustomobject]@{ Url = $emulator.Url; Emulator = $emulator }
}

function Stop-CxpaTestEmulator {
    <# Stops what Start-CxpaTestEmulator started (an in-process emulator), or a test server in its own process (Process). #>
    param($Emulator)
    if (-not $Emulator) { return }
    if ($Emulator.Emulator) { Cxpa.Emulator\Stop-CxpaEmulator -Emulator $Emulator.Emulator; return }
    if ($Emulator.Process -and -not $Emulator.Process.HasExited) { Stop-CxpaTestProcess $Emulator.Process; $null = $Emulator.Process.WaitForExit(10000) }
    if ($Emulator.Log) { Remove-Item -LiteralPath $Emulator.Log, "$($Emulator.Log).err" -ErrorAction SilentlyContinue }
}

function Invoke-CxpaTestEmulatorApi {
    <# Calls the emulator's control surface (/_emulator/...) or its API with the demo key. #>
    param(
        [Parameter(Mandatory)] $Emulator,
        [Parameter(Mandatory)] [string] $Path,
        [string] $Method = 'Get',
        $Body,
        [switch] $WithKey
    )
    $headers = @{}
    if ($WithKey) { $headers.Authorization = "Bearer $($script:Demo.IngestKey)" }
    $params = @{ Uri = $Emulator.Url.TrimEnd('/') + '/' + $Path.TrimStart('/'); Method = $Method; Headers = $headers }
    if ($PSBoundParameters.ContainsKey('Body')) { $params.Body = ($Body | ConvertTo-Json -Depth 10 -Compress); $params.ContentType = 'application/json' }
    Invoke-RestMethod @params
}

function Invoke-CxpaTestPwsh {
    <#
    Runs a script in a fresh process of the same PowerShell (pwsh through dotnet, or powershell.exe when the suite runs in
    Windows PowerShell 5.1), with the same HOME: Cxpa is found by name. Returns ExitCode, Output (stdout lines) and Errors
    (stderr text).
    #>
    param([Parameter(Mandatory)] [string] $Script, [hashtable] $Environment = @{})
    $file = Join-Path ([System.IO.Path]::GetTempPath()) ('cxpa-child-' + [guid]::NewGuid().ToString('N').Substring(0, 8) + '.ps1')
    Set-Content -LiteralPath $file -Value $Script -Encoding utf8
    $saved = @{}
    try {
        foreach ($k in $Environment.Keys) { $saved[$k] = [Environment]::GetEnvironmentVariable($k); [Environment]::SetEnvironmentVariable($k, $Environment[$k]) }
        $errFile = "$file.err"
        $out = if ($PSVersionTable.PSEdition -eq 'Desktop') {
            & (Join-Path $PSHOME 'powershell.exe') -NoProfile -NonInteractive -ExecutionPolicy Bypass -File $file 2> $errFile
        }
        else { & (Get-CxpaTestDotnet) (Join-Path $PSHOME 'pwsh.dll') -NoProfile -NonInteractive -File $file 2> $errFile }
        [pscustomobject]@{
            ExitCode = $LASTEXITCODE
            Output   = @($out)
            Errors   = (Get-Content -Raw -LiteralPath $errFile -ErrorAction SilentlyContinue) + ''
        }
    }
    finally {
        foreach ($k in $saved.Keys) { [Environment]::SetEnvironmentVariable($k, $saved[$k]) }
        Remove-Item -LiteralPath $file, "$file.err" -ErrorAction SilentlyContinue
    }
}

function Start-CxpaTestHttpListener {
    <#
    An HttpListener on 127.0.0.1 on a free port that it keeps: ports of the dynamic range are tried until one binds
    (HttpListener cannot bind port 0), so no port is taken, released and bound again. Returns the started listener; its
    URL is $listener.Prefixes (one, ending with '/').
    #>
    for ($attempt = 0; $attempt -lt 64; $attempt++) {
        $listener = [System.Net.HttpListener]::new()
        $listener.Prefixes.Add("http://127.0.0.1:$(Get-Random -Minimum 49152 -Maximum 65536)/")
        try { $listener.Start(); return $listener }
        catch [System.Net.HttpListenerException] { $listener.Close() }
    }
    throw 'No free port on 127.0.0.1 after 64 attempts.'
}

function New-CxpaTestClosedPort {
    <#
    A port on 127.0.0.1 that refuses connections and that nothing else can take meanwhile: a socket bound to it that never
    listens (a port taken, released and used later could be bound by anything in between). Returns Url and Socket;
    dispose the Socket when done.
    #>
    $socket = [System.Net.Sockets.Socket]::new([System.Net.Sockets.AddressFamily]::InterNetwork, [System.Net.Sockets.SocketType]::Stream, [System.Net.Sockets.ProtocolType]::Tcp)
    $socket.Bind([System.Net.IPEndPoint]::new([System.Net.IPAddress]::Loopback, 0))
    [pscustomobject]@{ Url = "http://127.0.0.1:$($socket.LocalEndPoint.Port)/"; Socket = $socket }
}

function New-CxpaTestFolder {
    $dir = Join-Path ([System.IO.Path]::GetTempPath()) ('cxpa-test-' + [guid]::NewGuid().ToString('N').Substring(0, 8))
    (New-Item -ItemType Directory -Path $dir).FullName
}

function Start-CxpaTestScriptedServer {
    <#
    Starts a server of scripted answers in its own pwsh process on a free loopback port, for answers no platform would
    give (control characters in the status line, lone surrogates, relative redirects). -Answers maps 'METHOD /path' to a
    list of answers, given in turn (the last one repeats): @{ Status = '200 OK'; Headers = @{ name = value }; Body = text }
    or Bytes = [byte[]] instead of Body. Any other request gets 404. Each request is logged as
    'METHOD /path auth=yes|no host=<Host header>' to Log. Returns Url, Process, Log; stop it with Stop-CxpaTestEmulator.
    #>
    param([Parameter(Mandatory)] [hashtable] $Answers)
    $dir = New-CxpaTestFolder
    $table = @{}
    foreach ($k in $Answers.Keys) {
        $table[$k] = @(foreach ($a in @($Answers[$k])) {
                $bytes = [System.Text.Encoding]::UTF8.GetBytes([string] $a.Body)
                if ($null -ne $a.Bytes) { $bytes = [byte[]] $a.Bytes }
                @{ Status = if ($a.Status) { $a.Status } else { '200 OK' }; Headers = if ($a.Headers) { $a.Headers } else { @{} }; Body = [Convert]::ToBase64String($bytes) }
            })
    }
    $answersFile = Join-Path $dir 'answers.json'
    $table | ConvertTo-Json -Depth 6 | Set-Content -LiteralPath $answersFile -Encoding utf8
    $portFile = Join-Path $dir 'port.txt'
    $log = Join-Path $dir 'requests.log'
    $serverScript = Join-Path $dir 'ScriptedServer.ps1'
    Set-Content -LiteralPath $serverScript -Encoding utf8 -Value @'
param([string] $AnswersFile, [string] $PortFile, [string] $RequestLog)
$ErrorActionPreference = 'Stop'
$answers = @{}
foreach ($p in (Get-Content -Raw -LiteralPath $AnswersFile | ConvertFrom-Json).PSObject.Properties) {
    $answers[$p.Name] = [System.Collections.Generic.List[object]]::new()
    foreach ($a in @($p.Value)) {
        $head = "HTTP/1.1 $($a.Status)`r`nConnection: close`r`n"
        foreach ($h in $a.Headers.PSObject.Properties) { $head += "$($h.Name): $($h.Value)`r`n" }
        $body = [Convert]::FromBase64String($a.Body)
        $head += "Content-Length: $($body.Length)`r`n`r`n"
        $answers[$p.Name].Add([byte[]]([System.Text.Encoding]::UTF8.GetBytes($head) + $body))
    }
}
$listener = [System.Net.Sockets.TcpListener]::new([System.Net.IPAddress]::Loopback, 0)
$listener.Start()
Set-Content -LiteralPath "$PortFile.tmp" -Value $listener.LocalEndpoint.Port
Move-Item -LiteralPath "$PortFile.tmp" -Destination $PortFile
$served = @{}
while ($true) {
    $client = $listener.AcceptTcpClient()
    try {
        $s = $client.GetStream()
        $head = [System.Text.StringBuilder]::new()
        while (-not $head.ToString().EndsWith("`r`n`r`n")) { $b = $s.ReadByte(); if ($b -lt 0) { break }; $null = $head.Append([char]$b) }
        $lines = $head.ToString() -split "`r`n"
        $method, $path = ($lines[0] -split ' ')[0, 1]
        $length = 0; $auth = 'no'; $hostName = ''
        foreach ($l in $lines) {
            if ($l -match '^Content-Length:\s*(\d+)') { $length = [int]$Matches[1] }
            if ($l -match '^Authorization:') { $auth = 'yes' }
            if ($l -match '^Host:\s*(.*)$') { $hostName = $Matches[1] }
        }
        for ($i = 0; $i -lt $length; $i++) { $null = $s.ReadByte() }
        Add-Content -LiteralPath $RequestLog -Value "$method $path auth=$auth host=$hostName"
        $key = "$method $path"
        if ($answers.ContainsKey($key)) {
            $n = [int]$served[$key]; $served[$key] = $n + 1
            $list = $answers[$key]
            $bytes = $list[[Math]::Min($n, $list.Count - 1)]
        }
        else { $bytes = [System.Text.Encoding]::UTF8.GetBytes("HTTP/1.1 404 Not Found`r`nConnection: close`r`nContent-Type: application/json`r`nContent-Length: 23`r`n`r`n{`"error`":`"no such case`"}") }
        $s.Write($bytes, 0, $bytes.Length)
        $s.Flush()
    }
    catch [System.IO.IOException] { }
    finally { $client.Dispose() }
}
'@
    $process = Start-Process -FilePath (Get-CxpaTestDotnet) -PassThru -RedirectStandardOutput (Join-Path $dir 'out.log') -RedirectStandardError (Join-Path $dir 'err.log') -ArgumentList @(
        (Join-Path $PSHOME 'pwsh.dll'), '-NoProfile', '-NonInteractive', '-File', $serverScript, '-AnswersFile', $answersFile, '-PortFile', $portFile, '-RequestLog', $log)
    $deadline = [DateTime]::UtcNow.AddSeconds(120)
    while (-not (Test-Path -LiteralPath $portFile)) {
        if ($process.HasExited -or [DateTime]::UtcNow -gt $deadline) { throw "The scripted server did not start: $(Get-Content -Raw (Join-Path $dir 'err.log') -ErrorAction SilentlyContinue)" }
        Start-Sleep -Milliseconds 100
    }
    [pscustomobject]@{ Url = "http://127.0.0.1:$((Get-Content -Raw -LiteralPath $portFile).Trim())/"; Process = $process; Log = $log }
}

Export-ModuleMember -Function *-CxpaTest*
