using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace Cxpa.Emulator;

/// <summary>
/// What the emulator serves: the agents, their keys and secrets, and the platform-wide settings.
/// JSON form is camelCase (see <see cref="Load"/>); <see cref="CreateDemo"/> gives the demo set.
/// </summary>
public sealed class EmulatorConfig
{
    /// <summary>The agents the platform knows.</summary>
    public List<EmulatorAgentConfig> Agents { get; set; } = new();

    /// <summary>One ingest key accepted for every agent (besides each agent's own key). Null disables it.</summary>
    public string? DemoIngestKey { get; set; }

    /// <summary>The platform secret that signs credentials tokens (HS256, claims runId, agentId, exp).</summary>
    public string PlatformCredentialsSecret { get; set; } = "cxpa-demo-platform-credentials-secret-local-only";

    /// <summary>Lifetime of a minted credentials token (register, trigger payloads); answered as expiresInSeconds.</summary>
    public int CredentialsTokenLifetimeSeconds { get; set; } = 3600;

    /// <summary>The platform's hard ceiling on a wait window (pinned 300,000 ms).</summary>
    public long PlatformCeilingMs { get; set; } = 300_000;

    /// <summary>The wait window when a request has no timeoutMs (120,000 ms).</summary>
    public long DefaultTimeoutMs { get; set; } = 120_000;

    /// <summary>Status code of a successful trigger / zone create: 201 (default) or 200 (clients must accept any 2xx).</summary>
    public int TriggerStatusCode { get; set; } = 201;

    /// <summary>Clock the runs progress on; null means <see cref="TimeProvider.System"/>. Not part of the JSON.</summary>
    [JsonIgnore]
    public TimeProvider? Clock { get; set; }

    /// <summary>Writes the emulator's own failures to standard error (the command line sets it; in-process servers are silent by default).</summary>
    [JsonIgnore]
    public bool ConsoleLogging { get; set; }

    /// <summary>The agent with this id, or null.</summary>
    public EmulatorAgentConfig? FindAgent(long agentId)
    {
        foreach (var a in Agents)
            if (a.Id == agentId) return a;
        return null;
    }

    internal static readonly JsonSerializerOptions JsonOptions = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        PropertyNameCaseInsensitive = true,
        ReadCommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    /// <summary>Reads a config file (camelCase JSON; comments and trailing commas allowed) and validates it.</summary>
    public static EmulatorConfig Load(string jsonPath) => Parse(File.ReadAllText(jsonPath));

    /// <summary>Parses config JSON and validates it.</summary>
    public static EmulatorConfig Parse(string json)
    {
        var cfg = JsonSerializer.Deserialize<EmulatorConfig>(json, JsonOptions)
                  ?? throw new InvalidDataException("The emulator config is empty.");
        cfg.Validate();
        return cfg;
    }

    /// <summary>This config as JSON (the form <see cref="Load"/> reads).</summary>
    public string ToJson() => JsonSerializer.Serialize(this, JsonOptions);

    /// <summary>Throws <see cref="InvalidDataException"/> naming the first problem; fills defaults.</summary>
    public void Validate()
    {
        Agents ??= new();
        var ids = new HashSet<long>();
        foreach (var a in Agents)
        {
            if (a is null) throw new InvalidDataException("The agents list holds a null entry.");
            if (!ids.Add(a.Id)) throw new InvalidDataException($"Agent id {a.Id} appears twice.");
            a.Validate();
        }
        if (string.IsNullOrEmpty(PlatformCredentialsSecret) || Encoding.UTF8.GetByteCount(PlatformCredentialsSecret) < 32)
            throw new InvalidDataException("platformCredentialsSecret must be at least 32 bytes.");
        if (TriggerStatusCode < 200 || TriggerStatusCode > 299)
            throw new InvalidDataException("triggerStatusCode must be a 2xx code.");
        if (PlatformCeilingMs <= 0 || DefaultTimeoutMs <= 0 || CredentialsTokenLifetimeSeconds <= 0)
            throw new InvalidDataException("platformCeilingMs, defaultTimeoutMs and credentialsTokenLifetimeSeconds must be positive.");
    }

    /// <summary>The demo shared ingest key accepted for every demo agent.</summary>
    public const string DemoSharedIngestKey = "cxpa_demo_ingest_key";
    /// <summary>The zone secret every demo agent shares (HS256, 32+ bytes).</summary>
    public const string DemoZoneSecret = "cxpa-demo-zone-secret-local-emulator-only-0001";
    /// <summary>The zone audience every demo agent shares.</summary>
    public const string DemoZoneAudience = "cxpa-demo-zone";
    /// <summary>A demo user who is a member of the demo organization.</summary>
    public const string DemoUserId = "00000000-0000-4000-8000-000000000000";
    /// <summary>A second demo member.</summary>
    public const string DemoUserId2 = "11111111-1111-4111-8111-111111111111";
    /// <summary>The demo organization slug.</summary>
    public const string DemoOrgSlug = "acme";

    /// <summary>
    /// The demo set: 42 json (300 ms), 43 file_download (q3-report.pdf, 256 KiB), 44 standalone,
    /// 45 fails ("Upstream site unreachable"), 46 external triggers off, 47 long-running (10 min),
    /// 48 no simulated runtime (callbacks drive it). Keys are cxpa_demo_ingest_{id} / cxpa_demo_agent_{id},
    /// plus the shared <see cref="DemoSharedIngestKey"/>.
    /// </summary>
    public static EmulatorConfig CreateDemo()
    {
        var cfg = new EmulatorConfig { DemoIngestKey = DemoSharedIngestKey };
        EmulatorAgentConfig Agent(long id, string name, string slug)
        {
            var a = new EmulatorAgentConfig
            {
                Id = id, Name = name, OrgSlug = DemoOrgSlug, AgentSlug = slug,
                IngestApiKey = $"cxpa_demo_ingest_{id}", AgentApiKey = $"cxpa_demo_agent_{id}",
                ZoneSecret = DemoZoneSecret, ZoneAudience = DemoZoneAudience,
                Members = new List<string> { DemoUserId, DemoUserId2 },
            };
            cfg.Agents.Add(a);
            return a;
        }

        var a42 = Agent(42, "Web summarizer", "web-summarizer");
        a42.RunningTimeoutMs = 600_000;
        DemoCredentials(a42);

        var a43 = Agent(43, "Q3 report", "q3-report");
        a43.OutputKind = "file_download";
        a43.File = new EmulatorFileConfig { Name = "q3-report.pdf", ContentType = "application/pdf", SizeBytes = 256 * 1024 };

        var a44 = Agent(44, "Standalone crawler", "standalone-crawler");
        a44.ManagedBy = "standalone";
        a44.AllowExternalTriggers = false;

        var a45 = Agent(45, "Flaky scraper", "flaky-scraper");
        a45.Outcome = "failed";
        a45.ErrorMessage = "Upstream site unreachable";

        var a46 = Agent(46, "Internal only", "internal-only");
        a46.AllowExternalTriggers = false;

        var a47 = Agent(47, "Long runner", "long-runner");
        a47.DurationMs = 600_000;
        a47.RunningTimeoutMs = 900_000;

        var a48 = Agent(48, "Runtime demo", "runtime-demo");
        a48.SimulateRuntime = false;
        DemoCredentials(a48);

        cfg.Validate();
        return cfg;
    }

    private static void DemoCredentials(EmulatorAgentConfig a)
    {
        JsonObject OAuth() => new()
        {
            ["type"] = "oauth", ["access_token"] = "demo-hubspot-access-token",
            ["expires_at"] = "2030-01-01T00:00:00Z", ["scopes"] = new JsonArray("crm.objects.contacts.read", "crm.objects.contacts.write"),
        };
        JsonObject ApiKey() => new() { ["type"] = "api_key", ["api_key"] = "sk-demo-openai-key", ["header_name"] = "x-api-key" };
        JsonObject Basic() => new() { ["type"] = "basic", ["username"] = "demo", ["password"] = "demo-ftp-password" };
        JsonObject Legacy() => new()
        {
            ["type"] = "saml", ["assertion"] = "PHNhbWw6QXNzZXJ0aW9uPmRlbW88L3NhbWw6QXNzZXJ0aW9uPg==",
            ["idp"] = "https://idp.example.com/saml", ["expires_at"] = "2030-01-01T00:00:00Z",
        };
        a.Credentials = new Dictionary<string, JsonObject>
        {
            ["hubspot"] = OAuth(), ["openai"] = ApiKey(), ["ftp"] = Basic(), ["legacy"] = Legacy(),
        };
        a.Connections = new Dictionary<string, JsonObject>
        {
            ["conn_hubspot"] = OAuth(), ["conn_openai"] = ApiKey(), ["conn_ftp"] = Basic(), ["conn_legacy"] = Legacy(),
        };
    }
}
