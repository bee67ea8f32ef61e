using Cxpa.Engine.Zone;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Cxpa.Benchmarks;

/// <summary>
/// The engine's zone-token check without PowerShell: <c>ZoneTokens.Validate</c> against a raw <c>JsonWebTokenHandler</c> loop
/// on the same distinct tokens (<c>--only zone</c>). The cmdlet's figure is the <c>token</c> measure.
/// </summary>
public static class ZoneEngineMeasure
{
    public static MeasureResult Run(bool quick)
    {
        var count = quick ? 5_000 : 50_000;
        var rounds = quick ? 3 : 5;
        var secret = "bench-zone-secret-0123456789abcdef"u8.ToArray();
        const string audience = "bench-zone";
        var now = DateTimeOffset.UtcNow;
        var tokens = new string[count];
        for (int i = 0; i < count; i++)
            tokens[i] = ZoneTokens.Mint(secret, new ZoneTokenDescriptor { Audience = audience, AgentId = i + 1, UserId = "u-" + i, OrgSlug = "acme", AgentSlug = "bot", IssuedAt = now });
        var handler = new JsonWebTokenHandler { MapInboundClaims = false };
        var parameters = new TokenValidationParameters
        {
            IssuerSigningKey = new SymmetricSecurityKey(secret), ValidAudience = audience, ValidateIssuer = false,
            ValidAlgorithms = new[] { SecurityAlgorithms.HmacSha256 }, ClockSkew = TimeSpan.FromSeconds(5),
        };
        var tolerance = TimeSpan.FromSeconds(5);
        Console.Error.WriteLine($"[{DateTime.UtcNow:HH:mm:ss}] zone: {count:N0} distinct tokens × {rounds} rounds each way, engine only");
        var raw = new List<double>();
        var engine = new List<double>();
        for (int i = -1; i < rounds; i++)
        {
            var (a, b) = Stats.Abba(i,
                () => Stats.Time(() =>
                {
                    int valid = 0;
                    foreach (var t in tokens) if (handler.ValidateTokenAsync(t, parameters).GetAwaiter().GetResult().IsValid) valid++;
                    if (valid != count) throw new InvalidOperationException($"raw: {valid} of {count} valid");
                }),
                () => Stats.Time(() =>
                {
                    int valid = 0;
                    foreach (var t in tokens) if (ZoneTokens.Validate(t, secret, audience, tolerance, now).IsValid) valid++;
                    if (valid != count) throw new InvalidOperationException($"engine: {valid} of {count} valid");
                }));
            if (i < 0) continue;
            raw.Add(a); engine.Add(b);
        }
        var mr = Stats.Median(raw);
        var me = Stats.Median(engine);
        var r = new MeasureResult
        {
            Title = $"ZoneTokens.Validate on {count:N0} distinct tokens (engine, no PowerShell)",
            Baseline = $"{mr:0} ms ({mr * 1000 / count:0.0} µs a token): JsonWebTokenHandler.ValidateTokenAsync loop, one TokenValidationParameters",
            Module = $"{me:0} ms ({me * 1000 / count:0.0} µs a token): `ZoneTokens.Validate` with claims",
            Ratio = $"{mr / me:0.00}× throughput",
            Target = "≥ 1×",
            Met = mr / me >= 1,
        };
        r.Notes.Add("ZoneTokens parses every token strictly itself (canonical base64url, duplicate members, claim types) and verifies the HS256 signature over the parsed signing input with IdentityModel's SymmetricSignatureProvider (one per secret, cached); the raw loop is IdentityModel's whole validation with none of those checks.");
        r.Notes.Add($"Median of {rounds} rounds after a warm-up, ABBA. Per round, raw: {string.Join(", ", raw.Select(x => x.ToString("0")))} ms; engine: {string.Join(", ", engine.Select(x => x.ToString("0")))} ms.");
        return r;
    }
}
