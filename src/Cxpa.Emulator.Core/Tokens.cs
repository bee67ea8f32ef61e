using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Cxpa.Emulator;

/// <summary>
/// The platform's HS256 tokens (zone tokens and credentials tokens), minted and checked with the emulator's own code over
/// the BCL's HMACSHA256, never with the module's ZoneTokens: a test against the emulator can then catch a bug there.
/// The checks are the platform's (jose's jwtVerify with algorithms ['HS256']): three segments, header alg HS256 and no
/// crit, a signature that verifies, a numeric exp not past (minus the tolerance), nbf not ahead, the audience when asked.
/// </summary>
internal static class Tokens
{
    /// <summary>Mints a credentials token {runId, agentId, iat, exp} with the platform secret.</summary>
    public static string MintCredentialsToken(EmulatorConfig cfg, long runId, long agentId, DateTimeOffset now) =>
        Sign(Encoding.UTF8.GetBytes(cfg.PlatformCredentialsSecret), new JsonObject
        {
            ["runId"] = runId,
            ["agentId"] = agentId,
            ["iat"] = now.ToUnixTimeSeconds(),
            ["exp"] = now.AddSeconds(cfg.CredentialsTokenLifetimeSeconds).ToUnixTimeSeconds(),
        });

    /// <summary>Mints a zone token for an agent with the agent's secret and audience.</summary>
    public static string MintZoneToken(EmulatorAgentConfig agent, DateTimeOffset now, string? userId, TimeSpan lifetime)
    {
        if (agent.ZoneSecret is null || agent.ZoneAudience is null)
            throw new InvalidOperationException($"Agent {agent.Id} has no zoneSecret/zoneAudience.");
        if (lifetime <= TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(lifetime), "The lifetime must be positive.");
        var claims = new JsonObject
        {
            ["aud"] = agent.ZoneAudience,
            ["iat"] = now.ToUnixTimeSeconds(),
            ["exp"] = now.Add(lifetime).ToUnixTimeSeconds(),
        };
        if (userId is not null) claims["userId"] = userId;
        claims["agentId"] = agent.Id;
        claims["orgSlug"] = agent.OrgSlug;
        claims["agentSlug"] = agent.AgentSlug;
        return Sign(Encoding.UTF8.GetBytes(agent.ZoneSecret), claims);
    }

    /// <summary>A compact HS256 JWS of these claims.</summary>
    public static string Sign(byte[] secret, JsonObject claims)
    {
        var input = Base64Url(Encoding.UTF8.GetBytes("{\"alg\":\"HS256\",\"typ\":\"JWT\"}")) + "." +
                    Base64Url(Encoding.UTF8.GetBytes(claims.ToJsonString()));
        return input + "." + Base64Url(HMACSHA256.HashData(secret, Encoding.ASCII.GetBytes(input)));
    }

    /// <summary>
    /// The claims of a token that verifies, or null with the reason (Malformed, AlgorithmNotAllowed, BadSignature,
    /// MissingClaim, Expired, NotYetValid, AudienceMismatch) and a message that holds no part of the token.
    /// </summary>
    public static JsonObject? Verify(string token, byte[] secret, string? audience, TimeSpan tolerance, DateTimeOffset now,
        out string reason, out string message)
    {
        reason = "Malformed"; message = "The token is not a JWS of three dot-separated segments.";
        if (token.Length > 16 * 1024) return null;
        var parts = token.Split('.');
        if (parts.Length != 3 || parts[2].Length == 0) return null;
        var header = ParseObject(parts[0]);
        var claims = ParseObject(parts[1]);
        var signature = FromBase64Url(parts[2]);
        if (header is null || claims is null || signature is null)
        {
            message = "The token's segments are not base64url JSON.";
            return null;
        }
        if (!(header["alg"] is JsonValue alg && alg.GetValueKind() == JsonValueKind.String && alg.GetValue<string>() == "HS256") || header.ContainsKey("crit"))
        {
            reason = "AlgorithmNotAllowed"; message = "The token's algorithm is not HS256.";
            return null;
        }
        var expected = HMACSHA256.HashData(secret, Encoding.ASCII.GetBytes(parts[0] + "." + parts[1]));
        if (!CryptographicOperations.FixedTimeEquals(expected, signature))
        {
            reason = "BadSignature"; message = "The token's signature does not verify.";
            return null;
        }
        var seconds = now.ToUnixTimeSeconds();
        if (Number(claims["exp"]) is not { } exp)
        {
            reason = "MissingClaim"; message = "The token has no numeric exp claim.";
            return null;
        }
        if (exp <= seconds - tolerance.TotalSeconds)
        {
            reason = "Expired"; message = "The token has expired.";
            return null;
        }
        if (claims.ContainsKey("nbf") && (Number(claims["nbf"]) is not { } nbf || nbf > seconds + tolerance.TotalSeconds))
        {
            reason = "NotYetValid"; message = "The token is not valid yet.";
            return null;
        }
        if (audience is not null && !AudienceHolds(claims["aud"], audience))
        {
            reason = "AudienceMismatch"; message = "The token's audience is not the expected one.";
            return null;
        }
        reason = "None"; message = "";
        return claims;
    }

    private static bool AudienceHolds(JsonNode? aud, string audience) => aud switch
    {
        JsonValue v when v.GetValueKind() == JsonValueKind.String => v.GetValue<string>() == audience,
        JsonArray a => a.Any(x => x is JsonValue v && v.GetValueKind() == JsonValueKind.String && v.GetValue<string>() == audience),
        _ => false,
    };

    private static double? Number(JsonNode? node) =>
        node is JsonValue v && v.GetValueKind() == JsonValueKind.Number ? v.GetValue<double>() : null;

    /// <summary>A claim as a long (an integral number or a numeric string), or null.</summary>
    public static long? ClaimAsLong(JsonObject claims, string name)
    {
        if (claims[name] is not JsonValue v) return null;
        if (v.GetValueKind() == JsonValueKind.Number)
        {
            if (v.TryGetValue<long>(out var l)) return l;
            var d = v.GetValue<double>();
            return d == Math.Floor(d) && Math.Abs(d) < 9e15 ? (long)d : null;
        }
        if (v.GetValueKind() == JsonValueKind.String && long.TryParse(v.GetValue<string>(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var p)) return p;
        return null;
    }

    /// <summary>A claim as a string, or null.</summary>
    public static string? ClaimAsString(JsonObject claims, string name) =>
        claims[name] is JsonValue v && v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : null;

    private static JsonObject? ParseObject(string segment)
    {
        var bytes = FromBase64Url(segment);
        if (bytes is null) return null;
        try { return JsonNode.Parse(bytes) as JsonObject is { } o && o.Count >= 0 ? o : null; }
        catch (JsonException) { return null; }
        catch (ArgumentException) { return null; }
        catch (InvalidOperationException) { return null; }
    }

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private static byte[]? FromBase64Url(string s)
    {
        if (s.Length == 0 || s.Length % 4 == 1) return null;
        foreach (var ch in s)
            if (!(ch is >= 'A' and <= 'Z' or >= 'a' and <= 'z' or >= '0' and <= '9' or '-' or '_')) return null;
        var b64 = s.Replace('-', '+').Replace('_', '/');
        b64 += new string('=', (4 - b64.Length % 4) % 4);
        try { return Convert.FromBase64String(b64); }
        catch (FormatException) { return null; }
    }
}
