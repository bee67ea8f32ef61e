using System.Globalization;
using System.Text;
using Cxpa.Engine.Zone;

namespace Cxpa.Emulator;

/// <summary>Token minting and checks, through Cxpa.Engine.Zone.ZoneTokens.</summary>
internal static class Tokens
{
    /// <summary>Mints a credentials token {runId, agentId, iat, exp}; null while ZoneTokens is not implemented.</summary>
    public static string? MintCredentialsToken(EmulatorConfig cfg, long runId, long agentId, DateTimeOffset now)
    {
        var claims = new Dictionary<string, object?>
        {
            ["runId"] = runId,
            ["agentId"] = agentId,
            ["iat"] = now.ToUnixTimeSeconds(),
            ["exp"] = now.AddSeconds(cfg.CredentialsTokenLifetimeSeconds).ToUnixTimeSeconds(),
        };
        try { return ZoneTokens.CreateHs256(Encoding.UTF8.GetBytes(cfg.PlatformCredentialsSecret), claims); }
        catch (NotImplementedException) { return null; }
    }

    /// <summary>Mints a zone token for an agent with the agent's secret and audience.</summary>
    public static string MintZoneToken(EmulatorAgentConfig agent, DateTimeOffset now, string? userId, TimeSpan lifetime)
    {
        if (agent.ZoneSecret is null || agent.ZoneAudience is null)
            throw new InvalidOperationException($"Agent {agent.Id} has no zoneSecret/zoneAudience.");
        return ZoneTokens.Mint(Encoding.UTF8.GetBytes(agent.ZoneSecret), new ZoneTokenDescriptor
        {
            Audience = agent.ZoneAudience,
            UserId = userId,
            AgentId = agent.Id,
            OrgSlug = agent.OrgSlug,
            AgentSlug = agent.AgentSlug,
            Lifetime = lifetime,
            IssuedAt = now,
        });
    }

    /// <summary>Reads a claim as a long (long, int, integral double or numeric string).</summary>
    public static long? ClaimAsLong(IReadOnlyDictionary<string, object?> claims, string name)
    {
        if (!claims.TryGetValue(name, out var v) || v is null) return null;
        return v switch
        {
            long l => l,
            int i => i,
            double d when d == Math.Floor(d) && Math.Abs(d) < 9e15 => (long)d,
            decimal m when m == decimal.Truncate(m) => (long)m,
            string s when long.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out var p) => p,
            _ => null,
        };
    }
}
