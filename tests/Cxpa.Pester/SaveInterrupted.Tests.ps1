# Save-CxpaRunOutput when a save is interrupted or cannot finish: a filename* of 200 "é" (400 UTF-8 bytes) is saved under
# a name that fits 255 bytes; a folder that cannot be written is an error before anything is sent; a final move that
# fails keeps the complete file and names it; SIGTERM in the middle of a download leaves no temporary file behind.
# The mid-download cases use a small HTTP server in this process that sends the headers and part of the body, then holds
# the connection open, so the download is in flight for as long as the test needs (no timing).
BeforeAll {
    Import-Module "$PSScriptRoot/Support/CxpaTest.psm1" -Force
    . "$PSScriptRoot/Support/CxpaTest.Runs.ps1"
    Import-Module Cxpa
    $script:key = (Get-CxpaTestDemo).IngestKey
    $script:longStem = [string]::new([char]0xE9, 200)

    # The demo config with agent 43's file named by a filename* of 200 "é" plus ".pdf".
    $config = (& (Get-CxpaTestDotnet) $env:CXPA_TEST_EMULATOR --print-config) -join "`n" | ConvertFrom-Json
    $a43 = @($config.agents | Where-Object id -EQ 43)[0]
    $a43.file | Add-Member -NotePropertyName nameStar -NotePropertyValue ($longStem + '.pdf') -Force
    $script:configPath = Join-Path ([System.IO.Path]::GetTempPath()) ('cxpa-config-' + [guid]::NewGuid().ToString('N').Substring(0, 8) + '.json')
    [System.IO.File]::WriteAllText($configPath, ($config | ConvertTo-Json -Depth 20), [System.Text.UTF8Encoding]::new($false))
    $script:emu = Start-CxpaTestEmulator -ArgumentList @('--config', $configPath)
    $script:conn = Connect-Cxpa -BaseUrl $emu.Url -IngestApiKey $key -PassThru
    Disconnect-Cxpa

    function Get-Utf8Length([string] $Text) { [System.Text.Encoding]::UTF8.GetByteCount($Text) }

    function Start-HoldingServer {
        <# A TCP listener on loopback for one trigger-and-download. #>
        $l = [System.Net.Sockets.TcpListener]::new([System.Net.IPAddress]::Loopback, 0)
        $l.Start()
        [pscustomobject]@{ Listener = $l; Url = "http://127.0.0.1:$($l.LocalEndpoint.Port)/"; Client = $null; Stream = $null }
    }

    function Receive-HoldingRequest {
        <# Accepts the download request and reads it whole (headers and body). #>
        param($Server, [scriptblock] $Alive = { $true })
        $accept = $Server.Listener.AcceptTcpClientAsync()
        $deadline = [DateTime]::UtcNow.AddSeconds(60)
        while (-not $accept.Wait(100)) {
            if (-not (& $Alive)) { throw 'The saving side ended before it sent its request.' }
            if ([DateTime]::UtcNow -gt $deadline) { throw 'No request within 60 s.' }
        }
        $Server.Client = $accept.Result
        $Server.Stream = $Server.Client.GetStream()
        $buf = [System.Collections.Generic.List[byte]]::new()
        $one = [byte[]]::new(1)
        while (-not ($buf.Count -ge 4 -and $buf[-4] -eq 13 -and $buf[-3] -eq 10 -and $buf[-2] -eq 13 -and $buf[-1] -eq 10)) {
            if ($Server.Stream.Read($one, 0, 1) -ne 1) { throw 'The request broke off.' }
            $buf.Add($one[0])
        }
        $head = [System.Text.Encoding]::ASCII.GetString($buf.ToArray())
        if ($head -match '(?im)^content-length:\s*(\d+)') {
            $left = [int]$Matches[1]
            $body = [byte[]]::new([Math]::Max($left, 1))
            while ($left -gt 0) { $n = $Server.Stream.Read($body, 0, $left); if ($n -le 0) { break }; $left -= $n }
        }
        $head
    }

    function Send-HoldingBytes {
        <# Sends the file's bytes [From, To) in the emulator's pattern (byte i is (i * 31 + 7) mod 256). #>
        param($Server, [long] $From, [long] $To)
        $chunk = [byte[]]::new($To - $From)
        for ($i = 0; $i -lt $chunk.Length; $i++) { $chunk[$i] = [byte]((($From + $i) * 31 + 7) % 256) }
        $Server.Stream.Write($chunk, 0, $chunk.Length)
        $Server.Stream.Flush()
    }

    function Send-HoldingHead {
        param($Server, [long] $Length, [string] $Name = 'big.pdf')
        $head = "HTTP/1.1 200 OK`r`nContent-Type: application/pdf`r`nContent-Length: $Length`r`n" +
            "Content-Disposition: attachment; filename=`"$Name`"`r`nx-run-id: 7001`r`n`r`n"
        $bytes = [System.Text.Encoding]::ASCII.GetBytes($head)
        $Server.Stream.Write($bytes, 0, $bytes.Length)
    }

    function Start-SavingChild {
        <# A pwsh process that saves agent 43's file from the holding server into a folder; returns its script path and process. #>
        param($Server, [string] $Dir)
        $script = Join-Path ([System.IO.Path]::GetTempPath()) ('cxpa-child-' + [guid]::NewGuid().ToString('N').Substring(0, 8) + '.ps1')
        Set-Content -LiteralPath $script -Encoding utf8 -Value @"
`$ErrorActionPreference = 'Stop'
Import-Module Cxpa
Save-CxpaRunOutput -BaseUrl '$($Server.Url)' -IngestApiKey '$key' -AgentId 43 -Path '$Dir' -MaximumRetryCount 0 -OperationTimeoutSeconds 300
"@
        $child = Start-Process -FilePath (Get-CxpaTestDotnet) -ArgumentList @((Join-Path $PSHOME 'pwsh.dll'), '-NoProfile', '-NonInteractive', '-File', $script) -PassThru `
            -RedirectStandardOutput "$script.out" -RedirectStandardError "$script.err"
        $script, $child
    }

    function Stop-SavingChild {
        param($Child, [string] $Script, $Server, [string] $Dir)
        if (-not $Child.HasExited) { $Child.Kill($true) }
        Stop-HoldingServer $Server
        Remove-Item -LiteralPath $Script, "$Script.out", "$Script.err" -ErrorAction SilentlyContinue
        Remove-Item -LiteralPath $Dir -Recurse -Force -ErrorAction SilentlyContinue
    }

    function Stop-HoldingServer {
        param($Server)
        if ($Server.Client) { $Server.Client.Dispose() }
        $Server.Listener.Stop()
    }

    function Wait-Partial {
        <# Waits until a temporary file with bytes in it is in the folder; returns it. #>
        param([string] $Folder, [scriptblock] $Alive = { $true })
        $deadline = [DateTime]::UtcNow.AddSeconds(60)
        while ($true) {
            $p = @(Get-ChildItem -LiteralPath $Folder -Force -Filter '*.partial' | Where-Object Length -GT 0)
            if ($p.Count -gt 0) { return $p[0] }
            if (-not (& $Alive)) { throw 'The saving side ended before a temporary file appeared.' }
            if ([DateTime]::UtcNow -gt $deadline) { throw 'No temporary file within 60 s.' }
            Start-Sleep -Milliseconds 20
        }
    }
}
AfterAll {
    Stop-CxpaTestEmulator $script:emu
    Remove-Item -LiteralPath $script:configPath -ErrorAction SilentlyContinue
}

Describe 'Save-CxpaRunOutput with long names' {
    BeforeEach { $script:dir = New-CxpaTestFolder }
    AfterEach { Remove-Item -LiteralPath $dir -Recurse -Force -ErrorAction SilentlyContinue }

    It 'saves a filename* of 200 "é" (400 UTF-8 bytes) under a name of at most 255 bytes, keeping .pdf' {
        $file = Save-CxpaRunOutput -Connection $conn -AgentId 43 -Path $dir -ErrorVariable errs
        $errs.Count | Should -Be 0
        $file.Length | Should -Be (256 * 1024)
        Get-Utf8Length $file.Name | Should -BeLessOrEqual 255
        $file.Name | Should -BeLike '*.pdf'
        $file.Name | Should -BeLike ($longStem.Substring(0, 100) + '*')
        @(Get-ChildItem -LiteralPath $dir -Force).Name | Should -Be @($file.Name)
    }

    It 'a second save of the same long name gets "(1)" and still fits 255 bytes' {
        $first = Save-CxpaRunOutput -Connection $conn -AgentId 43 -Path $dir
        $second = Save-CxpaRunOutput -Connection $conn -AgentId 43 -Path $dir -WarningAction SilentlyContinue
        $second.Name | Should -BeLike '* (1).pdf'
        Get-Utf8Length $second.Name | Should -BeLessOrEqual 255
        @(Get-ChildItem -LiteralPath $dir -Force).Count | Should -Be 2
        @(Get-ChildItem -LiteralPath $dir -Force -Filter '*.partial').Count | Should -Be 0
    }

    It 'an explicit -Path file name over 255 bytes is FileNameTooLong (InvalidArgument) before anything is sent' {
        $before = Get-CxpaTestRequestCount $emu
        $err = $null
        try { Save-CxpaRunOutput -Connection $conn -AgentId 43 -Path (Join-Path $dir ($longStem + '.pdf')) } catch { $err = $_ }
        $err.FullyQualifiedErrorId | Should -Be 'FileNameTooLong,Cxpa.PowerShell.Cmdlets.SaveCxpaRunOutputCommand'
        $err.CategoryInfo.Category | Should -Be 'InvalidArgument'
        $err.Exception.Message | Should -Match '404 bytes'
        Get-CxpaTestRequestCount $emu | Should -Be $before
        @(Get-ChildItem -LiteralPath $dir -Force).Count | Should -Be 0
    }
}

Describe 'Save-CxpaRunOutput into a folder that cannot be written' {
    # /sys refuses new files to every user, root included (root ignores a folder's mode bits, so chmod alone proves nothing there).
    It 'a folder where no file can be created (<Case>) is FolderNotWritable (PermissionDenied) and nothing is sent' -Skip:(-not $IsLinux) -TestCases @(
        @{ Case = 'folder'; Leaf = $null }
        @{ Case = 'file in it'; Leaf = 'report.pdf' }
    ) {
        param($Case, $Leaf)
        $target = if ($Leaf) { Join-Path '/sys' $Leaf } else { '/sys' }
        $before = Get-CxpaTestRequestCount $emu
        $err = $null
        try { Save-CxpaRunOutput -Connection $conn -AgentId 43 -Path $target } catch { $err = $_ }
        $err | Should -Not -BeNullOrEmpty
        $err.FullyQualifiedErrorId | Should -Be 'FolderNotWritable,Cxpa.PowerShell.Cmdlets.SaveCxpaRunOutputCommand'
        $err.CategoryInfo.Category | Should -Be 'PermissionDenied'
        $err.TargetObject | Should -Be '/sys'
        $err.Exception.Message | Should -Match 'Nothing was sent'
        Get-CxpaTestRequestCount $emu | Should -Be $before
    }

    It 'a read-only folder (chmod 555) is FolderNotWritable and nothing is sent, as an unprivileged user' -Skip:$IsWindows {
        # Root writes into a 555 folder anyway, so as root (CI) the save runs in a child pwsh as uid 65534 through setpriv
        # (util-linux), in a folder that user owns: only the mode keeps it out. The child keeps CAP_DAC_READ_SEARCH, so it
        # can read pwsh and the installed module wherever they are, but no capability to write past a folder's mode.
        $asRoot = (id -u) -eq '0'
        if ($asRoot -and -not (Get-Command setpriv -CommandType Application -ErrorAction SilentlyContinue)) {
            Set-ItResult -Skipped -Because 'the tests run as root and setpriv (util-linux) is not installed to run the save as an unprivileged user'
            return
        }
        $dir = New-CxpaTestFolder
        $childHome = New-CxpaTestFolder
        try {
            if ($asRoot) { chown 65534:65534 $dir $childHome }
            chmod 555 $dir
            $before = Get-CxpaTestRequestCount $emu
            if ($asRoot) {
                $script = Join-Path $childHome 'save.ps1'
                Set-Content -LiteralPath $script -Encoding utf8 -Value @"
Import-Module '$((Get-Module Cxpa).Path)'
try { Save-CxpaRunOutput -AgentId 43 -Path '$dir'; 'saved' } catch { `$_.FullyQualifiedErrorId; [string] `$_.CategoryInfo.Category }
"@
                $saved = $env:CXPA_API_URL, $env:CXPA_INGEST_KEY
                $env:CXPA_API_URL = $emu.Url; $env:CXPA_INGEST_KEY = $key
                try {
                    $out = @(setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=+dac_read_search --ambient-caps=+dac_read_search `
                        env "HOME=$childHome" "DOTNET_CLI_HOME=$childHome" (Get-CxpaTestDotnet) (Join-Path $PSHOME 'pwsh.dll') -NoProfile -NonInteractive -File $script 2>&1)
                }
                finally { $env:CXPA_API_URL, $env:CXPA_INGEST_KEY = $saved }
                $LASTEXITCODE | Should -Be 0 -Because ($out -join "`n")
                $out[-2] | Should -Be 'FolderNotWritable,Cxpa.PowerShell.Cmdlets.SaveCxpaRunOutputCommand' -Because ($out -join "`n")
                $out[-1] | Should -Be 'PermissionDenied'
            }
            else {
                $err = $null
                try { Save-CxpaRunOutput -Connection $conn -AgentId 43 -Path $dir } catch { $err = $_ }
                $err.FullyQualifiedErrorId | Should -Be 'FolderNotWritable,Cxpa.PowerShell.Cmdlets.SaveCxpaRunOutputCommand'
                $err.CategoryInfo.Category | Should -Be 'PermissionDenied'
            }
            Get-CxpaTestRequestCount $emu | Should -Be $before
            @(Get-ChildItem -LiteralPath $dir -Force).Count | Should -Be 0
        }
        finally { chmod 755 $dir; Remove-Item -LiteralPath $dir, $childHome -Recurse -Force }
    }

    It '-WhatIf probes nothing and sends nothing' {
        $dir = New-CxpaTestFolder
        try {
            $before = Get-CxpaTestRequestCount $emu
            $null = Save-CxpaRunOutput -Connection $conn -AgentId 43 -Path $dir -WhatIf 6>$null
            Get-CxpaTestRequestCount $emu | Should -Be $before
            @(Get-ChildItem -LiteralPath $dir -Force).Count | Should -Be 0
        }
        finally { Remove-Item -LiteralPath $dir -Recurse -Force }
    }
}

Describe 'Save-CxpaRunOutput when the file cannot be moved into place' {
    It 'keeps the complete temporary file and names it (FileNotMoved, WriteError) when the target became a folder meanwhile' {
        $dir = New-CxpaTestFolder
        $server = Start-HoldingServer
        $ps = [powershell]::Create()
        try {
            $target = Join-Path $dir 'big.pdf'
            $size = 300000
            $null = $ps.AddScript('param($url, $key, $path) Import-Module Cxpa; Save-CxpaRunOutput -BaseUrl $url -IngestApiKey $key -AgentId 43 -Path $path -Force -MaximumRetryCount 0 -OperationTimeoutSeconds 300').
                AddArgument($server.Url).AddArgument($key).AddArgument($target)
            $async = $ps.BeginInvoke()
            $null = Receive-HoldingRequest $server -Alive { -not $async.IsCompleted }
            Send-HoldingHead $server -Length $size
            Send-HoldingBytes $server 0 100000
            $partial = Wait-Partial $dir -Alive { -not $async.IsCompleted }
            # The target turns into a folder while the bytes arrive; then the rest arrives.
            $null = New-Item -ItemType Directory -Path $target
            Set-Content -LiteralPath (Join-Path $target 'inside.txt') -Value 'x'
            Send-HoldingBytes $server 100000 $size
            $out = @($ps.EndInvoke($async))
            $out.Count | Should -Be 0
            $ps.Streams.Error.Count | Should -Be 1
            $err = $ps.Streams.Error[0]
            $err.FullyQualifiedErrorId | Should -Be 'FileNotMoved,Cxpa.PowerShell.Cmdlets.SaveCxpaRunOutputCommand'
            $err.CategoryInfo.Category | Should -Be 'WriteError'
            $err.TargetObject | Should -Be $partial.FullName
            $err.Exception | Should -BeOfType ([Cxpa.CxpaDownloadException])
            $err.Exception.TempFilePath | Should -Be $partial.FullName
            $err.Exception.RunId | Should -Be 7001
            $err.Exception.Message | Should -Match ([regex]::Escape($partial.FullName))
            $err.ErrorDetails.RecommendedAction | Should -Match ([regex]::Escape($partial.FullName))
            (Get-Item -LiteralPath $partial.FullName -Force).Length | Should -Be $size
            $bytes = [System.IO.File]::ReadAllBytes($partial.FullName)
            $bad = -1
            for ($i = 0; $i -lt $bytes.Length; $i++) { if ($bytes[$i] -ne (($i * 31 + 7) % 256)) { $bad = $i; break } }
            $bad | Should -Be -1
        }
        finally {
            $ps.Dispose()
            Stop-HoldingServer $server
            Remove-Item -LiteralPath $dir -Recurse -Force -ErrorAction SilentlyContinue
        }
    }
}

Describe 'Save-CxpaRunOutput and SIGTERM' {
    It 'SIGTERM in the middle of a download ends the process and leaves no temporary file' -Skip:($IsWindows) {
        $dir = New-CxpaTestFolder
        $server = Start-HoldingServer
        $script, $child = Start-SavingChild $server $dir
        try {
            $null = Receive-HoldingRequest $server -Alive { -not $child.HasExited }
            Send-HoldingHead $server -Length 1GB
            Send-HoldingBytes $server 0 200000
            $partial = Wait-Partial $dir -Alive { -not $child.HasExited }
            $partial.Name | Should -Match '^\.cxpa-[0-9a-f]{8}\.partial$'

            /bin/kill -s TERM $child.Id
            $child.WaitForExit(60000) | Should -BeTrue
            @(Get-ChildItem -LiteralPath $dir -Force).Name | Should -Be @()
        }
        finally { Stop-SavingChild $child $script $server $dir }
    }

    It 'SIGTERM <Moment> leaves no temporary file (round <Round>)' -Skip:($IsWindows) -ForEach @(
        foreach ($round in 1..3) {
            @{ Moment = 'while the run starts, with the answer sent right after'; Round = $round; Step = 'request' }
            @{ Moment = 'as the answer headers arrive'; Round = $round; Step = 'head' }
            @{ Moment = 'after the first bytes, without waiting for the temporary file'; Round = $round; Step = 'bytes' }
        }
    ) {
        # No waiting for a state of the child: the signal races with the save, as `timeout` sends it at a random moment.
        $dir = New-CxpaTestFolder
        $server = Start-HoldingServer
        $script, $child = Start-SavingChild $server $dir
        try {
            $null = Receive-HoldingRequest $server -Alive { -not $child.HasExited }
            if ($Step -ne 'request') { Send-HoldingHead $server -Length 1GB }
            if ($Step -eq 'bytes') { Send-HoldingBytes $server 0 1000 }
            /bin/kill -s TERM $child.Id
            try {
                if ($Step -eq 'request') { Send-HoldingHead $server -Length 1GB }
                Send-HoldingBytes $server 1000 300000
            }
            catch [System.IO.IOException] { } # the child is gone already
            $child.WaitForExit(60000) | Should -BeTrue
            @(Get-ChildItem -LiteralPath $dir -Force).Name | Should -Be @()
        }
        finally { Stop-SavingChild $child $script $server $dir }
    }
}
