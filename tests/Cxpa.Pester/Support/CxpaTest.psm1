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
    if ($Emulator.Folder) { Remove-Item -LiteralPath $Emulator.Folder -Recurse -Force -ErrorAction SilentlyContinue }
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

function Start-CxpaTestRawServer {
    <#
    Starts a raw HTTP server (Support/RawHttpServer.cs) in its own pwsh process on a free loopback port: -Source is the C#
    of a RawHttpServer subclass named -TypeName (no using directives), compiled there with RawHttpServer.cs; -Arguments go
    to its constructor. Each request is logged to Log (RawHttpServer.LogLine). Returns Url (no trailing slash), Process,
    Log and Folder; stop it with Stop-CxpaTestEmulator.
    #>
    param([Parameter(Mandatory)] [string] $TypeName, [Parameter(Mandatory)] [string] $Source, [object[]] $Arguments = @())
    $dir = New-CxpaTestFolder
    $portFile = Join-Path $dir 'port.txt'
    $log = Join-Path $dir 'requests.log'
    $cases = Join-Path $dir "$TypeName.cs"
    $argumentsFile = Join-Path $dir 'arguments.json'
    Set-Content -LiteralPath $cases -Encoding utf8 -Value $Source
    ConvertTo-Json -InputObject @($Arguments) -Depth 8 | Set-Content -LiteralPath $argumentsFile -Encoding utf8
    $serverScript = Join-Path $dir 'RawServer.ps1'
    Set-Content -LiteralPath $serverScript -Encoding utf8 -Value @'
param([string] $Skeleton, [string] $Cases, [string] $TypeName, [string] $ArgumentsFile, [string] $PortFile, [string] $RequestLog)
$ErrorActionPreference = 'Stop'
Add-Type -TypeDefinition ((Get-Content -Raw -LiteralPath $Skeleton) + "`n" + (Get-Content -Raw -LiteralPath $Cases))
$arguments = @(Get-Content -Raw -LiteralPath $ArgumentsFile | ConvertFrom-Json)
$server = if ($arguments.Count) { New-Object -TypeName $TypeName -ArgumentList $arguments } else { New-Object -TypeName $TypeName }
$server.RequestLog = $RequestLog
$server.RunUntilKilled($PortFile)
'@
    $process = Start-Process -FilePath (Get-CxpaTestDotnet) -PassThru -RedirectStandardOutput (Join-Path $dir 'out.log') -RedirectStandardError (Join-Path $dir 'err.log') -ArgumentList @(
        (Join-Path $PSHOME 'pwsh.dll'), '-NoProfile', '-NonInteractive', '-File', $serverScript, '-Skeleton', (Join-Path $PSScriptRoot 'RawHttpServer.cs'),
        '-Cases', $cases, '-TypeName', $TypeName, '-ArgumentsFile', $argumentsFile, '-PortFile', $portFile, '-RequestLog', $log)
    # A guard for a server that never starts (120 s), not a timing assertion.
    $deadline = [DateTime]::UtcNow.AddSeconds(120)
    while (-not (Test-Path -LiteralPath $portFile)) {
        if ($process.HasExited -or [DateTime]::UtcNow -gt $deadline) { throw "The $TypeName server did not start: $(Get-Content -Raw (Join-Path $dir 'err.log') -ErrorAction SilentlyContinue)" }
        Start-Sleep -Milliseconds 100
    }
    [pscustomobject]@{ Url = "http://127.0.0.1:$((Get-Content -Raw -LiteralPath $portFile).Trim())"; Process = $process; Log = $log; Folder = $dir }
}

function Get-CxpaTestRawRequestCount {
    # How many requests the raw server logged with exactly this line ("METHOD target").
    param([Parameter(Mandatory)] $Server, [Parameter(Mandatory)] [string] $Line)
    @(Get-Content -LiteralPath $Server.Log -ErrorAction SilentlyContinue | Where-Object { $_ -eq $Line }).Count
}

function Invoke-CxpaTestGuarded {
    <#
    Runs a call in its own runspace of this process (Cxpa imported there) and returns once it ended: Ended, Output (what it
    wrote), Errors (its error stream and a terminating error), Error (the first), Warnings, and this process's working set
    Growth and PeakGrowth over the call (did it keep an answer in memory). A call still running after 60 s is stopped and
    Ended is false: a hang guard, not a timing assertion.
    #>
    param([Parameter(Mandatory)] [scriptblock] $Call, [hashtable] $Arguments = @{})
    [GC]::Collect()
    $before = Get-Process -Id $PID
    $ps = [powershell]::Create()
    try {
        $null = $ps.AddScript('param($Call, $Arguments) Import-Module Cxpa; try { & ([scriptblock]::Create($Call)) @Arguments } catch { $_ }').
            AddArgument($Call.ToString()).AddArgument($Arguments)
        $handle = $ps.BeginInvoke()
        $ended = $handle.AsyncWaitHandle.WaitOne([TimeSpan]::FromSeconds(60))
        if (-not $ended) { $ps.Stop() }
        $out = if ($ended) { @($ps.EndInvoke($handle)) } else { @() }
        $errors = @($ps.Streams.Error) + @($out | Where-Object { $_ -is [System.Management.Automation.ErrorRecord] })
        $warnings = @($ps.Streams.Warning)
    }
    finally { $ps.Dispose() }
    [GC]::Collect()
    $after = Get-Process -Id $PID
    [pscustomobject]@{
        Ended      = $ended
        Output     = @($out | Where-Object { $_ -isnot [System.Management.Automation.ErrorRecord] })
        Errors     = $errors
        Error      = $errors | Select-Object -First 1
        Warnings   = $warnings
        Growth     = $after.WorkingSet64 - $before.WorkingSet64
        PeakGrowth = $after.PeakWorkingSet64 - [Math]::Max($before.PeakWorkingSet64, $before.WorkingSet64)
    }
}

function Start-CxpaTestScriptedServer {
    <#
    Starts a server of scripted answers (a Start-CxpaTestRawServer) for answers no platform would give (control
    characters in the status line, lone surrogates, relative redirects). -Answers maps 'METHOD /path' to a list of
    answers, given in turn (the last one repeats): @{ Status = '200 OK'; Headers = @{ name = value }; Body = text } or
    Bytes = [byte[]] instead of Body. Any other request gets 404. Each request is logged as
    'METHOD /path auth=yes|no host=<Host header>' to Log. Returns Url (with a trailing slash), Process, Log; stop it with
    Stop-CxpaTestEmulator.
    #>
    param([Parameter(Mandatory)] [hashtable] $Answers)
    # Each answer as the bytes to send, base64: the status line and headers exactly as given, then Content-Length.
    $table = @{}
    foreach ($k in $Answers.Keys) {
        $table[$k] = @(foreach ($a in @($Answers[$k])) {
                $body = [System.Text.Encoding]::UTF8.GetBytes([string] $a.Body)
                if ($null -ne $a.Bytes) { $body = [byte[]] $a.Bytes }
                $head = "HTTP/1.1 $(if ($a.Status) { $a.Status } else { '200 OK' })`r`nConnection: close`r`n"
                if ($a.Headers) { foreach ($h in $a.Headers.GetEnumerator()) { $head += "$($h.Key): $($h.Value)`r`n" } }
                $head += "Content-Length: $($body.Length)`r`n`r`n"
                [Convert]::ToBase64String([byte[]]([System.Text.Encoding]::UTF8.GetBytes($head) + $body))
            })
    }
    $server = Start-CxpaTestRawServer -TypeName ScriptedServer -Arguments @(($table | ConvertTo-Json -Depth 6 -Compress)) -Source @'
public sealed class ScriptedServer : RawHttpServer
{
    private readonly Dictionary<string, List<byte[]>> _answers = new Dictionary<string, List<byte[]>>();
    private readonly Dictionary<string, int> _served = new Dictionary<string, int>();

    public ScriptedServer(string answersJson)
    {
        // {"GET /path": ["base64", ...] | "base64", ...}, read without a JSON library.
        var doc = System.Text.Json.JsonDocument.Parse(answersJson).RootElement;
        foreach (var p in doc.EnumerateObject())
        {
            var list = new List<byte[]>();
            if (p.Value.ValueKind == System.Text.Json.JsonValueKind.Array) foreach (var a in p.Value.EnumerateArray()) list.Add(Convert.FromBase64String(a.GetString()));
            else list.Add(Convert.FromBase64String(p.Value.GetString()));
            _answers[p.Name] = list;
        }
    }

    protected override string LogLine(RawRequest r)
    {
        return r.Method + " " + r.Target + " auth=" + (r.Header("Authorization") != null ? "yes" : "no") + " host=" + (r.Header("Host") ?? "");
    }

    protected override void Answer(Stream s, RawRequest r)
    {
        byte[] bytes;
        lock (_answers)
        {
            List<byte[]> list;
            if (!_answers.TryGetValue(r.Method + " " + r.Target, out list))
            {
                Json(s, "{\"error\":\"no such case\"}", "404 Not Found");
                return;
            }
            int n;
            _served.TryGetValue(r.Method + " " + r.Target, out n);
            _served[r.Method + " " + r.Target] = n + 1;
            bytes = list[Math.Min(n, list.Count - 1)];
        }
        s.Write(bytes, 0, bytes.Length);
        s.Flush();
    }
}
'@
    [pscustomobject]@{ Url = "$($server.Url)/"; Process = $server.Process; Log = $server.Log }
}

Export-ModuleMember -Function *-CxpaTest*
