using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Cxpa.Emulator;

/// <summary>Who may call: the ingest key, the zone token, the agent API key; and which agents a route accepts.</summary>
internal sealed class Auth
{
    private readonly EmulatorContext _ctx;

    public Auth(EmulatorContext ctx) { _ctx = ctx; }

    public static string? Bearer(EmulatorExchange x)
    {
        var h = x.Header("Authorization") ?? "";
        if (h.Length > 7 && h.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            var v = h[7..].Trim();
            return v.Length == 0 ? null : v;
        }
        return null;
    }

    public static bool SecretEquals(string presented, string? expected) =>
        expected is not null &&
        CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(presented), Encoding.UTF8.GetBytes(expected));

    public EmulatorAgentConfig Ingest(EmulatorExchange x, long agentId)
    {
        var key = Bearer(x) ?? throw ApiException.Unauthorized("Missing ingest API key (Authorization: Bearer <key>).");
        var agent = _ctx.Config.FindAgent(agentId) ?? throw ApiException.NotFound($"Agent {agentId} not found.");
        if (!SecretEquals(key, agent.IngestApiKey) && !SecretEquals(key, _ctx.Config.DemoIngestKey))
            throw ApiException.Unauthorized($"The ingest API key is not valid for agent {agentId}.");
        return agent;
    }

    /// <summary>The agent and the token's userId claim, for a zone token that verifies with the agent's secret and audience.</summary>
    public (EmulatorAgentConfig Agent, string? UserId) Zone(EmulatorExchange x, long agentId)
    {
        var token = Bearer(x) ?? throw ApiException.Unauthorized("Missing zone token (Authorization: Bearer <token>).");
        var agent = _ctx.Config.FindAgent(agentId) ?? throw ApiException.NotFound($"Agent {agentId} not found.");
        if (agent.ZoneSecret is null || agent.ZoneAudience is null)
            throw ApiException.Unauthorized($"Agent {agentId} has no zone configured.");
        var claims = Tokens.Verify(token, Encoding.UTF8.GetBytes(agent.ZoneSecret), agent.ZoneAudience, TimeSpan.FromSeconds(5),
            _ctx.Clock.GetUtcNow(), out var reason, out var message)
            ?? throw ApiException.Unauthorized($"Invalid zone token ({reason}): {message}");
        var tokenAgent = Tokens.ClaimAsLong(claims, "agentId");
        if (tokenAgent != agentId)
            throw ApiException.Forbidden($"The zone token is for agent {tokenAgent?.ToString(CultureInfo.InvariantCulture) ?? "(none)"}, not agent {agentId}.");
        return (agent, Tokens.ClaimAsString(claims, "userId"));
    }

    /// <summary>The agent whose API key this is (any agent: resolve), or 401.</summary>
    public EmulatorAgentConfig AgentKey(EmulatorExchange x)
    {
        var key = Bearer(x) ?? throw ApiException.Unauthorized("Missing agent API key (Authorization: Bearer <key>).");
        return _ctx.Config.Agents.FirstOrDefault(a => SecretEquals(key, a.AgentApiKey))
               ?? throw ApiException.Unauthorized("The agent API key is not valid.");
    }

    public static void RequireEligible(EmulatorAgentConfig agent, bool requireExternalTriggers = true)
    {
        if (!agent.IsPlatform) throw ApiException.NotEligible($"Agent {agent.Id} is not platform-managed (managed_by = '{agent.ManagedBy}').");
        if (!agent.IsActive) throw ApiException.NotEligible($"Agent {agent.Id} is not active (status = '{agent.Status}').");
        if (requireExternalTriggers && !agent.AllowExternalTriggers) throw ApiException.NotEligible($"Agent {agent.Id} does not allow external triggers.");
    }

    public static void RequireFileAgent(EmulatorAgentConfig agent)
    {
        if (!agent.IsFileDownload)
            throw ApiException.Conflict($"Agent {agent.Id} has output_kind = '{agent.OutputKind}'; trigger-and-download needs 'file_download'.");
    }
}
