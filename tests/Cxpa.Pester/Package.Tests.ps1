# The Gallery package as a user finds and installs it (Invoke-CxpaPester.ps1 packed it into a folder registered as the
# PSResourceGet repository CxpaLocal and ran Install-PSResource Cxpa with HOME set to a temporary folder).
# The package's nuspec is generated from Cxpa.psd1 and src/Cxpa.Package/RELEASENOTES.md (build/Nuspec.targets). For a folder repository
# PSResourceGet reads the Cxpa.psd1 inside the package rather than the nuspec, so Find-PSResource is checked against
# the manifest and the nuspec (what the Gallery reads) is checked on its own.

BeforeAll {
    Import-Module "$PSScriptRoot/Support/CxpaTest.psm1" -Force
    $script:root = Get-CxpaTestRoot
    $script:manifest = Import-PowerShellDataFile -LiteralPath (Join-Path $script:root 'Cxpa.psd1')
    $script:psData = $script:manifest.PrivateData.PSData
    $script:version = $script:manifest.ModuleVersion
    $script:cmdlets = @($script:manifest.CmdletsToExport)

    # This version's section of the user-facing release notes: the lines after its '## <version>' (or '## [<version>]')
    # heading up to the next '## ' heading.
    $script:packageDocs = Join-Path $script:root 'src/Cxpa.Package'
    $lines = (Get-Content -Raw -LiteralPath (Join-Path $script:packageDocs 'RELEASENOTES.md')) -split '\r?\n'
    $start = -1
    for ($i = 0; $i -lt $lines.Count; $i++) {
        $heading = $lines[$i] -replace '^##\s+', '' -replace '^\[([^\]]+)\].*$', '$1' -replace '\s.*$', ''
        if ($lines[$i].StartsWith('## ') -and $heading -eq $script:version) { $start = $i + 1; break }
    }
    if ($start -lt 0) { throw "RELEASENOTES.md has no section for $($script:version)." }
    $end = $start
    while ($end -lt $lines.Count -and -not $lines[$end].StartsWith('## ')) { $end++ }
    $script:releaseNotes = ($lines[$start..($end - 1)] -join "`n").Trim()

    # The nuspec the Gallery would read, from the package in the repository folder.
    Add-Type -AssemblyName System.IO.Compression.FileSystem
    $script:nupkg = Join-Path $env:CXPA_TEST_REPOSITORY "Cxpa.$($script:version).nupkg"
    $zip = [System.IO.Compression.ZipFile]::OpenRead($script:nupkg)
    try {
        $reader = [System.IO.StreamReader]::new($zip.GetEntry('Cxpa.nuspec').Open())
        try { $script:nuspec = ([xml]$reader.ReadToEnd()).package.metadata } finally { $reader.Dispose() }
    }
    finally { $zip.Dispose() }

    $script:found = Find-PSResource -Name Cxpa -Repository CxpaLocal
    $script:installed = Get-InstalledPSResource -Name Cxpa
    $script:moduleBase = Join-Path $script:installed.InstalledLocation "Cxpa/$($script:version)"

    Import-Module Cxpa
}

AfterAll { Remove-Module Cxpa -ErrorAction SilentlyContinue }

Describe 'Find-PSResource Cxpa -Repository CxpaLocal' {
    It 'finds one module Cxpa at the manifest''s version, with its author, company, copyright and description' {
        @($script:found).Count | Should -Be 1
        $script:found.Name | Should -BeExactly 'Cxpa'
        $script:found.Type | Should -Be 'Module'
        $script:found.Repository | Should -BeExactly 'CxpaLocal'
        $script:found.Version | Should -Be ([version]$script:version)
        $script:found.Author | Should -BeExactly $script:manifest.Author
        $script:found.CompanyName | Should -BeExactly $script:manifest.CompanyName
        $script:found.Copyright | Should -BeExactly $script:manifest.Copyright
        $script:found.Description | Should -BeExactly $script:manifest.Description
    }

    It 'has every manifest tag, in order, including the PSEdition_ tags' {
        $script:psData.Tags | Should -Contain 'PSEdition_Core'
        $script:psData.Tags | Should -Contain 'PSEdition_Desktop'
        $script:found.Tags | Should -Be $script:psData.Tags
    }

    It 'has the project and license URLs of the manifest, and no icon URL (there is no icon to point at)' {
        $script:found.ProjectUri | Should -Be ([uri]$script:psData.ProjectUri)
        $script:found.LicenseUri | Should -Be ([uri]$script:psData.LicenseUri)
        $script:psData.Keys | Should -Not -Contain 'IconUri'
        $script:found.IconUri | Should -BeNullOrEmpty
    }

    It 'has a copyright that agrees with the MIT license (no "All rights reserved")' {
        $script:manifest.Copyright | Should -Not -Match 'All rights reserved'
        $script:manifest.Copyright | Should -Match 'MIT'
        Get-Content -Raw -LiteralPath (Join-Path $script:root 'LICENSE') | Should -Match '^MIT License'
    }

    It 'has this version''s RELEASENOTES.md section (the user-facing summary, not the developer changelog) as its release notes' {
        $script:releaseNotes | Should -Not -Match 'Stryker|xunit|src/|build/|Pester'
        $script:releaseNotes | Should -Match 'First release'
        ($script:found.ReleaseNotes -replace '\r\n', "`n").Trim() | Should -BeExactly $script:releaseNotes
    }

    It 'lists every cmdlet of the manifest as included cmdlets and commands' {
        $script:cmdlets.Count | Should -BeGreaterThan 0
        @($script:found.Includes.Cmdlet) | Should -Be $script:cmdlets
        @($script:found.Includes.Command) | Sort-Object | Should -Be ($script:cmdlets | Sort-Object)
    }

    It 'shows Name, Version, Repository and Description in its default view' {
        $text = $script:found | Out-String -Width 250
        $header = ($text -split '\r?\n' | Where-Object { $_ -match '^Name\s' })
        $header | Should -Match '^Name\s+Version\s+Prerelease\s+Repository\s+Description'
        $row = ($text -split '\r?\n' | Where-Object { $_ -match '^Cxpa\s' })
        $row | Should -Match ('^Cxpa\s+' + [regex]::Escape($script:version) + '\s+CxpaLocal\s+' + [regex]::Escape($script:manifest.Description.Substring(0, 40)))
    }
}

Describe 'The package''s nuspec (what the PowerShell Gallery reads)' {
    It 'has the Publish-Module tags: the manifest''s, PSModule, PSIncludes_Cmdlet, then PSCmdlet_ and PSCommand_ for every cmdlet' {
        $expected = @($script:psData.Tags) + 'PSModule' + 'PSIncludes_Cmdlet' +
            @($script:cmdlets | ForEach-Object { "PSCmdlet_$_" }) + @($script:cmdlets | ForEach-Object { "PSCommand_$_" })
        $script:nuspec.tags -split ' ' | Should -Be $expected
    }

    It 'has the manifest''s metadata, the RELEASENOTES.md section as release notes and no dependencies' {
        $script:nuspec.id | Should -BeExactly 'Cxpa'
        $script:nuspec.version | Should -BeExactly $script:version
        $script:nuspec.authors | Should -BeExactly $script:manifest.Author
        $script:nuspec.owners | Should -BeExactly $script:manifest.CompanyName
        $script:nuspec.copyright | Should -BeExactly $script:manifest.Copyright
        $script:nuspec.description | Should -BeExactly $script:manifest.Description
        $script:nuspec.requireLicenseAcceptance | Should -BeExactly 'false'
        $script:nuspec.licenseUrl | Should -BeExactly $script:psData.LicenseUri
        $script:nuspec.projectUrl | Should -BeExactly $script:psData.ProjectUri
        $script:nuspec.iconUrl | Should -BeNullOrEmpty
        ($script:nuspec.releaseNotes -replace '\r\n', "`n").Trim() | Should -BeExactly $script:releaseNotes
        $script:nuspec.dependencies | Should -BeNullOrEmpty
    }
}

Describe 'The installed module' {
    It 'is installed for the current user under $HOME at the manifest''s version' {
        @($script:installed).Count | Should -Be 1
        $script:installed.Version | Should -Be ([version]$script:version)
        $script:installed.Repository | Should -BeExactly 'CxpaLocal'
        $home | Should -Not -BeNullOrEmpty
        $script:installed.InstalledLocation | Should -BeLike "$home*"
        Join-Path $script:moduleBase 'Cxpa.psd1' | Should -Exist
    }

    It 'holds LICENSE, README.md, RELEASENOTES.md, the manifest and the en-US help beside each other, and no developer changelog' {
        foreach ($name in 'LICENSE', 'README.md', 'RELEASENOTES.md', 'Cxpa.psd1', 'en-US/Cxpa.PowerShell.dll-Help.xml', 'en-US/about_Cxpa.help.txt') {
            Join-Path $script:moduleBase $name | Should -Exist
        }
        Join-Path $script:moduleBase 'CHANGELOG.md' | Should -Not -Exist
        Get-Content -Raw -LiteralPath (Join-Path $script:moduleBase 'LICENSE') | Should -BeExactly (Get-Content -Raw -LiteralPath (Join-Path $script:root 'LICENSE'))
        foreach ($name in 'README.md', 'RELEASENOTES.md') {
            Get-Content -Raw -LiteralPath (Join-Path $script:moduleBase $name) | Should -BeExactly (Get-Content -Raw -LiteralPath (Join-Path $script:packageDocs $name))
        }
        Get-ChildItem -LiteralPath $script:moduleBase -Recurse -Filter '*.pdb' | Should -BeNullOrEmpty
    }

    It 'is the only Cxpa that Get-Module -ListAvailable finds' {
        $available = @(Get-Module -Name Cxpa -ListAvailable)
        $available.Count | Should -Be 1
        $available[0].ModuleBase | Should -Be $script:moduleBase
        $available[0].Version | Should -Be ([version]$script:version)
    }

    It 'passes Test-ModuleManifest, exports the manifest''s cmdlets, carries the release notes and no HelpInfoURI (help ships in the package, Update-Help has nothing to fetch)' {
        $m = Test-ModuleManifest -Path (Join-Path $script:moduleBase 'Cxpa.psd1') -ErrorAction Stop
        @($m.ExportedCmdlets.Keys) | Sort-Object | Should -Be ($script:cmdlets | Sort-Object)
        $m.HelpInfoUri | Should -BeNullOrEmpty
        $m.IconUri | Should -BeNullOrEmpty
        ($m.ReleaseNotes -replace '\r\n', "`n").Trim() | Should -BeExactly $script:releaseNotes
    }

    It 'imports by name and gives the manifest''s cmdlets from the installed folder' {
        $module = Get-Module Cxpa
        $module.ModuleBase | Should -Be $script:moduleBase
        $commands = @(Get-Command -Module Cxpa)
        $commands | ForEach-Object CommandType | Sort-Object -Unique | Should -Be 'Cmdlet'
        @($commands.Name) | Sort-Object | Should -Be ($script:cmdlets | Sort-Object)
        (Get-Help Start-CxpaRun).Synopsis | Should -Not -BeNullOrEmpty
    }

    It 'keeps its cmdlets through Import-Module -Force, Remove-Module and a new import in one session' {
        $r = Invoke-CxpaTestPwsh -Script @'
$ErrorActionPreference = 'Stop'
Import-Module Cxpa
"first=$((Get-Command -Module Cxpa).Count)"
Import-Module Cxpa -Force
"force=$((Get-Command -Module Cxpa).Count)"
Remove-Module Cxpa
Import-Module Cxpa
"again=$((Get-Command -Module Cxpa).Count)"
Import-Module Cxpa -Force
"force2=$((Get-Command -Module Cxpa).Count)"
try { Get-CxpaRun -BaseUrl 'not a url' -IngestApiKey 'k' -AgentId 42 -RunId 1 } catch { "error=$($_.FullyQualifiedErrorId)" }
'@
        $r.Errors | Should -BeNullOrEmpty
        $r.ExitCode | Should -Be 0
        $n = $script:cmdlets.Count
        $r.Output[0..3] | Should -Be @("first=$n", "force=$n", "again=$n", "force2=$n")
        # The cmdlets answer (a bad URL is refused before sending), not "not recognized".
        $r.Output[4] | Should -Match '^error=.+,Cxpa\.PowerShell\.'
    }
}

Describe 'The README inside the package' {
    It 'is written for someone who installed the module: no links into the repository''s src/, build/ or relative docs/' {
        $text = Get-Content -Raw -LiteralPath (Join-Path $script:moduleBase 'README.md')
        $text | Should -Not -Match '\]\((?!https?://)[^)]*\)'
        $text | Should -Not -Match '(?<![\w/.])(src|build|docs|tests)/'
        $text | Should -Not -Match 'dotnet (run|build|pack|test)'
        $text | Should -Match 'Get-Help about_Cxpa'
    }
}
