using System.Collections.ObjectModel;
using System.Management.Automation;
using System.Management.Automation.Runspaces;
using Cxpa.Emulator;

namespace Cxpa.PowerShell.Tests;

/// <summary>What one script produced: output objects and every stream.</summary>
public sealed class ScriptResult
{
    public required Collection<PSObject> Output { get; init; }
    public required List<ErrorRecord> Errors { get; init; }
    public required List<VerboseRecord> Verbose { get; init; }
    public required List<DebugRecord> Debug { get; init; }
    public required List<WarningRecord> Warnings { get; init; }
    public required List<InformationRecord> Information { get; init; }
    public required List<ProgressRecord> Progress { get; init; }
    /// <summary>How the invocation ended (Completed, Failed, Stopped).</summary>
    public System.Management.Automation.PSInvocationState State { get; init; }
    /// <summary>The terminating error, if the script threw.</summary>
    public Exception? Thrown { get; init; }

    public PSObject Single() => Assert.Single(Output);

    /// <summary>The output, every stream and the end state of a finished invocation.</summary>
    public static ScriptResult From(System.Management.Automation.PowerShell ps, IEnumerable<PSObject> output, Exception? thrown) => new()
    {
        Output = new Collection<PSObject>(output.ToList()),
        Errors = ps.Streams.Error.ToList(),
        Verbose = ps.Streams.Verbose.ToList(),
        Debug = ps.Streams.Debug.ToList(),
        Warnings = ps.Streams.Warning.ToList(),
        Information = ps.Streams.Information.ToList(),
        Progress = ps.Streams.Progress.ToList(),
        Thrown = thrown,
        State = ps.InvocationStateInfo.State,
    };
    public dynamic? First => Output.Count > 0 ? Output[0] : null;

    /// <summary>All text of every stream and error, for leak scans.</summary>
    public string AllText()
    {
        var sb = new System.Text.StringBuilder();
        foreach (var o in Output) sb.AppendLine(o?.ToString());
        foreach (var e in Errors)
        {
            sb.AppendLine(e.ToString()).AppendLine(e.ErrorDetails?.Message).AppendLine(e.ErrorDetails?.RecommendedAction);
            for (var ex = e.Exception; ex != null; ex = ex.InnerException) sb.AppendLine(ex.ToString());
            sb.AppendLine(e.TargetObject?.ToString());
        }
        foreach (var v in Verbose) sb.AppendLine(v.Message);
        foreach (var d in Debug) sb.AppendLine(d.Message);
        foreach (var w in Warnings) sb.AppendLine(w.Message);
        foreach (var i in Information) sb.AppendLine(i.MessageData?.ToString());
        foreach (var p in Progress) sb.AppendLine(p.Activity + " " + p.StatusDescription);
        if (Thrown != null) sb.AppendLine(Thrown.ToString());
        return sb.ToString();
    }
}

/// <summary>Hosts the real PowerShell 7 engine, imports the staged module from out/Cxpa and runs script text.</summary>
public static class PowerShellHost
{
    private static readonly Lazy<string> ModuleDir = new(() =>
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir != null && !File.Exists(Path.Combine(dir.FullName, "Cxpa.psd1"))) dir = dir.Parent;
        if (dir == null) throw new InvalidOperationException("Repository root (Cxpa.psd1) not found above " + AppContext.BaseDirectory);
        var staged = Path.Combine(dir.FullName, "out", "Cxpa");
        if (!File.Exists(Path.Combine(staged, "Cxpa.psd1")))
            throw new InvalidOperationException("The module is not staged: build src/Cxpa.PowerShell first (" + staged + ")");
        return staged;
    });

    public static string ModulePath => Path.Combine(ModuleDir.Value, "Cxpa.psd1");
    public static string RepoRoot => Path.GetFullPath(Path.Combine(ModuleDir.Value, "..", ".."));

    /// <summary>
    /// Runs a script in a fresh runspace with the module imported; variables are set first. The Connect-Cxpa default is
    /// one per process, so the runspace starts with Disconnect-Cxpa, as a fresh process starts unconnected (the
    /// assembly's tests run one at a time for the same reason: see AssemblyInfo.cs).
    /// </summary>
    public static ScriptResult Run(string script, IDictionary<string, object?>? variables = null, Action<System.Management.Automation.PowerShell>? onStart = null, bool import = true, System.Management.Automation.Host.PSHost? host = null)
    {
        var iss = InitialSessionState.CreateDefault2();
        if (import) iss.ImportPSModule(new[] { ModulePath });
        using var rs = host == null ? RunspaceFactory.CreateRunspace(iss) : RunspaceFactory.CreateRunspace(host, iss);
        rs.Open();
        using var ps = System.Management.Automation.PowerShell.Create();
        ps.Runspace = rs;
        if (import)
        {
            using var reset = System.Management.Automation.PowerShell.Create();
            reset.Runspace = rs;
            reset.AddCommand("Disconnect-Cxpa").Invoke();
        }
        if (variables != null)
            foreach (var kv in variables) rs.SessionStateProxy.SetVariable(kv.Key, kv.Value);
        ps.AddScript(script);
        onStart?.Invoke(ps);
        Collection<PSObject> output = new();
        Exception? thrown = null;
        try { output = ps.Invoke(); }
        catch (Exception ex) { thrown = ex; }
        return ScriptResult.From(ps, output, thrown);
    }

    /// <summary>
    /// Waits until something the test can observe has happened (a request logged, a file written), checking every 10 ms:
    /// a wait on the event itself, never on a guess of how long it takes. Fails with what was awaited after 60 s.
    /// </summary>
    public static async Task Until(Func<bool> condition, string what)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline) throw new Xunit.Sdk.XunitException("Timed out waiting until " + what + ".");
            await Task.Delay(10);
        }
    }
}

/// <summary>One emulator for a test class, with helpers to run scripts against it.</summary>
public sealed class EmulatorFixture : IAsyncLifetime
{
    public EmulatorServer Server { get; private set; } = null!;
    public string Url => Server.BaseUrl.ToString();
    public const string Key = EmulatorConfig.DemoSharedIngestKey;

    public async Task InitializeAsync() => Server = await EmulatorServer.StartAsync();
    public async Task DisposeAsync() => await Server.DisposeAsync();

    /// <summary>Runs a script with $url and $key set and Connect-Cxpa done (unless connect is false).</summary>
    public ScriptResult Run(string script, bool connect = true, IDictionary<string, object?>? vars = null, Action<System.Management.Automation.PowerShell>? onStart = null)
    {
        var v = new Dictionary<string, object?> { ["url"] = Url, ["key"] = Key };
        if (vars != null) foreach (var kv in vars) v[kv.Key] = kv.Value;
        var prefix = connect ? "Connect-Cxpa -BaseUrl $url -IngestApiKey $key\n" : "";
        return PowerShellHost.Run(prefix + script, v, onStart);
    }
}
