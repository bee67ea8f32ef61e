using System.Collections;
using System.Diagnostics;
using System.IO.Compression;
using System.Xml.Linq;

namespace Cxpa.PowerShell.Tests;

/// <summary>The manifest and the PowerShell Gallery package, as a user installs it.</summary>
public sealed class PackageTests : IClassFixture<EmulatorFixture>
{
    private readonly EmulatorFixture _emu;
    public PackageTests(EmulatorFixture emu) => _emu = emu;

    [Fact]
    public void Staged_manifest_passes_TestModuleManifest_and_exports_every_cmdlet_explicitly()
    {
        var r = PowerShellHost.Run("$m = Test-ModuleManifest -Path $path -ErrorAction Stop; $m; $m.ExportedCmdlets.Keys", new Dictionary<string, object?> { ["path"] = PowerShellHost.ModulePath }, import: false);
        Assert.Null(r.Thrown);
        Assert.Empty(r.Errors);
        var m = r.Output[0];
        // The staged manifest exports exactly the repository manifest's list.
        Assert.NotEmpty(ModuleManifest.Cmdlets);
        Assert.Equal(ModuleManifest.Cmdlets.OrderBy(x => x), r.Output.Skip(1).Select(o => o.BaseObject.ToString()!).OrderBy(x => x));
        Assert.Equal("5.1", m.Properties["PowerShellVersion"].Value.ToString());
        Assert.Equal("4.7.2", m.Properties["DotNetFrameworkVersion"].Value.ToString());
        var editions = (IEnumerable<string>)m.Properties["CompatiblePSEditions"].Value;
        Assert.Equal(new[] { "Core", "Desktop" }, editions.OrderBy(x => x));
        var manifest = File.ReadAllText(ModuleManifest.FilePath);
        Assert.DoesNotContain("'*'", manifest);
        foreach (var key in new[] { "Tags", "ProjectUri", "LicenseUri", "ReleaseNotes", "FormatsToProcess", "TypesToProcess" }) Assert.Contains(key, manifest);
        // No icon exists to point at, and help ships in the package (no HelpInfo.xml for Update-Help): neither field is set.
        Assert.Null(m.Properties["HelpInfoUri"].Value);
        Assert.Null(m.Properties["IconUri"].Value);
        Assert.DoesNotContain("All rights reserved", manifest);
    }


    /// <summary>This version's section of src/Cxpa.Package/RELEASENOTES.md: the lines after its "## 0.1.0 ..." heading up to the next "## " heading.</summary>
    private static string ReleaseNotesSection(string version)
    {
        var lines = File.ReadAllText(Path.Combine(PowerShellHost.RepoRoot, "src", "Cxpa.Package", "RELEASENOTES.md")).Replace("\r\n", "\n").Split('\n');
        var start = Array.FindIndex(lines, l => l.StartsWith("## ", StringComparison.Ordinal)
            && l[3..].TrimStart('[').Split(' ', ']')[0] == version);
        Assert.True(start >= 0, "RELEASENOTES.md has no section for " + version);
        var end = Array.FindIndex(lines, start + 1, l => l.StartsWith("## ", StringComparison.Ordinal));
        return string.Join("\n", lines[(start + 1)..(end < 0 ? lines.Length : end)]).Trim();
    }

    /// <summary>Runs <c>dotnet pack src/Cxpa.Package --no-build</c> with extra arguments; returns the exit code and the log.</summary>
    private static (int ExitCode, string Log) Pack(string output, string extra = "")
    {
        var psi = new ProcessStartInfo("dotnet", $"pack \"{Path.Combine(PowerShellHost.RepoRoot, "src", "Cxpa.Package")}\" --no-build -o \"{output}\" {extra}")
        { RedirectStandardOutput = true, RedirectStandardError = true };
        using var p = Process.Start(psi)!;
        var stderr = p.StandardError.ReadToEndAsync();
        var log = p.StandardOutput.ReadToEnd();
        Assert.True(p.WaitForExit(120_000));
        return (p.ExitCode, log + stderr.Result);
    }

    /// <summary>The package, packed once for this class (removed when the process ends: see the install test).</summary>
    private static readonly Lazy<(string Dir, string Nupkg, string Version)> Packed = new(() =>
    {
        var tmp = Directory.CreateTempSubdirectory("cxpa-pkg-").FullName;
        AppDomain.CurrentDomain.ProcessExit += (_, _) => { try { Directory.Delete(tmp, true); } catch (IOException) { } };
        var (code, log) = Pack(tmp);
        Assert.True(code == 0, log);
        var version = PowerShellHost.Run("(Test-ModuleManifest $path).Version.ToString()", new Dictionary<string, object?> { ["path"] = PowerShellHost.ModulePath }, import: false).Output[0].BaseObject.ToString()!;
        var nupkg = Path.Combine(tmp, $"Cxpa.{version}.nupkg");
        Assert.True(File.Exists(nupkg), "missing " + nupkg);
        return (tmp, nupkg, version);
    });

    private static string ReadEntry(ZipArchive zip, string name)
    {
        using var reader = new StreamReader(zip.GetEntry(name)!.Open());
        return reader.ReadToEnd();
    }

    [Fact]
    public void Nuspec_is_generated_from_the_manifest_as_Publish_Module_writes_it()
    {
        var manifest = ModuleManifest.Values;
        var psData = (Hashtable)((Hashtable)manifest["PrivateData"]!)["PSData"]!;
        var manifestTags = ((object[])psData["Tags"]!).Cast<string>().ToArray();
        var cmdlets = ModuleManifest.Cmdlets;
        Assert.NotEmpty(cmdlets);
        Assert.Contains("PSEdition_Core", manifestTags);
        Assert.Contains("PSEdition_Desktop", manifestTags);

        using var zip = ZipFile.OpenRead(Packed.Value.Nupkg);
        var metadata = XDocument.Parse(ReadEntry(zip, "Cxpa.nuspec")).Root!.Elements().Single(e => e.Name.LocalName == "metadata");
        string? Get(string name) => metadata.Elements().SingleOrDefault(e => e.Name.LocalName == name)?.Value;

        Assert.Equal("Cxpa", Get("id"));
        Assert.Equal((string)manifest["ModuleVersion"]!, Get("version"));
        Assert.Equal(Packed.Value.Version, Get("version"));
        Assert.Equal((string)manifest["Author"]!, Get("authors"));
        Assert.Equal((string)manifest["CompanyName"]!, Get("owners"));
        Assert.Equal((string)manifest["Description"]!, Get("description"));
        Assert.Equal((string)manifest["Copyright"]!, Get("copyright"));
        Assert.Equal("false", Get("requireLicenseAcceptance"));
        Assert.Equal((string)psData["LicenseUri"]!, Get("licenseUrl"));
        Assert.Equal((string)psData["ProjectUri"]!, Get("projectUrl"));
        Assert.Null(Get("iconUrl"));
        Assert.Null(Get("license"));
        Assert.DoesNotContain(metadata.Elements(), e => e.Name.LocalName == "dependencies");

        // Publish-PSArtifactUtility's order: the manifest's tags, PSModule, PSIncludes_Cmdlet, PSCmdlet_*, PSCommand_*.
        var expectedTags = manifestTags.Concat(new[] { "PSModule", "PSIncludes_Cmdlet" })
            .Concat(cmdlets.Select(c => "PSCmdlet_" + c)).Concat(cmdlets.Select(c => "PSCommand_" + c));
        Assert.Equal(expectedTags, Get("tags")!.Split(' '));

        var notes = ReleaseNotesSection(Packed.Value.Version);
        Assert.StartsWith("First release", notes);
        Assert.Equal(notes, Get("releaseNotes")!.Replace("\r\n", "\n").Trim());
    }

    [Fact]
    public void Nupkg_ships_LICENSE_the_package_README_and_RELEASENOTES_and_a_manifest_whose_release_notes_are_its_section()
    {
        using var zip = ZipFile.OpenRead(Packed.Value.Nupkg);
        Assert.Equal(File.ReadAllText(Path.Combine(PowerShellHost.RepoRoot, "LICENSE")), ReadEntry(zip, "LICENSE"));
        foreach (var name in new[] { "README.md", "RELEASENOTES.md" })
            Assert.Equal(File.ReadAllText(Path.Combine(PowerShellHost.RepoRoot, "src", "Cxpa.Package", name)), ReadEntry(zip, name));
        Assert.DoesNotContain(zip.Entries, e => e.FullName == "CHANGELOG.md");

        // The packaged Cxpa.psd1 is the repository's with PSData.ReleaseNotes = this version's RELEASENOTES.md section.
        var extracted = Path.Combine(Packed.Value.Dir, "psd1-" + Guid.NewGuid().ToString("N"), "Cxpa.psd1");
        Directory.CreateDirectory(Path.GetDirectoryName(extracted)!);
        File.WriteAllText(extracted, ReadEntry(zip, "Cxpa.psd1"));
        var packaged = ModuleManifest.Read(extracted);
        var source = ModuleManifest.Values;
        var packagedData = (Hashtable)((Hashtable)packaged["PrivateData"]!)["PSData"]!;
        var sourceData = (Hashtable)((Hashtable)source["PrivateData"]!)["PSData"]!;
        Assert.Equal(ReleaseNotesSection(Packed.Value.Version), ((string)packagedData["ReleaseNotes"]!).Replace("\r\n", "\n").Trim());
        Assert.Equal("https://github.com/cxpa/cxpa-powershell/blob/main/src/Cxpa.Package/RELEASENOTES.md", sourceData["ReleaseNotes"]);
        Assert.Equal(source.Keys.Cast<string>().OrderBy(k => k), packaged.Keys.Cast<string>().OrderBy(k => k));
        Assert.Equal(sourceData.Keys.Cast<string>().OrderBy(k => k), packagedData.Keys.Cast<string>().OrderBy(k => k));
        foreach (var key in new[] { "ModuleVersion", "GUID", "RootModule", "Description", "Copyright" }) Assert.Equal(source[key], packaged[key]);
        Assert.Equal((object[])source["CmdletsToExport"]!, (object[])packaged["CmdletsToExport"]!);
    }

    [Fact]
    public void Pack_fails_with_a_clear_error_when_RELEASENOTES_has_no_section_for_the_version()
    {
        var tmp = Directory.CreateTempSubdirectory("cxpa-pkg-nosection-").FullName;
        try
        {
            // A copy of the staged module whose RELEASENOTES.md lacks this version's heading.
            var stage = Path.Combine(tmp, "Cxpa");
            var staged = Path.GetDirectoryName(PowerShellHost.ModulePath)!;
            foreach (var file in Directory.GetFiles(staged, "*", SearchOption.AllDirectories))
            {
                var to = Path.Combine(stage, Path.GetRelativePath(staged, file));
                Directory.CreateDirectory(Path.GetDirectoryName(to)!);
                File.Copy(file, to);
            }
            var version = (string)ModuleManifest.Read(PowerShellHost.ModulePath)["ModuleVersion"]!;
            var changelog = Path.Combine(stage, "RELEASENOTES.md");
            File.WriteAllText(changelog, File.ReadAllText(changelog).Replace("## " + version, "## 0.0.0-other"));

            var (code, log) = Pack(Path.Combine(tmp, "packages"), $"-p:ModuleStageDir=\"{stage}/\"");
            Assert.NotEqual(0, code);
            Assert.Contains($"has no section for version {version}", log);
            Assert.False(Directory.Exists(Path.Combine(tmp, "packages")) && Directory.EnumerateFiles(Path.Combine(tmp, "packages"), "*.nupkg").Any());
        }
        finally { Directory.Delete(tmp, true); }
    }

    [Fact]
    public void Assemblies_carry_the_manifest_version()
    {
        var r = PowerShellHost.Run("(Get-Module Cxpa).Version.ToString(); (Get-Command Start-CxpaRun).ImplementingType.Assembly.GetName().Version.ToString(3)");
        Assert.Empty(r.Errors);
        Assert.Equal(r.Output[0].BaseObject, r.Output[1].BaseObject);
    }

    [Fact]
    public void Nupkg_has_the_gallery_layout_and_installs_by_name_on_PSModulePath()
    {
        // The process keeps one Cxpa load context per version, and it resolves dependencies from the folder first
        // imported: if that was this installed copy, it must outlive the test, so Packed removes it when the process ends.
        var (tmp, nupkg, version) = Packed.Value;
        using (var zip = ZipFile.OpenRead(nupkg))
        {
            var names = zip.Entries.Select(e => e.FullName).ToList();
            Assert.Contains("Cxpa.psd1", names);
            Assert.Contains("Cxpa.nuspec", names);
            Assert.Contains("Cxpa.PowerShell.dll", names);
            Assert.Contains("Cxpa.format.ps1xml", names);
            foreach (var name in new[] { "LICENSE", "README.md", "RELEASENOTES.md", "en-US/Cxpa.PowerShell.dll-Help.xml" }) Assert.Contains(name, names);
            Assert.DoesNotContain(names, n => n.StartsWith("lib/", StringComparison.Ordinal) || n.EndsWith(".pdb", StringComparison.Ordinal));
        }
        // Install as Install-Module would: <PSModulePath entry>/Cxpa/<version>/
        var modules = Path.Combine(tmp, "Modules");
        var target = Path.Combine(modules, "Cxpa", version);
        ZipFile.ExtractToDirectory(nupkg, target);
        foreach (var junk in new[] { "_rels", "package" }) Directory.Delete(Path.Combine(target, junk), true);
        File.Delete(Path.Combine(target, "[Content_Types].xml"));
        var r = PowerShellHost.Run("""
            $env:PSModulePath = $modules + [IO.Path]::PathSeparator + $env:PSModulePath
            Import-Module Cxpa -ErrorAction Stop
            (Get-Module Cxpa).ModuleBase
            Start-CxpaRun -BaseUrl $url -IngestApiKey $key -AgentId 42 -Wait
            """, new Dictionary<string, object?> { ["modules"] = modules, ["url"] = _emu.Url, ["key"] = EmulatorFixture.Key }, import: false);
        Assert.Null(r.Thrown);
        Assert.Empty(r.Errors);
        Assert.Equal(target, r.Output[0].BaseObject.ToString());
        Assert.Equal("completed", r.Output[1].Properties["Status"].Value);
    }
}
