using System.Collections;
using System.Management.Automation;
using System.Net;
using System.Security;

namespace Cxpa.Emulator.Cmdlets;

/// <summary>
/// <para type="synopsis">Starts a CXPA platform emulator inside this PowerShell process.</para>
/// </summary>
[Cmdlet(VerbsLifecycle.Start, "CxpaEmulator", HelpUri = "https://github.com/cxpa/cxpa-powershell/blob/main/docs/Start-CxpaEmulator.md")]
[OutputType(typeof(CxpaEmulator))]
public sealed class StartCxpaEmulatorCommand : PSCmdlet
{
    /// <summary>The port (default 0: a free port).</summary>
    [Parameter]
    [ValidateRange(0, 65535)]
    public int Port { get; set; }

    /// <summary>An emulator config file (JSON) instead of the demo agents.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? ConfigPath { get; set; }

    /// <summary>Agents of your own, added to the demo agents (or the config's), replacing one with the same id.</summary>
    [Parameter]
    [ValidateNotNull]
    public Hashtable[]? Agent { get; set; }

    /// <summary>Faults to inject from the start: "&lt;route&gt;:&lt;kind&gt;[:count][:arg]".</summary>
    [Parameter]
    [ValidateNotNull]
    [ArgumentCompleter(typeof(FaultSpecCompleter))]
    public string[]? Fault { get; set; }

    protected override void EndProcessing()
    {
        var config = LoadConfig();
        for (int i = 0; i < (Agent?.Length ?? 0); i++)
        {
            EmulatorAgentConfig agent;
            try { agent = AgentSpec.Parse(Agent![i], i); }
            catch (AgentSpecException e)
            {
                ThrowTerminatingError(new ErrorRecord(e, e.UnknownKey ? "UnknownAgentKey" : "InvalidAgentSpec",
                    ErrorCategory.InvalidArgument, Agent![i]));
                return;
            }
            config.Agents.RemoveAll(a => a.Id == agent.Id);
            config.Agents.Add(agent);
        }
        var rules = new List<FaultRule>();
        foreach (var spec in Fault ?? Array.Empty<string>())
            rules.Add(FaultSpec.Parse(this, spec));
        try { config.Validate(); }
        catch (InvalidDataException e) { ThrowTerminatingError(new ErrorRecord(e, "InvalidConfig", ErrorCategory.InvalidData, ConfigPath)); }

        EmulatorServer server;
        try { server = EmulatorServer.StartAsync(config, Port).GetAwaiter().GetResult(); }
        catch (EmulatorPortException e)
        {
            ThrowTerminatingError(new ErrorRecord(e, "PortInUse", ErrorCategory.ResourceUnavailable, Port));
            return;
        }
        foreach (var r in rules) server.Faults.Add(r);

        var zoned = config.Agents.FirstOrDefault(a => a.ZoneSecret is not null);
        var runtimeAgent = config.Agents.FirstOrDefault(a => !a.SimulateRuntime) ?? config.Agents.FirstOrDefault();
        var emulator = new CxpaEmulator(server, zoned is null ? null : Secure(zoned.ZoneSecret!), zoned?.ZoneAudience,
            runtimeAgent?.AgentApiKey, config.Agents.Select(a => new EmulatorAgent(a)).ToArray(), DateTimeOffset.Now);
        EmulatorRegistry.Add(emulator);
        WriteVerbose($"The emulator listens on {emulator.Url} ({config.Agents.Count} agents, {rules.Count} faults).");
        WriteObject(emulator);
    }

    private EmulatorConfig LoadConfig()
    {
        if (ConfigPath is null) return EmulatorConfig.CreateDemo();
        var path = GetUnresolvedProviderPathFromPSPath(ConfigPath);
        if (!File.Exists(path))
            ThrowTerminatingError(new ErrorRecord(new FileNotFoundException($"-ConfigPath: no file '{path}'.", path), "ConfigNotFound", ErrorCategory.ObjectNotFound, ConfigPath));
        try { return EmulatorConfig.Load(path); }
        catch (Exception e) when (e is InvalidDataException or System.Text.Json.JsonException or IOException or UnauthorizedAccessException)
        {
            ThrowTerminatingError(new ErrorRecord(new InvalidDataException($"-ConfigPath '{path}': {e.Message}", e), "InvalidConfig", ErrorCategory.InvalidData, ConfigPath));
            throw;
        }
    }

    private static SecureString Secure(string s)
    {
        var secure = new NetworkCredential("", s).SecurePassword;
        secure.MakeReadOnly();
        return secure;
    }
}
