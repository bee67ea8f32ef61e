# Save-CxpaRunOutput -Destination <Stream> as a zone backend uses it: agent 43's file (q3-report.pdf, application/pdf,
# 256 KiB) written into a MemoryStream or an HttpListener response, the Cxpa.SavedRunOutput it outputs, the errors for a
# stream that cannot be written (before anything is sent) and for a cut body (the stream left open), no temporary file,
# -WhatIf, and the wait budget's new name -WaitTimeoutSeconds with its old name -TimeoutSec as an alias.
BeforeAll {
    Import-Module "$PSScriptRoot/Support/CxpaTest.psm1" -Force
    . "$PSScriptRoot/Support/CxpaTest.Runs.ps1"
    $script:emu = Start-CxpaTestEmulator
    Import-Module Cxpa
    $script:demo = Get-CxpaTestDemo
    $script:key = $demo.IngestKey
    Disconnect-Cxpa
    $script:conn = Connect-Cxpa -BaseUrl $emu.Url -IngestApiKey $key -PassThru
    Disconnect-Cxpa
    $script:size = 256 * 1024

    function Test-BytePattern {
        <# The emulator's file bytes: byte i is (i * 31 + 7) mod 256. Returns the first mismatching offset, or -1. #>
        param([byte[]] $Bytes)
        for ($i = 0; $i -lt $Bytes.Length; $i++) { if ($Bytes[$i] -ne (($i * 31 + 7) % 256)) { return $i } }
        -1
    }
}
AfterAll {
    Disconnect-Cxpa
    Stop-CxpaTestEmulator $script:emu
}

Describe 'Save-CxpaRunOutput -Destination' {
    BeforeEach { $script:stream = [System.IO.MemoryStream]::new() }
    AfterEach { $script:stream.Dispose() }

    It 'writes agent 43''s whole file into a MemoryStream and leaves the stream open' {
        $out = @(Save-CxpaRunOutput -Connection $conn -AgentId 43 -InputObject @{ topic = 'Q3' } -Destination $stream -ErrorVariable errs)
        $errs.Count | Should -Be 0
        $out.Count | Should -Be 1
        $stream.CanWrite | Should -BeTrue
        $stream.Length | Should -Be $size
        $out[0].Length | Should -Be $size
        Test-BytePattern $stream.ToArray() | Should -Be -1
        $row = Invoke-CxpaTestEmulatorApi -Emulator $emu -Path "/_emulator/runs/$($out[0].RunId)"
        $row.agent_id | Should -Be 43
        $row.input_data.topic | Should -Be 'Q3'
    }

    It 'writes the same bytes as -Path saves to a file' {
        $dir = New-CxpaTestFolder
        try {
            $file = Save-CxpaRunOutput -Connection $conn -AgentId 43 -Path $dir
            $null = Save-CxpaRunOutput -Connection $conn -AgentId 43 -Destination $stream
            $fromFile = [System.IO.File]::ReadAllBytes($file.FullName)
            $fromStream = $stream.ToArray()
            $fromStream.Length | Should -Be $fromFile.Length
            [System.Linq.Enumerable]::SequenceEqual($fromStream, $fromFile) | Should -BeTrue
        }
        finally { Remove-Item -LiteralPath $dir -Recurse -Force -ErrorAction SilentlyContinue }
    }

    It 'outputs a Cxpa.SavedRunOutput with RunId, AgentId, FileName, ContentType, Length and ContentDisposition' {
        $saved = Save-CxpaRunOutput -Connection $conn -AgentId 43 -Destination $stream
        $saved | Should -BeOfType ([Cxpa.SavedRunOutput])
        $saved.PSObject.TypeNames[0] | Should -Be 'Cxpa.SavedRunOutput'
        $saved.RunId | Should -BeGreaterOrEqual 1000
        $saved.AgentId | Should -Be 43
        $saved.FileName | Should -Be 'q3-report.pdf'
        $saved.ContentType | Should -Be 'application/pdf'
        $saved.Length | Should -Be $size
        $saved.ContentDisposition | Should -Match '^attachment;.*q3-report\.pdf'
        (Get-Command Save-CxpaRunOutput).OutputType.Type | Should -Contain ([Cxpa.SavedRunOutput])
    }

    It 'shows RunId, AgentId, FileName, ContentType and Length in its default view, with no key' {
        $saved = Save-CxpaRunOutput -Connection $conn -AgentId 43 -Destination $stream
        $text = $saved | Out-String -Width 200
        $text | Should -Match 'RunId\s+AgentId\s+FileName\s+ContentType\s+Length'
        $text | Should -Match "$($saved.RunId)\s+43\s+q3-report\.pdf\s+application/pdf\s+$size"
        $text | Should -Not -Match 'ContentDisposition'
        $saved | Get-CxpaTestAllText | Should -Not -Match ([regex]::Escape($key))
    }

    It 'writes one file after the other into the stream for each pipeline input' {
        $out = @(@{ topic = 'Q1' }, @{ topic = 'Q2' } | Save-CxpaRunOutput -Connection $conn -AgentId 43 -Destination $stream)
        $out.Count | Should -Be 2
        @($out.RunId | Select-Object -Unique).Count | Should -Be 2
        $stream.Length | Should -Be (2 * $size)
        Test-BytePattern ([byte[]]$stream.ToArray()[$size..(2 * $size - 1)]) | Should -Be -1
    }

    It 'downloads through the zone endpoints with -ZoneToken, the agent from the token' {
        $token = New-CxpaZoneToken -Secret $demo.ZoneSecret -Audience $demo.Audience -UserId $demo.UserId -AgentId 43
        $null = Invoke-CxpaTestEmulatorApi -Emulator $emu -Path '/_emulator/requests' -Method Delete
        $saved = Save-CxpaRunOutput -BaseUrl $emu.Url -ZoneToken $token -InputObject @{ topic = 'Q3' } -Destination $stream -ErrorVariable errs
        $errs.Count | Should -Be 0
        $saved.AgentId | Should -Be 43
        $saved.FileName | Should -Be 'q3-report.pdf'
        $stream.Length | Should -Be $size
        Test-BytePattern $stream.ToArray() | Should -Be -1
        (Get-CxpaTestRequest $emu).path | Should -Contain '/api/zones/agents/43/runs/trigger-and-download'
    }

    It 'streams into an HttpListener response that an HttpClient receives in full' {
        $listener = Start-CxpaTestHttpListener
        $client = [System.Net.Http.HttpClient]::new()
        try {
            $get = $client.GetAsync("$(@($listener.Prefixes)[0])report")
            $context = $listener.GetContext()
            $context.Response.ContentType = 'application/pdf'
            $context.Response.SendChunked = $true
            $saved = Save-CxpaRunOutput -Connection $conn -AgentId 43 -Destination $context.Response.OutputStream
            $context.Response.Close()
            $response = $get.GetAwaiter().GetResult()
            [int]$response.StatusCode | Should -Be 200
            $body = $response.Content.ReadAsByteArrayAsync().GetAwaiter().GetResult()
            $saved.Length | Should -Be $size
            $body.Length | Should -Be $size
            Test-BytePattern $body | Should -Be -1
        }
        finally {
            $listener.Stop()
            $client.Dispose()
        }
    }

    It 'a read-only stream is DestinationNotWritable (InvalidArgument) before anything is sent' {
        $readOnly = [System.IO.MemoryStream]::new([byte[]]@(1, 2), $false)
        $before = Get-CxpaTestRequestCount $emu
        $err = $null
        try { Save-CxpaRunOutput -Connection $conn -AgentId 43 -Destination $readOnly } catch { $err = $_ }
        $err | Should -Not -BeNullOrEmpty
        $err.FullyQualifiedErrorId | Should -Be 'DestinationNotWritable,Cxpa.PowerShell.Cmdlets.SaveCxpaRunOutputCommand'
        $err.CategoryInfo.Category | Should -Be 'InvalidArgument'
        $err.Exception.Message | Should -Match 'cannot be written'
        Get-CxpaTestRequestCount $emu | Should -Be $before
        $readOnly.ToArray() | Should -Be @(1, 2)
    }

    It 'a disposed stream is DestinationNotWritable before anything is sent, also with -ZoneToken' {
        $closed = [System.IO.MemoryStream]::new()
        $closed.Dispose()
        $token = New-CxpaZoneToken -Secret $demo.ZoneSecret -Audience $demo.Audience -UserId $demo.UserId -AgentId 43
        $before = Get-CxpaTestRequestCount $emu
        { Save-CxpaRunOutput -Connection $conn -AgentId 43 -Destination $closed } | Should -Throw -ErrorId 'DestinationNotWritable,*'
        { Save-CxpaRunOutput -BaseUrl $emu.Url -ZoneToken $token -Destination $closed } | Should -Throw -ErrorId 'DestinationNotWritable,*'
        Get-CxpaTestRequestCount $emu | Should -Be $before
    }

    It 'a cut body is DownloadIncomplete naming the run, and the stream is left open with the bytes before the cut' {
        $null = Invoke-CxpaTestEmulatorApi -Emulator $emu -Path '/_emulator/faults' -Method Post -Body @{ spec = 'POST /api/agents/43/runs/trigger-and-download:CutDownload:1:1000' }
        try {
            $out = @(Save-CxpaRunOutput -Connection $conn -AgentId 43 -Destination $stream -MaximumRetryCount 0 -ErrorVariable errs -ErrorAction SilentlyContinue)
        }
        finally { $null = Invoke-CxpaTestEmulatorApi -Emulator $emu -Path '/_emulator/faults' -Method Delete }
        $out.Count | Should -Be 0
        $errs.Count | Should -Be 1
        $errs[0].FullyQualifiedErrorId | Should -Be 'DownloadIncomplete,Cxpa.PowerShell.Cmdlets.SaveCxpaRunOutputCommand'
        $errs[0].CategoryInfo.Category | Should -Be 'ReadError'
        $errs[0].Exception | Should -BeOfType ([Cxpa.CxpaDownloadException])
        $errs[0].Exception.RunId | Should -BeGreaterOrEqual 1000
        $errs[0].Exception.Message | Should -Match "run $($errs[0].Exception.RunId)"
        $errs[0].Exception.Message | Should -Match "of $size bytes"
        $stream.CanWrite | Should -BeTrue
        $stream.Length | Should -BeLessOrEqual 1000
        Test-BytePattern $stream.ToArray() | Should -Be -1
    }

    It 'a stop (Ctrl+C) while the platform has not answered ends the command and leaves the stream open and untouched' {
        $null = Invoke-CxpaTestEmulatorApi -Emulator $emu -Path '/_emulator/faults' -Method Post -Body @{ spec = 'POST /api/agents/43/runs/trigger-and-download:Delay:1:60000' }
        $before = Get-CxpaTestRequestCount $emu
        $ps = [powershell]::Create()
        try {
            $null = $ps.AddScript('param($url, $key, $s) Import-Module Cxpa; Save-CxpaRunOutput -BaseUrl $url -IngestApiKey $key -AgentId 43 -Destination $s -MaximumRetryCount 0').
                AddArgument($emu.Url).AddArgument($key).AddArgument($stream)
            $async = $ps.BeginInvoke()
            $deadline = [DateTime]::UtcNow.AddSeconds(30)
            while ((Get-CxpaTestRequestCount $emu) -le $before -and [DateTime]::UtcNow -lt $deadline -and -not $async.IsCompleted) { Start-Sleep -Milliseconds 50 }
            $ps.Stop()
            $ps.InvocationStateInfo.State | Should -Be 'Stopped'
            $stream.CanWrite | Should -BeTrue
            $stream.Length | Should -Be 0
        }
        finally {
            $ps.Dispose()
            $null = Invoke-CxpaTestEmulatorApi -Emulator $emu -Path '/_emulator/faults' -Method Delete
        }
    }

    It 'creates no file: nothing in the current folder, no partial file in the temporary folder' {
        $dir = New-CxpaTestFolder
        $temp = [System.IO.Path]::GetTempPath()
        $partials = @(Get-ChildItem -LiteralPath $temp -Force -Filter '*.partial' -ErrorAction SilentlyContinue).FullName
        Push-Location -LiteralPath $dir
        try { $saved = Save-CxpaRunOutput -Connection $conn -AgentId 43 -Destination $stream }
        finally { Pop-Location }
        $saved.Length | Should -Be $size
        @(Get-ChildItem -LiteralPath $dir -Force).Count | Should -Be 0
        @(Get-ChildItem -LiteralPath $temp -Force -Filter '*.partial' -ErrorAction SilentlyContinue | Where-Object FullName -NotIn $partials).Count | Should -Be 0
        Remove-Item -LiteralPath $dir -Recurse -Force
    }

    It '-WhatIf sends nothing and writes nothing into the stream' {
        $before = Get-CxpaTestRequestCount $emu
        $out = @(Save-CxpaRunOutput -Connection $conn -AgentId 43 -Destination $stream -WhatIf 6>$null)
        $out.Count | Should -Be 0
        Get-CxpaTestRequestCount $emu | Should -Be $before
        $stream.Length | Should -Be 0
    }

    It 'takes -Path or -Destination, not both' {
        $before = Get-CxpaTestRequestCount $emu
        { Save-CxpaRunOutput -Connection $conn -AgentId 43 -Destination $stream -Path ([System.IO.Path]::GetTempPath()) } |
            Should -Throw -ErrorId 'AmbiguousParameterSet,*'
        Get-CxpaTestRequestCount $emu | Should -Be $before
    }
}

Describe 'Save-CxpaRunOutput -WaitTimeoutSeconds' {
    It 'is the wait budget''s name, with -TimeoutSec as its alias' {
        $p = (Get-Command Save-CxpaRunOutput).Parameters['WaitTimeoutSeconds']
        $p | Should -Not -BeNullOrEmpty
        $p.Aliases | Should -Contain 'TimeoutSec'
        (Get-Command Save-CxpaRunOutput).Parameters.Keys | Should -Not -Contain 'TimeoutSec'
    }

    It 'still takes -TimeoutSec, for the file path and the stream path' {
        $stream = [System.IO.MemoryStream]::new()
        $dir = New-CxpaTestFolder
        try {
            $saved = Save-CxpaRunOutput -Connection $conn -AgentId 43 -Destination $stream -TimeoutSec 60 -ErrorVariable errs
            $errs.Count | Should -Be 0
            $saved.Length | Should -Be $size
            $file = Save-CxpaRunOutput -Connection $conn -AgentId 43 -Path $dir -TimeoutSec 60
            $file.Length | Should -Be $size
            (Get-Command Save-CxpaRunOutput).Parameters['WaitTimeoutSeconds'].Aliases | Should -Contain 'TimeoutSec'
        }
        finally {
            $stream.Dispose()
            Remove-Item -LiteralPath $dir -Recurse -Force -ErrorAction SilentlyContinue
        }
    }

    It 'names -WaitTimeoutSeconds when a value is out of range, under either name' {
        foreach ($name in 'WaitTimeoutSeconds', 'TimeoutSec') {
            $params = @{ Connection = $conn; AgentId = 43; Destination = [System.IO.MemoryStream]::new(); $name = 0 }
            $err = $null
            try { Save-CxpaRunOutput @params } catch { $err = $_ }
            $err.FullyQualifiedErrorId | Should -Be 'ParameterArgumentValidationError,Cxpa.PowerShell.Cmdlets.SaveCxpaRunOutputCommand'
            $err.Exception.Message | Should -Match "'WaitTimeoutSeconds'"
        }
    }
}
