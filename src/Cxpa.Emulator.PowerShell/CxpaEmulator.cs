using System.Security;

namespace Cxpa.Emulator;

/// <summary>
/// A running emulator, as Start-CxpaEmulator returns it: where it listens and the secrets its platform accepts (the
/// demo ones unless a config says otherwise). Test secrets, made for this emulator only: never a real platform's.
/// </summary>
public sealed class CxpaEmulator
{
    internal CxpaEmulator(EmulatorServer server, SecureString? zoneSecret, string? audience, string? agentApiKey, EmulatorAgent[] agents, DateTimeOffset startedAt)
    {
        Server = server;
        Url = server.BaseUrl.ToString();
        Port = server.BaseUrl.Port;
        IngestApiKey = server.Config.DemoIngestKey ?? agents.FirstOrDefault(a => a.IngestApiKey is not null)?.IngestApiKey;
        AgentApiKey = agentApiKey;
        ZoneSecret = zoneSecret;
        Audience = audience;
        Agents = agents;
        StartedAt = startedAt;
    }

    /// <summary>The base URL, with a trailing slash: give it to -BaseUrl or $env:CXPA_API_URL.</summary>
    public string Url { get; }
    /// <summary>The port it listens on.</summary>
    public int Port { get; }
    /// <summary>An ingest API key every agent accepts (the demo key, cxpa_demo_ingest_key, unless a config has none).</summary>
    public string? IngestApiKey { get; }
    /// <summary>The agent API key of the first agent whose runs wait for callbacks (agent 48 of the demo), else of the first agent.</summary>
    public string? AgentApiKey { get; }
    /// <summary>The zone secret of the agents (for New-CxpaZoneToken -Secret and Test-CxpaZoneToken -Secret).</summary>
    public SecureString? ZoneSecret { get; }
    /// <summary>The zone audience of the agents (for -Audience).</summary>
    public string? Audience { get; }
    /// <summary>The agents it serves.</summary>
    public EmulatorAgent[] Agents { get; }
    /// <summary>When it started.</summary>
    public DateTimeOffset StartedAt { get; }
    /// <summary>False once stopped: it no longer answers.</summary>
    public bool IsRunning => Server.IsRunning;
    /// <summary>The server itself (its request log, faults and runs), for tests that need more than the cmdlets.</summary>
    public EmulatorServer Server { get; }

    public override string ToString() => Url;
}
