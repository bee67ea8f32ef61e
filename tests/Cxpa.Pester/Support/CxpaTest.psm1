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
    param($Emulator)
    if ($Emulator) { Cxpa.Emulator\Stop-CxpaEmulator -Emulator $Emulator.Emulator }
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
    Runs a script in a fresh pwsh process (the same PowerShell, same HOME: Cxpa is found by name). Returns ExitCode, Output
    (stdout lines) and Errors (stderr text).
    #>
    param([Parameter(Mandatory)] [string] $Script, [hashtable] $Environment = @{})
    $file = Join-Path ([System.IO.Path]::GetTempPath()) ('cxpa-child-' + [guid]::NewGuid().ToString('N').Substring(0, 8) + '.ps1')
    Set-Content -LiteralPath $file -Value $Script -Encoding utf8
    $saved = @{}
    try {
        foreach ($k in $Environment.Keys) { $saved[$k] = [Environment]::GetEnvironmentVariable($k); [Environment]::SetEnvironmentVariable($k, $Environment[$k]) }
        $errFile = "$file.err"
        $out = & (Get-CxpaTestDotnet) (Join-Path $PSHOME 'pwsh.dll') -NoProfile -NonInteractive -File $file 2> $errFile
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

Export-ModuleMember -Function *-CxpaTest*
