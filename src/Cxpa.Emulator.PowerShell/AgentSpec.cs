using System.Collections;
using System.Globalization;
using System.Management.Automation;
using System.Text.Json.Nodes;

namespace Cxpa.Emulator;

/// <summary>
/// An agent of the user's own, from a hashtable of Start-CxpaEmulator -Agent: @{ Id = 1234; Output = @{ summary = 'ok' } },
/// @{ Id = 7; FailWith = 'boom' }, @{ Id = 9; File = 'report.pdf'; Bytes = 1MB }, @{ Id = 5; Standalone = $true }.
/// </summary>
internal static class AgentSpec
{
    /// <summary>The keys an agent hashtable may hold, with what each takes (the text of the error on an unknown key).</summary>
    public static readonly IReadOnlyDictionary<string, string> Keys = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
    {
        ["Id"] = "the agent id, a positive integer (required)",
        ["Name"] = "a display name",
        ["Output"] = "the output of its completed runs (a hashtable or PSCustomObject)",
        ["Outputs"] = "the outputs count of its completed runs",
        ["FailWith"] = "its runs fail with this error message",
        ["Cancel"] = "$true: its runs end cancelled",
        ["File"] = "a file name: it is a file_download agent streaming that file",
        ["Bytes"] = "the file's size in bytes (default 1 KiB)",
        ["ContentType"] = "the file's content type (default application/octet-stream)",
        ["DurationMs"] = "how long its runs run, in milliseconds (default 300)",
        ["QueuedMs"] = "how long its runs stay queued, in milliseconds (default 50)",
        ["Duration"] = "how long its runs run, a TimeSpan",
        ["Standalone"] = "$true: a standalone agent (register and ingest only)",
        ["Paused"] = "$true: a paused agent (triggers are refused)",
        ["ExternalTriggers"] = "$false: triggers with an ingest key are refused",
        ["Callbacks"] = "$true: its runs wait for runtime callbacks instead of progressing on their own",
        ["RunningTimeoutMs"] = "the agent's running timeout in milliseconds (caps the wait window)",
        ["IngestApiKey"] = "its own ingest key (default cxpa_demo_ingest_<id>; the demo key works for every agent)",
        ["AgentApiKey"] = "its agent API key (default cxpa_demo_agent_<id>)",
        ["Credentials"] = "zone credentials: a hashtable of integration key to credential hashtable",
        ["Connections"] = "runtime connections: a hashtable of connection id to credential hashtable",
    };

    /// <summary>The agent, or an ArgumentException whose message names the item, the key and the expected form.</summary>
    public static EmulatorAgentConfig Parse(Hashtable spec, int index)
    {
        string Where() => $"-Agent item {index}" + (spec["Id"] is { } id ? $" (Id {id})" : "");
        foreach (var key in spec.Keys)
        {
            var k = Convert.ToString(key, CultureInfo.InvariantCulture) ?? "";
            if (!Keys.ContainsKey(k))
                throw new AgentSpecException($"{Where()}: unknown key '{k}'. Known keys: {string.Join(", ", Keys.Keys)}.", k, unknownKey: true);
        }
        T Get<T>(string key, T fallback)
        {
            var v = spec[key];
            if (v is PSObject p) v = p.BaseObject;
            if (v is null) return fallback;
            try { return (T)LanguagePrimitives.ConvertTo(v, typeof(T), CultureInfo.InvariantCulture); }
            catch (PSInvalidCastException) { throw new AgentSpecException($"{Where()}: {key} must be {Keys[key]}; got a {v.GetType().Name} '{v}'.", key); }
        }
        bool Has(string key) => spec.ContainsKey(key) && spec[key] is not null;

        if (!Has("Id")) throw new AgentSpecException($"{Where()}: Id is required (e.g. @{{ Id = 1234; Output = @{{ summary = 'ok' }} }}).", "Id");
        var agentId = Get<long>("Id", 0);
        if (agentId <= 0) throw new AgentSpecException($"{Where()}: Id must be {Keys["Id"]}; got {agentId}.", "Id");

        var a = new EmulatorAgentConfig
        {
            Id = agentId,
            Name = Get("Name", $"Agent {agentId}"),
            OrgSlug = EmulatorConfig.DemoOrgSlug,
            AgentSlug = $"agent-{agentId}",
            IngestApiKey = Get("IngestApiKey", $"cxpa_demo_ingest_{agentId}"),
            AgentApiKey = Get("AgentApiKey", $"cxpa_demo_agent_{agentId}"),
            ZoneSecret = EmulatorConfig.DemoZoneSecret,
            ZoneAudience = EmulatorConfig.DemoZoneAudience,
            Members = new List<string> { EmulatorConfig.DemoUserId, EmulatorConfig.DemoUserId2 },
        };
        if (Has("Output"))
        {
            try { a.Output = PsJson.ToJson(spec["Output"], "Output"); }
            catch (ArgumentException e) { throw new AgentSpecException($"{Where()}: {e.Message}", "Output"); }
        }
        if (Has("Outputs")) a.Outputs = NonNegative("Outputs", Get<long>("Outputs", 1));
        if (Has("FailWith")) { a.Outcome = "failed"; a.ErrorMessage = Get("FailWith", "Run failed"); }
        if (Get("Cancel", false))
        {
            if (Has("FailWith")) throw new AgentSpecException($"{Where()}: FailWith and Cancel cannot be used together.", "Cancel");
            a.Outcome = "cancelled";
        }
        if (Has("File"))
        {
            var name = Get("File", "");
            if (name.Length == 0) throw new AgentSpecException($"{Where()}: File must be {Keys["File"]}.", "File");
            a.OutputKind = "file_download";
            a.File = new EmulatorFileConfig
            {
                Name = name,
                SizeBytes = NonNegative("Bytes", Get<long>("Bytes", 1024)),
                ContentType = Get("ContentType", "application/octet-stream"),
            };
        }
        else if (Has("Bytes") || Has("ContentType"))
            throw new AgentSpecException($"{Where()}: Bytes and ContentType need File (e.g. @{{ Id = 9; File = 'report.pdf'; Bytes = 1MB }}).", Has("Bytes") ? "Bytes" : "ContentType");
        if (Has("Duration") && Has("DurationMs")) throw new AgentSpecException($"{Where()}: give Duration or DurationMs, not both.", "Duration");
        if (Has("Duration")) a.DurationMs = NonNegative("Duration", (long)Get("Duration", TimeSpan.Zero).TotalMilliseconds);
        if (Has("DurationMs")) a.DurationMs = NonNegative("DurationMs", Get<long>("DurationMs", 300));
        if (Has("QueuedMs")) a.QueuedMs = NonNegative("QueuedMs", Get<long>("QueuedMs", 50));
        if (Has("RunningTimeoutMs"))
        {
            var t = Get<long>("RunningTimeoutMs", 0);
            if (t <= 0) throw new AgentSpecException($"{Where()}: RunningTimeoutMs must be positive.", "RunningTimeoutMs");
            a.RunningTimeoutMs = t;
        }
        if (Get("Standalone", false)) { a.ManagedBy = "standalone"; a.AllowExternalTriggers = false; }
        if (Get("Paused", false)) a.Status = "paused";
        if (Has("ExternalTriggers")) a.AllowExternalTriggers = Get("ExternalTriggers", true);
        if (Get("Callbacks", false)) a.SimulateRuntime = false;
        if (Has("Credentials")) a.Credentials = Credentials("Credentials");
        if (Has("Connections")) a.Connections = Credentials("Connections");
        return a;

        long NonNegative(string key, long value) =>
            value >= 0 ? value : throw new AgentSpecException($"{Where()}: {key} must not be negative; got {value}.", key);

        Dictionary<string, JsonObject> Credentials(string key)
        {
            if (spec[key] is not IDictionary d) throw new AgentSpecException($"{Where()}: {key} must be {Keys[key]}.", key);
            var result = new Dictionary<string, JsonObject>(StringComparer.Ordinal);
            foreach (DictionaryEntry kv in d)
            {
                var name = Convert.ToString(kv.Key, CultureInfo.InvariantCulture)!;
                JsonNode? json;
                try { json = PsJson.ToJson(kv.Value, $"{key}.{name}"); }
                catch (ArgumentException e) { throw new AgentSpecException($"{Where()}: {e.Message}", key); }
                result[name] = json as JsonObject ?? throw new AgentSpecException($"{Where()}: {key}.{name} must be a hashtable (e.g. @{{ type = 'api_key'; api_key = '...' }}).", key);
            }
            return result;
        }
    }
}
