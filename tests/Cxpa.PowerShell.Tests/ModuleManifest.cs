using System.Collections;

namespace Cxpa.PowerShell.Tests;

/// <summary>The repository's Cxpa.psd1 as PowerShell reads it: the one list of the cmdlets the tests go through.</summary>
internal static class ModuleManifest
{
    public static string FilePath => Path.Combine(PowerShellHost.RepoRoot, "Cxpa.psd1");

    private static readonly Lazy<Hashtable> Data = new(() => Read(FilePath));

    /// <summary>A manifest's data, through Import-PowerShellDataFile.</summary>
    public static Hashtable Read(string path) =>
        (Hashtable)PowerShellHost.Run("Import-PowerShellDataFile -LiteralPath $path", new Dictionary<string, object?> { ["path"] = path }, import: false).Single().BaseObject;

    public static Hashtable Values => Data.Value;

    /// <summary>CmdletsToExport, in the manifest's order.</summary>
    public static IReadOnlyList<string> Cmdlets => ((object[])Data.Value["CmdletsToExport"]!).Cast<string>().ToArray();
}
