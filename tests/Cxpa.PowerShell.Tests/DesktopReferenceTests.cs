using System.Reflection;
using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;

namespace Cxpa.PowerShell.Tests;

/// <summary>
/// Windows PowerShell 5.1 on paper (no Windows machine runs the tests): every assembly staged for it — the module root's
/// Cxpa.Types.dll and Cxpa.PowerShell.dll, and dependencies/netstandard2.0/ — is read with System.Reflection.Metadata, and
/// each assembly it references must be satisfied by .NET Framework 4.7.2 (its reference assemblies, including the
/// netstandard facade, at the same or a higher version), by Windows PowerShell itself (System.Management.Automation 3.0),
/// or by a file Cxpa ships where DependencyResolver answers for it (a file of that name in dependencies/netstandard2.0, or
/// Cxpa.Types in the root) at the same or a higher version. docs/isolation.md says what this does and does not prove.
/// </summary>
public sealed class DesktopReferenceTests
{
    private static readonly string ModuleDir = Path.GetDirectoryName(PowerShellHost.ModulePath)!;
    private static readonly string DesktopDeps = Path.Combine(ModuleDir, "dependencies", "netstandard2.0");

    private static string FrameworkDir => typeof(DesktopReferenceTests).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
        .Single(a => a.Key == "Net472ReferenceAssemblies").Value!;

    /// <summary>What Windows PowerShell 5.1 loads from the module folder.</summary>
    private static IEnumerable<string> Staged() =>
        new[] { Path.Combine(ModuleDir, "Cxpa.Types.dll"), Path.Combine(ModuleDir, "Cxpa.PowerShell.dll") }
            .Concat(Directory.GetFiles(DesktopDeps, "*.dll").OrderBy(f => f, StringComparer.Ordinal));

    /// <summary>The assembly's name and version, or null for a file that is not an assembly (a few in the reference pack).</summary>
    private static (string Name, Version Version)? Identity(string file)
    {
        using var pe = new PEReader(File.OpenRead(file));
        if (!pe.HasMetadata) return null;
        var md = pe.GetMetadataReader();
        if (!md.IsAssembly) return null;
        var def = md.GetAssemblyDefinition();
        return (md.GetString(def.Name), def.Version);
    }

    private static List<(string Name, Version Version)> References(string file)
    {
        using var pe = new PEReader(File.OpenRead(file));
        var md = pe.GetMetadataReader();
        return md.AssemblyReferences.Select(h => md.GetAssemblyReference(h)).Select(r => (md.GetString(r.Name), r.Version)).ToList();
    }

    private static Dictionary<string, Version> Available(params string[] files)
    {
        var map = new Dictionary<string, Version>(StringComparer.OrdinalIgnoreCase);
        foreach (var f in files)
        {
            var id = Identity(f);
            if (id is null) continue;
            var (name, version) = id.Value;
            if (!map.TryGetValue(name, out var v) || version > v) map[name] = version;
        }
        return map;
    }

    [Fact]
    public void The_reference_assemblies_of_net472_are_restored()
    {
        Assert.True(File.Exists(Path.Combine(FrameworkDir, "mscorlib.dll")), FrameworkDir);
        Assert.True(File.Exists(Path.Combine(FrameworkDir, "Facades", "netstandard.dll")), "net472 carries the netstandard 2.0 facade");
    }

    [Fact]
    public void Every_reference_of_every_assembly_staged_for_Windows_PowerShell_is_satisfied()
    {
        var framework = Available(Directory.GetFiles(FrameworkDir, "*.dll").Concat(Directory.GetFiles(Path.Combine(FrameworkDir, "Facades"), "*.dll")).ToArray());
        var shipped = Available(Directory.GetFiles(DesktopDeps, "*.dll").Append(Path.Combine(ModuleDir, "Cxpa.Types.dll")).ToArray());
        var windowsPowerShell = new Dictionary<string, Version>(StringComparer.OrdinalIgnoreCase) { ["System.Management.Automation"] = new Version(3, 0, 0, 0) };

        var unsatisfied = new List<string>();
        int checkedReferences = 0;
        foreach (var file in Staged())
        {
            foreach (var (name, version) in References(file))
            {
                checkedReferences++;
                bool Has(Dictionary<string, Version> set) => set.TryGetValue(name, out var v) && v >= version;
                if (!Has(framework) && !Has(shipped) && !Has(windowsPowerShell))
                    unsatisfied.Add($"{Path.GetFileName(file)} -> {name} {version}");
            }
        }
        Assert.True(checkedReferences > 50, $"only {checkedReferences} references read");
        Assert.True(unsatisfied.Count == 0, "not satisfied on .NET Framework 4.7.2:\n" + string.Join("\n", unsatisfied));
    }

    [Fact]
    public void Nothing_staged_for_Windows_PowerShell_targets_a_runtime_it_lacks()
    {
        // A net6+/net8 build referencing System.Runtime 6+ or System.Private.CoreLib cannot load on .NET Framework.
        foreach (var file in Staged())
            foreach (var (name, version) in References(file))
            {
                Assert.NotEqual("System.Private.CoreLib", name);
                Assert.False(name == "System.Runtime" && version.Major >= 5, $"{Path.GetFileName(file)} references System.Runtime {version}");
            }
    }

    [Fact]
    public void The_check_finds_a_reference_nothing_satisfies()
    {
        // The same rule as above, on a reference .NET Framework 4.7.2 does not have and Cxpa does not ship: System.Runtime 8.0.
        var framework = Available(Path.Combine(FrameworkDir, "Facades", "System.Runtime.dll"));
        Assert.True(framework["System.Runtime"] < new Version(8, 0, 0, 0));
        var loaderReferences = References(Path.Combine(ModuleDir, "Cxpa.PowerShell.Loader.dll"));
        Assert.Contains(loaderReferences, r => r.Name == "System.Runtime" && r.Version.Major >= 8);
    }
}
