# Save-CxpaRunOutput against a hostile file server on real sockets, in its own pwsh process: a body that trickles one byte a
# second, a Content-Length of 2^63-1, a gzip-encoded file, a gzip bomb, Content-Disposition headers that hide a name in
# another parameter or use reserved, bidi and zero-width names, and -BeforeWrite getting the headers before the first byte.
# Every call must end (a 60 s hang guard), leave no temporary file, and fail with a Cxpa error where it fails.

BeforeAll {
    Import-Module "$PSScriptRoot/Support/CxpaTest.psm1" -Force
    $script:demo = Get-CxpaTestDemo
    $script:server = Start-CxpaTestRawServer -TypeName HostileFileServer -Source @'
public sealed class HostileFileServer : RawHttpServer
{
    // The cases, by agent id (/api/agents/<id>/runs/trigger-and-download).
    protected override void Answer(Stream s, RawRequest r)
    {
        switch (r.Segment(3))
        {
            case "601": // 1 byte a second, of a declared 100000
                Head(s, "100000", "attachment; filename=\"slow.bin\"");
                for (int i = 0; i < 100000; i++) { s.WriteByte((byte)'x'); s.Flush(); Thread.Sleep(1000); }
                return;
            case "602": // a Content-Length no file can have, 1000 bytes, then the connection closes
                Head(s, "9223372036854775807", "attachment; filename=\"huge.bin\"");
                s.Write(Pattern(1000), 0, 1000);
                return;
            case "603": // a gzip-encoded file
            {
                var gz = Gzip(Pattern(300000), 1, CompressionLevel.Optimal);
                Head(s, gz.Length.ToString(), "attachment; filename=\"data.bin\"", "Content-Encoding: gzip\r\n");
                s.Write(gz, 0, gz.Length);
                return;
            }
            case "604": // a gzip bomb: 64 MiB of zeros in about 64 KiB
            {
                var gz = Gzip(new byte[64 * 1024 * 1024], 1, CompressionLevel.Optimal);
                Head(s, gz.Length.ToString(), "attachment; filename=\"bomb.bin\"", "Content-Encoding: gzip\r\n");
                s.Write(gz, 0, gz.Length);
                return;
            }
            case "620": // eight saves of one name: each answer waits until all eight requests are in, then all are sent at once
            {
                if (Interlocked.Increment(ref together) % 8 == 0) lock (Gate) { Monitor.PulseAll(Gate); released++; }
                else lock (Gate) { var round = released; while (released == round) if (!Monitor.Wait(Gate, 60000)) return; }
                Named(s, "attachment; filename=\"same.pdf\"", 200000);
                return;
            }
            case "611": Named(s, "attachment; x=\"filename=evil.exe\""); return;
            case "612": Named(s, "attachment; xfilename=\"evil.exe\""); return;
            case "613": Named(s, "attachment; filename=\"CON .txt\""); return;
            case "614": Named(s, "attachment; filename*=UTF-8''%E2%80%8B%E2%80%8B"); return;
            case "615": Named(s, "attachment; filename*=UTF-8''report%E2%81%A6fdp.exe%E2%81%A9.txt"); return;
            case "616": Named(s, "attachment; filename*=UTF-8''a%0D%0ASet-Cookie%3A%20x%3D1%00.pdf"); return;
            default: Json(s, "{\"error\":\"no such case\"}", "404 Not Found"); return;
        }
    }

    static readonly object Gate = new object();
    static int together;
    static int released;

    static void Named(Stream s, string disposition, int size = 5000)
    {
        var data = Pattern(size);
        Head(s, data.Length.ToString(), disposition);
        s.Write(data, 0, data.Length);
    }

    static void Head(Stream s, string length, string disposition, string extra = "")
    {
        var h = "HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nConnection: close\r\nx-run-id: 8001\r\nContent-Length: " + length +
            "\r\nContent-Disposition: " + disposition + "\r\n" + extra + "\r\n";
        var b = Encoding.ASCII.GetBytes(h);
        s.Write(b, 0, b.Length);
        s.Flush();
    }
}
'@
    $script:base = $server.Url
    Import-Module Cxpa

    $script:save = { param($BaseUrl, $Key, $AgentId, $Dir, $Extra) Save-CxpaRunOutput -BaseUrl $BaseUrl -IngestApiKey $Key -AgentId $AgentId -Path $Dir -MaximumRetryCount 0 @Extra }
    function Save-From([long] $AgentId, [string] $Dir, [hashtable] $Extra = @{}) {
        Invoke-CxpaTestGuarded $save @{ BaseUrl = $base; Key = $demo.IngestKey; AgentId = $AgentId; Dir = $Dir; Extra = $Extra }
    }
}

AfterAll {
    Stop-CxpaTestEmulator $script:server
}

Describe 'Save-CxpaRunOutput against a hostile file server' {
    BeforeEach { $script:dir = New-CxpaTestFolder }
    AfterEach { Remove-Item -LiteralPath $dir -Recurse -Force -ErrorAction SilentlyContinue }

    It 'a body that trickles 1 byte a second is a Timeout under -LowSpeedLimit over -LowSpeedTimeSeconds 1, and leaves no file' {
        $r = Save-From 601 $dir @{ LowSpeedLimit = 1024; LowSpeedTimeSeconds = 1 }
        $r.Ended | Should -BeTrue
        $r.Errors.Count | Should -Be 1
        $r.Errors[0].FullyQualifiedErrorId | Should -Be 'Timeout,Cxpa.PowerShell.Cmdlets.SaveCxpaRunOutputCommand'
        $r.Errors[0].Exception | Should -BeOfType ([Cxpa.CxpaTimeoutException])
        $r.Errors[0].Exception.Message | Should -Match 'too slow'
        @(Get-ChildItem -LiteralPath $dir -Force).Count | Should -Be 0
    }

    It 'a Content-Length of 2^63-1 ends as a Cxpa error (not UnexpectedError) and leaves no file' {
        $r = Save-From 602 $dir
        $r.Ended | Should -BeTrue
        $r.Errors.Count | Should -Be 1
        $r.Errors[0].Exception | Should -BeOfType ([Cxpa.CxpaException])
        $r.Errors[0].FullyQualifiedErrorId | Should -Not -BeLike 'UnexpectedError*'
        $r.Errors[0].Exception.RunId | Should -Be 8001
        @(Get-ChildItem -LiteralPath $dir -Force).Count | Should -Be 0
    }

    It 'a gzip-encoded file is saved decoded, as the agent produced it' {
        $r = Save-From 603 $dir
        $r.Errors.Count | Should -Be 0
        $file = $r.Output | Where-Object { $_ -is [System.IO.FileInfo] }
        $file.Name | Should -Be 'data.bin'
        $file.Length | Should -Be 300000
        $bytes = [System.IO.File]::ReadAllBytes($file.FullName)
        $bad = -1
        for ($i = 0; $i -lt $bytes.Length; $i++) { if ($bytes[$i] -ne (($i * 31 + 7) % 256)) { $bad = $i; break } }
        $bad | Should -Be -1
    }

    It 'a gzip bomb is ResponseTooLarge and leaves no file' {
        $r = Save-From 604 $dir
        $r.Ended | Should -BeTrue
        $r.Errors.Count | Should -Be 1
        $r.Errors[0].FullyQualifiedErrorId | Should -Be 'ResponseTooLarge,Cxpa.PowerShell.Cmdlets.SaveCxpaRunOutputCommand'
        $r.Errors[0].Exception.Message | Should -Match 'decompression bomb'
        @(Get-ChildItem -LiteralPath $dir -Force).Count | Should -Be 0
    }

    It 'Content-Disposition <Header> is saved as <Name>' -ForEach @(
        @{ Agent = 611; Header = 'x="filename=evil.exe"'; Name = 'run-8001.bin' }
        @{ Agent = 612; Header = 'xfilename="evil.exe"'; Name = 'run-8001.bin' }
        @{ Agent = 613; Header = 'filename="CON .txt"'; Name = '_CON .txt' }
        @{ Agent = 614; Header = 'a name of two zero-width spaces'; Name = 'download' }
        @{ Agent = 615; Header = 'a name with U+2066 and U+2069'; Name = 'report_fdp.exe_.txt' }
    ) {
        $r = Save-From $Agent $dir
        $r.Errors.Count | Should -Be 0
        @(Get-ChildItem -LiteralPath $dir -Force).Name | Should -Be @($Name)
    }
}

Describe 'Save-CxpaRunOutput saves running at once' {
    It 'eight parallel saves of one server file name into one folder, answered at the same moment, all land under distinct names (round <Round>)' -ForEach @(
        @{ Round = 1 }, @{ Round = 2 }, @{ Round = 3 }
    ) {
        $dir = New-CxpaTestFolder
        try {
            $results = 1..8 | ForEach-Object -ThrottleLimit 8 -Parallel {
                Import-Module Cxpa
                try { Save-CxpaRunOutput -BaseUrl $using:base -IngestApiKey $using:demo.IngestKey -AgentId 620 -Path $using:dir -MaximumRetryCount 0 -WarningAction SilentlyContinue -ErrorAction Stop }
                catch { $_ }
            }
            $errors = @($results | Where-Object { $_ -is [System.Management.Automation.ErrorRecord] } | ForEach-Object { $_.FullyQualifiedErrorId })
            $errors -join ', ' | Should -BeNullOrEmpty
            $files = @(Get-ChildItem -LiteralPath $dir -Force)
            @($files | Where-Object Name -Like '.cxpa-*').Name -join ', ' | Should -BeNullOrEmpty
            $files.Count | Should -Be 8
            @($results.FullName | Sort-Object -Unique).Count | Should -Be 8
            $files.Name | Should -Contain 'same.pdf'
            $files | ForEach-Object { $_.Length | Should -Be 200000 }
        }
        finally { Remove-Item -LiteralPath $dir -Recurse -Force -ErrorAction SilentlyContinue }
    }
}

Describe 'Save-CxpaRunOutput -Destination -BeforeWrite' {
    It 'gets the headers before the first byte, with a name cleaned of CR, LF and control characters' {
        $r = Invoke-CxpaTestGuarded {
            param($BaseUrl, $Key)
            $ms = [System.IO.MemoryStream]::new()
            $seen = [System.Collections.Generic.List[object]]::new()
            $out = Save-CxpaRunOutput -BaseUrl $BaseUrl -IngestApiKey $Key -AgentId 616 -Destination $ms -MaximumRetryCount 0 -BeforeWrite {
                param($file)
                $seen.Add([pscustomobject]@{ StreamLength = $ms.Length; FileName = $file.FileName; Disposition = $file.AttachmentDisposition; ContentLength = $file.ContentLength; ContentType = $file.ContentType })
            }
            [pscustomobject]@{ Seen = $seen; Out = $out; Written = $ms.Length }
        } @{ BaseUrl = $base; Key = $demo.IngestKey }
        $r.Errors.Count | Should -Be 0
        $res = $r.Output[0]
        $res.Seen.Count | Should -Be 1
        $res.Seen[0].StreamLength | Should -Be 0
        $res.Seen[0].ContentLength | Should -Be 5000
        $res.Seen[0].ContentType | Should -Be 'application/octet-stream'
        $res.Seen[0].FileName | Should -Be 'a__Set-Cookie_ x=1_.pdf'
        $res.Seen[0].Disposition | Should -Not -Match '[\x00-\x1f\x7f]'
        $res.Seen[0].Disposition | Should -BeLike 'attachment; filename="a__Set-Cookie_ x=1_.pdf"; filename*=UTF-8''''*'
        $res.Written | Should -Be 5000
        $res.Out.Length | Should -Be 5000
    }
}
