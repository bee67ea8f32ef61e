using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Cxpa.Engine.Zone;

namespace Cxpa.Emulator;

/// <summary>Authentication and request-body parsing shared by the endpoints.</summary>
internal sealed partial class EmulatorApi
{
    // ---------------------------------------------------------------- auth

    private static string? Bearer(HttpContext ctx)
    {
        var h = ctx.Request.Headers.Authorization.ToString();
        if (h.Length > 7 && h.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            var v = h[7..].Trim();
            return v.Length == 0 ? null : v;
        }
        return null;
    }

    private static bool SecretEquals(string presented, string? expected) =>
        expected is not null &&
        CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(presented), Encoding.UTF8.GetBytes(expected));

    private EmulatorAgentConfig IngestAuth(HttpContext ctx, long agentId)
    {
        var key = Bearer(ctx) ?? throw ApiException.Unauthorized("Missing ingest API key (Authorization: Bearer <key>).");
        var agent = _config.FindAgent(agentId) ?? throw ApiException.NotFound($"Agent {agentId} not found.");
        if (!SecretEquals(key, agent.IngestApiKey) && !SecretEquals(key, _config.DemoIngestKey))
            throw ApiException.Unauthorized($"The ingest API key is not valid for agent {agentId}.");
        return agent;
    }

    private (EmulatorAgentConfig Agent, ZoneTokenClaims Claims) ZoneAuth(HttpContext ctx, long agentId)
    {
        var token = Bearer(ctx) ?? throw ApiException.Unauthorized("Missing zone token (Authorization: Bearer <token>).");
        var agent = _config.FindAgent(agentId) ?? throw ApiException.NotFound($"Agent {agentId} not found.");
        if (agent.ZoneSecret is null || agent.ZoneAudience is null)
            throw ApiException.Unauthorized($"Agent {agentId} has no zone configured.");
        ZoneTokenValidationResult result;
        try
        {
            result = ZoneTokens.Validate(token, Encoding.UTF8.GetBytes(agent.ZoneSecret), agent.ZoneAudience, TimeSpan.FromSeconds(5), _clock.GetUtcNow());
        }
        catch (NotImplementedException)
        {
            throw new ApiException(501, "internal", "Zone token validation is not available: Cxpa.Engine ZoneTokens is not implemented yet.");
        }
        if (!result.IsValid || result.Claims is null)
            throw ApiException.Unauthorized($"Invalid zone token ({result.Reason}): {result.Message}");
        if (result.Claims.AgentId != agentId)
            throw ApiException.Forbidden($"The zone token is for agent {result.Claims.AgentId?.ToString(CultureInfo.InvariantCulture) ?? "(none)"}, not agent {agentId}.");
        return (agent, result.Claims);
    }

    private static void RequireEligible(EmulatorAgentConfig agent, bool requireExternalTriggers = true)
    {
        if (!agent.IsPlatform) throw ApiException.NotEligible($"Agent {agent.Id} is not platform-managed (managed_by = '{agent.ManagedBy}').");
        if (!agent.IsActive) throw ApiException.NotEligible($"Agent {agent.Id} is not active (status = '{agent.Status}').");
        if (requireExternalTriggers && !agent.AllowExternalTriggers) throw ApiException.NotEligible($"Agent {agent.Id} does not allow external triggers.");
    }

    private static void RequireFileAgent(EmulatorAgentConfig agent)
    {
        if (!agent.IsFileDownload)
            throw ApiException.Conflict($"Agent {agent.Id} has output_kind = '{agent.OutputKind}'; trigger-and-download needs 'file_download'.");
    }

    private static readonly object ConfigNodeGate = new();

    /// <summary>Copies a JSON node of the config; parsed nodes materialize lazily and are not safe to read from two threads at once.</summary>
    private static JsonNode? CloneConfigNode(JsonNode? node)
    {
        if (node is null) return null;
        lock (ConfigNodeGate) return node.DeepClone();
    }

    // ---------------------------------------------------------------- body parsing

    private static async Task<JsonObject> ReadBody(HttpContext ctx)
    {
        try
        {
            var node = await JsonNode.ParseAsync(ctx.Request.Body, cancellationToken: ctx.RequestAborted);
            if (node is JsonObject o)
            {
                _ = o.Count; // materialize (duplicate keys surface here)
                return o;
            }
        }
        catch (JsonException) { }
        catch (ArgumentException) { }
        catch (InvalidOperationException) { }
        throw ApiException.Validation("body", "must be a JSON object");
    }

    private static JsonObject? OptObject(JsonObject body, string name, JsonObject errors)
    {
        var n = body[name];
        if (n is null) return null;
        if (n is JsonObject o) return (JsonObject)o.DeepClone();
        errors[name] = "must be a JSON object";
        return null;
    }

    private static string? OptString(JsonObject body, string name, JsonObject errors)
    {
        var n = body[name];
        if (n is null) return null;
        if (n is JsonValue v && v.GetValueKind() == JsonValueKind.String) return v.GetValue<string>();
        errors[name] = "must be a string";
        return null;
    }

    private static bool? OptBool(JsonObject body, string name, JsonObject errors)
    {
        var n = body[name];
        if (n is null) return null;
        if (n is JsonValue v && v.GetValueKind() is JsonValueKind.True or JsonValueKind.False) return v.GetValue<bool>();
        errors[name] = "must be a boolean";
        return null;
    }

    private static long? OptInteger(JsonObject body, string name, JsonObject errors, long min, string message)
    {
        var n = body[name];
        if (n is null) return null;
        if (n is JsonValue v && v.GetValueKind() == JsonValueKind.Number)
        {
            long value;
            if (v.TryGetValue<long>(out value) || (v.TryGetValue<double>(out var d) && d == Math.Floor(d) && Math.Abs(d) < 9e15 && (value = (long)d) == d))
            {
                if (value >= min) return value;
            }
        }
        errors[name] = message;
        return null;
    }

    private static string? ExternalRunId(JsonObject body, JsonObject errors, bool required = true)
    {
        var n = body["externalRunId"];
        if (n is null)
        {
            if (required) errors["externalRunId"] = "is required (a string of 1 to 255 characters)";
            return null;
        }
        if (n is JsonValue v && v.GetValueKind() == JsonValueKind.String)
        {
            var s = v.GetValue<string>();
            if (s.Length is >= 1 and <= 255) return s;
        }
        errors["externalRunId"] = "must be a string of 1 to 255 characters";
        return null;
    }

    private static void ThrowIfAny(JsonObject errors)
    {
        if (errors.Count > 0) throw ApiException.Validation(errors);
    }
}
