# Every ```powershell block of docs/*.md runs in the real pwsh against a fresh emulator, so the documentation cannot rot.
# Each block gets its own emulator (in this pwsh, Start-CxpaEmulator) with runs 1000 and 1001 of agent 42 already there (two triggers with the demo
# key), $env:CXPA_API_URL, CXPA_INGEST_KEY, ZONE_JWT_SECRET and AUDIENCE_ID pointing at it, CXPA_AGENT_API_KEY set to
# the agent API key of agent 48 (from the emulator's demo data, for the runtime examples), and a new temporary folder
# as location. A block right after a line starting with "<!-- example: not run" is skipped (it needs something a test
# run cannot have, e.g. a server on a fixed port); the marker says why.
#
# How a block runs: in a new runspace of this pwsh process (a fresh session state with Cxpa imported by name), not in a
# fresh pwsh process. A fresh pwsh costs 3-6 s to start on the CI machines, and there are 40+ blocks; a runspace costs
# ~0.1 s and runs the same engine and the same installed module. Its error stream and any terminating error are collected.
# examples/*.ps1 run in fresh pwsh processes (Examples.Tests.ps1).

BeforeDiscovery {
    function Get-DocBlock {
        # The same selection as the docs have always used: every ```powershell fence, numbered from 1 per file.
        $docs = Join-Path $PSScriptRoot '../../docs'
        $files = [string[]]@((Get-ChildItem -Path $docs -Filter '*.md' -File).FullName)
        [Array]::Sort($files, [StringComparer]::Ordinal)
        foreach ($file in $files) {
            $text = [System.IO.File]::ReadAllText($file)
            $n = 0
            foreach ($m in [regex]::Matches($text, '```powershell\r?\n(.*?)```', 'Singleline')) {
                ++$n
                $before = $text.Substring(0, $m.Index).TrimEnd()
                $lastLine = $before.Substring($before.LastIndexOf("`n") + 1)
                @{
                    File     = [System.IO.Path]::GetFileName($file)
                    Index    = $n
                    Code     = $m.Groups[1].Value
                    Runnable = -not $lastLine.StartsWith('<!-- example: not run', [StringComparison]::Ordinal)
                }
            }
        }
    }
    $script:allBlocks = @(Get-DocBlock)
    $script:blocks = @($allBlocks | Where-Object Runnable)
    # Runnable blocks per page, for the count test.
    $script:perPage = @{}
    foreach ($b in $blocks) { $perPage[$b.File] = 1 + [int]$perPage[$b.File] }
}

BeforeAll {
    Import-Module "$PSScriptRoot/Support/CxpaTest.psm1" -Force
    Import-Module Cxpa, Cxpa.Emulator
    $script:demo = Get-CxpaTestDemo
    $script:savedEnvironment = @{}
    foreach ($name in 'CXPA_API_URL', 'CXPA_INGEST_KEY', 'ZONE_JWT_SECRET', 'AUDIENCE_ID', 'CXPA_AGENT_API_KEY') {
        $script:savedEnvironment[$name] = [Environment]::GetEnvironmentVariable($name)
    }
}

AfterAll {
    foreach ($name in $script:savedEnvironment.Keys) { [Environment]::SetEnvironmentVariable($name, $script:savedEnvironment[$name]) }
}

Describe 'The cmdlet pages' {
    It 'has at least two runnable examples on the page of every cmdlet' -TestCases @{ PerPage = $perPage } {
        $commands = @(Get-Command -Module Cxpa, Cxpa.Emulator -CommandType Cmdlet)
        $commands.Count | Should -BeGreaterThan 0
        $short = foreach ($c in $commands) {
            $count = [int]$PerPage["$($c.Name).md"]
            if ($count -lt 2) { "$($c.Name).md has $count runnable example(s)" }
        }
        $short | Should -BeNullOrEmpty
    }
}

Describe 'docs/<File>' -ForEach @($blocks | Group-Object { $_.File } | ForEach-Object { @{ File = $_.Name; Blocks = @($_.Group) } }) {
    BeforeEach {
        # The Connect-Cxpa default is one per process: a block's Connect-Cxpa would otherwise outlive its runspace and
        # point the next block at an emulator that has stopped. Each block starts unconnected, as a fresh process does.
        Disconnect-Cxpa
        $script:emu = Start-CxpaTestEmulator
        # The runs the examples read: 1000 and 1001 of agent 42.
        foreach ($i in 1..2) {
            $null = Invoke-CxpaTestEmulatorApi -Emulator $script:emu -Path 'api/agents/42/runs/trigger' -Method Post -Body @{ input = @{} } -WithKey
        }
        [Environment]::SetEnvironmentVariable('CXPA_API_URL', $script:emu.Url)
        [Environment]::SetEnvironmentVariable('CXPA_INGEST_KEY', $script:demo.IngestKey)
        [Environment]::SetEnvironmentVariable('ZONE_JWT_SECRET', $script:demo.ZoneSecret)
        [Environment]::SetEnvironmentVariable('AUDIENCE_ID', $script:demo.Audience)
        $agent48 = (Invoke-CxpaTestEmulatorApi -Emulator $script:emu -Path '_emulator/demo').agents | Where-Object id -eq 48
        [Environment]::SetEnvironmentVariable('CXPA_AGENT_API_KEY', $agent48.agentApiKey)
        $script:folder = New-CxpaTestFolder
    }

    AfterEach {
        Stop-CxpaTestEmulator $script:emu
        Remove-Item -LiteralPath $script:folder -Recurse -Force -ErrorAction SilentlyContinue
    }

    It 'example #<Index> runs without errors' -ForEach $Blocks {
        $rs = [runspacefactory]::CreateRunspace([initialsessionstate]::CreateDefault2())
        $ps = [powershell]::Create()
        try {
            $rs.Open()
            $null = $rs.SessionStateProxy.Path.SetLocation($script:folder)
            $ps.Runspace = $rs
            $null = $ps.AddScript('Import-Module Cxpa -ErrorAction Stop').AddStatement().AddScript($Code)
            $thrown = $null
            $async = $ps.BeginInvoke()
            if (-not $async.AsyncWaitHandle.WaitOne([TimeSpan]::FromSeconds(120))) {
                $ps.Stop()
                $thrown = 'did not finish in 120 s'
            }
            else {
                try { $null = $ps.EndInvoke($async) }
                catch { $thrown = $_.Exception.InnerException ?? $_.Exception }
            }
            $errors = @($ps.Streams.Error | ForEach-Object {
                "$($_.FullyQualifiedErrorId): $(if ($_.ErrorDetails) { $_.ErrorDetails.Message } else { $_.Exception.Message })"
            })
        }
        finally {
            $ps.Dispose()
            $rs.Dispose()
        }
        $because = "docs/$File example #$Index`n$Code"
        "$thrown" | Should -BeNullOrEmpty -Because $because
        $errors | Should -BeNullOrEmpty -Because $because
    }
}
