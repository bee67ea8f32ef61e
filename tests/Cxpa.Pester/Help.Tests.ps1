# The help users get from the installed module: Get-Help for every exported cmdlet (synopsis, description, examples,
# parameters, related links), Get-Help -Online, the cmdlets' HelpUri and the about_Cxpa topic.

BeforeDiscovery {
    $manifest = Import-PowerShellDataFile -LiteralPath (Join-Path $env:CXPA_TEST_ROOT 'Cxpa.psd1')
    $script:cmdlets = @($manifest.CmdletsToExport | ForEach-Object { @{ Name = $_ } })

    # Cmdlets that work together link each other under RELATED LINKS.
    $script:together = @(
        @{ From = 'Start-CxpaRun'; To = @('Wait-CxpaRun', 'Get-CxpaRun', 'Save-CxpaRunOutput', 'Connect-Cxpa') }
        @{ From = 'Wait-CxpaRun'; To = @('Start-CxpaRun', 'Get-CxpaRun') }
        @{ From = 'Get-CxpaRun'; To = @('Start-CxpaRun', 'Wait-CxpaRun') }
        @{ From = 'Save-CxpaRunOutput'; To = @('Start-CxpaRun') }
        @{ From = 'Test-CxpaZoneToken'; To = @('New-CxpaZoneToken') }
        @{ From = 'New-CxpaZoneToken'; To = @('Test-CxpaZoneToken') }
        @{ From = 'Register-CxpaRun'; To = @('Send-CxpaRunEvent', 'Get-CxpaCredential', 'Send-CxpaIngest') }
        @{ From = 'Send-CxpaIngest'; To = @('Register-CxpaRun') }
        @{ From = 'Connect-Cxpa'; To = @('Disconnect-Cxpa', 'Get-CxpaConnection') }
        @{ From = 'Disconnect-Cxpa'; To = @('Connect-Cxpa', 'Get-CxpaConnection') }
        @{ From = 'Get-CxpaConnection'; To = @('Connect-Cxpa', 'Disconnect-Cxpa') }
    )
}

BeforeAll {
    Import-Module "$PSScriptRoot/Support/CxpaTest.psm1" -Force
    Import-Module Cxpa

    $script:docsUrl = 'https://github.com/cxpa/cxpa-powershell/blob/main/docs/'
    $script:exported = @((Get-Module Cxpa).ExportedCmdlets.Keys)

    # The text of a docs page's '## <section>' (up to the next '## '), and a front matter value.
    function Get-DocSection([string] $Name, [string] $Section) {
        $text = Get-Content -Raw -LiteralPath (Join-Path $env:CXPA_TEST_ROOT "docs/$Name.md")
        if ($text -match "(?ms)^## $([regex]::Escape($Section))\r?\n(.*?)(?=^## |\z)") { $Matches[1].Trim() } else { $null }
    }
    function Get-DocFrontMatter([string] $Name, [string] $Key) {
        $text = Get-Content -Raw -LiteralPath (Join-Path $env:CXPA_TEST_ROOT "docs/$Name.md")
        if ($text -match "(?m)^$([regex]::Escape($Key)):[ \t]*(.*?)\r?$") { $Matches[1] } else { $null }
    }
}

Describe 'Get-Help <Name>' -ForEach $cmdlets {
    BeforeAll {
        $script:help = Get-Help $Name -Full
        $script:text = $help | Out-String -Width 10000
        $script:command = Get-Command $Name
    }

    It 'comes from the installed module''s help file, not the syntax-only stub' {
        $help.Name | Should -Be $Name
        $help.ModuleName | Should -Be 'Cxpa'
        Join-Path $command.Module.ModuleBase 'en-US/Cxpa.PowerShell.dll-Help.xml' | Should -Exist
        (Get-Module Cxpa).ModuleBase | Should -BeLike "$HOME*"
        # Without a help file Get-Help makes the synopsis up from the syntax: "Name [-Param <type>] ... [<CommonParameters>]".
        $help.Synopsis | Should -Not -BeLike "*<CommonParameters>*"
        $help.Synopsis | Should -Not -BeLike "$Name *"
    }

    It 'shows the SYNOPSIS and DESCRIPTION of its docs page' {
        $synopsis = (Get-DocSection $Name 'SYNOPSIS') -replace '\s+', ' '
        $synopsis | Should -Not -BeNullOrEmpty
        $help.Synopsis | Should -Be $synopsis
        $text | Should -Match "(?m)^SYNOPSIS\s*\r?\n\s+$([regex]::Escape($synopsis))"
        $description = @($help.description | ForEach-Object Text) -join "`n"
        $description.Trim() | Should -Not -BeNullOrEmpty
        $firstParagraph = ((Get-DocSection $Name 'DESCRIPTION') -split '\r?\n\r?\n')[0].Trim()
        $description | Should -BeLike "$firstParagraph*"
        $text | Should -Match '(?m)^DESCRIPTION\s*$'
        $text | Should -BeLike "*$firstParagraph*"
    }

    It 'shows at least two examples that use the cmdlet' {
        $examples = @($help.examples.example)
        $examples.Count | Should -BeGreaterOrEqual 2
        foreach ($e in $examples) {
            $e.title | Should -Match 'Example \d+: \S'
            $e.code | Should -BeLike "*$Name*"
            $text | Should -BeLike "*$($e.title.Trim('- '))*"
        }
    }

    It 'describes every parameter the cmdlet has' {
        $common = [System.Management.Automation.PSCmdlet]::CommonParameters
        $names = @($command.Parameters.Keys | Where-Object { $common -notcontains $_ })
        $documented = @($help.parameters.parameter | Where-Object { $_.name })
        # The same parameters as the cmdlet, nothing missing and nothing the cmdlet does not have (none for some cmdlets).
        @($documented.name | Sort-Object) | Should -Be @($names | Sort-Object)
        foreach ($p in $names) {
            $doc = $documented | Where-Object name -EQ $p
            $doc | Should -Not -BeNullOrEmpty -Because "-$p of $Name needs a help entry"
            (@($doc.description | ForEach-Object Text) -join ' ').Trim() | Should -Not -BeNullOrEmpty -Because "-$p of $Name needs a description"
            $text | Should -Match "(?m)^\s+-$p\b" -Because "Get-Help -Full lists -$p"
        }
    }

    It 'has a HelpUri: its docs page, which exists in the repository' {
        $command.HelpUri | Should -Be "$docsUrl$Name.md"
        $uri = [uri] $command.HelpUri
        $uri.Scheme | Should -Be 'https'
        # https://github.com/cxpa/cxpa-powershell/blob/main/<path> is <path> in this repository.
        $command.HelpUri -match '^https://github\.com/cxpa/cxpa-powershell/blob/main/(?<path>.+)$' | Should -BeTrue
        $path = $Matches.path
        $path | Should -Be "docs/$Name.md"
        Join-Path $env:CXPA_TEST_ROOT $path | Should -Exist
    }

    It 'names the HelpUri as the online version of its docs page' {
        Get-DocFrontMatter $Name 'online version' | Should -Be $command.HelpUri
    }

    It 'lists RELATED LINKS: the online version first, then Cxpa help topics by name' {
        $links = @($help.relatedLinks.navigationLink)
        $links.Count | Should -BeGreaterOrEqual 3
        $links[0].linkText | Should -Be 'Online Version:'
        $links[0].uri | Should -Be $command.HelpUri
        $text | Should -Match "(?m)^RELATED LINKS\s*\r?\n\s+Online Version: $([regex]::Escape($command.HelpUri))\s*$"
        foreach ($l in $links | Select-Object -Skip 1) {
            $l.uri | Should -BeNullOrEmpty
            $l.linkText | Should -BeIn (@($exported) + 'about_Cxpa')
            $l.linkText | Should -Not -Be $Name
            # Get-Help resolves the link by name.
            (Get-Help $l.linkText | Out-String) | Should -Not -BeNullOrEmpty
            $text | Should -Match "(?m)^\s+$([regex]::Escape($l.linkText))\s*$"
        }
        $links[-1].linkText | Should -Be 'about_Cxpa'
        @($links | Where-Object { $exported -contains $_.linkText }).Count | Should -BeGreaterOrEqual 1
    }
}

Describe 'RELATED LINKS of <From>' -ForEach $together {
    It 'links <To>' {
        $texts = @((Get-Help $From).relatedLinks.navigationLink.linkText)
        foreach ($t in $To) { $texts | Should -Contain $t }
    }
}

Describe 'Get-Help -Online' {
    BeforeAll {
        # A stand-in for the browser launcher: Get-Help -Online starts xdg-open with the URI on Linux; this one records it.
        $script:fake = New-CxpaTestFolder
        $script:opened = Join-Path $fake 'opened'
        $null = New-Item -ItemType Directory -Path $opened
        $launcher = Join-Path $fake 'xdg-open'
        Set-Content -LiteralPath $launcher -NoNewline -Value @'
#!/bin/sh
printf '%s\n' "$*" > "$CXPA_TEST_OPENED/$$.tmp" && mv "$CXPA_TEST_OPENED/$$.tmp" "$CXPA_TEST_OPENED/$$.uri"

'@
        if ($IsLinux) { chmod +x $launcher }
        $names = @((Get-Module Cxpa).ExportedCmdlets.Keys | Sort-Object)
        $script:result = Invoke-CxpaTestPwsh -Environment @{ PATH = "$fake$([System.IO.Path]::PathSeparator)$env:PATH"; CXPA_TEST_OPENED = $opened } -Script @"
`$ErrorActionPreference = 'Stop'
Import-Module Cxpa
foreach (`$name in '$($names -join "','")') {
    `$before = @(Get-ChildItem -LiteralPath `$env:CXPA_TEST_OPENED -Filter *.uri).Count
    Get-Help `$name -Online
    `$deadline = [DateTime]::UtcNow.AddSeconds(30)
    while (@(Get-ChildItem -LiteralPath `$env:CXPA_TEST_OPENED -Filter *.uri).Count -eq `$before -and [DateTime]::UtcNow -lt `$deadline) { Start-Sleep -Milliseconds 20 }
    `$file = Get-ChildItem -LiteralPath `$env:CXPA_TEST_OPENED -Filter *.uri | Sort-Object LastWriteTimeUtc | Select-Object -Last 1
    `$uri = if (`$file) { (Get-Content -Raw -LiteralPath `$file.FullName).Trim() } else { '' }
    if (`$file) { Remove-Item -LiteralPath `$file.FullName }
    `$name + '|' + `$uri
}
"@
        $script:openedBy = @{}
        foreach ($line in $result.Output) { $n, $u = "$line" -split '\|', 2; $openedBy[$n] = $u }
    }
    AfterAll { Remove-Item -LiteralPath $fake -Recurse -Force -ErrorAction SilentlyContinue }

    It 'opens the HelpUri of <Name>' -ForEach $cmdlets -Skip:(-not $IsLinux) {
        $result.ExitCode | Should -Be 0 -Because $result.Errors
        $openedBy[$Name] | Should -Be "$docsUrl$Name.md"
        $openedBy[$Name] | Should -Be (Get-Command $Name).HelpUri
    }
}

Describe 'Get-Help about_Cxpa' {
    BeforeAll {
        $script:about = Get-Help about_Cxpa
        $script:aboutText = $about | Out-String -Width 10000
    }

    It 'is the installed about topic' {
        $about | Should -Not -BeNullOrEmpty
        $aboutText.TrimStart() | Should -BeLike 'TOPIC*about_Cxpa*'
        $aboutText | Should -Match '(?m)^SHORT DESCRIPTION\s*$'
        Join-Path (Get-Module Cxpa).ModuleBase 'en-US/about_Cxpa.help.txt' | Should -Exist
    }

    It 'lists every exported cmdlet and the online docs under SEE ALSO' {
        $aboutText -match '(?ms)^SEE ALSO\s*\r?\n(?<see>.*?)^KEYWORDS' | Should -BeTrue
        $seeAlso = $Matches.see
        foreach ($n in $exported) { $seeAlso | Should -Match "(?m)^\s+- $n\s*$" }
        $seeAlso | Should -BeLike '*https://github.com/cxpa/cxpa-powershell/tree/main/docs*'
    }

    It 'mentions every exported cmdlet' {
        $exported.Count | Should -Be 14
        foreach ($n in $exported) { $aboutText | Should -BeLike "*$n*" }
    }
}
