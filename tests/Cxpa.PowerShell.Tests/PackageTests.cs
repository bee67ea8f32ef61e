using System.Diagnostics;
using System.IO.Compression;

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
        var expected = new[] { "Connect-Cxpa", "Disconnect-Cxpa", "Get-CxpaConnection", "Start-CxpaRun", "Wait-CxpaRun", "Get-CxpaRun", "Save-CxpaRunOutput",
            "Register-CxpaRun", "Send-CxpaIngest", "Send-CxpaRunEvent", "Get-CxpaCredential", "Test-CxpaZoneToken", "New-CxpaZoneToken" };
        Assert.Equal(expected.OrderBy(x => x), r.Output.Skip(1).Select(o => o.BaseObject.ToString()!).OrderBy(x => x));
        Assert.Equal("5.1", m.Properties["PowerShellVersion"].Value.ToString());
        Assert.Equal("4.7.2", m.Properties["DotNetFrameworkVersion"].Value.ToString());
        var editions = (IEnumerable<string>)m.Properties["CompatiblePSEditions"].Value;
        Assert.Equal(new[] { "Core", "Desktop" }, editions.OrderBy(x => x));
        var manifest = File.ReadAllText(Path.Combine(PowerShellHost.RepoRoot, "Cxpa.psd1"));
        Assert.DoesNotContain("'*'", manifest);
        foreach (var key in new[] { "Tags", "ProjectUri", "LicenseUri", "ReleaseNotes", "FormatsToProcess", "TypesToProcess" }) Assert.Contains(key, manifest);
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
        var tmp = Directory.CreateTempSubdirectory("cxpa-pkg-").FullName;
        try
        {
            var psi = new ProcessStartInfo("dotnet", $"pack \"{Path.Combine(PowerShellHost.RepoRoot, "src", "Cxpa.Package")}\" --no-build -o \"{tmp}\"")
            { RedirectStandardOutput = true, RedirectStandardError = true };
            using (var p = Process.Start(psi)!)
            {
                var log = p.StandardOutput.ReadToEnd() + p.StandardError.ReadToEnd();
                Assert.True(p.WaitForExit(120_000));
                Assert.True(p.ExitCode == 0, log);
            }
            var version = PowerShellHost.Run("(Test-ModuleManifest $path).Version.ToString()", new Dictionary<string, object?> { ["path"] = PowerShellHost.ModulePath }, import: false).Output[0].BaseObject.ToString()!;
            var nupkg = Path.Combine(tmp, $"Cxpa.{version}.nupkg");
            Assert.True(File.Exists(nupkg), "missing " + nupkg);
            using (var zip = ZipFile.OpenRead(nupkg))
            {
                var names = zip.Entries.Select(e => e.FullName).ToList();
                Assert.Contains("Cxpa.psd1", names);
                Assert.Contains("Cxpa.nuspec", names);
                Assert.Contains("Cxpa.PowerShell.dll", names);
                Assert.Contains("Cxpa.format.ps1xml", names);
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
        finally
        {
            // The process keeps one Cxpa load context per version, and it resolves dependencies from the folder first
            // imported: if that was this installed copy, it must outlive the test, so it is removed when the process ends.
            AppDomain.CurrentDomain.ProcessExit += (_, _) => { try { Directory.Delete(tmp, true); } catch (IOException) { } };
        }
    }
}
