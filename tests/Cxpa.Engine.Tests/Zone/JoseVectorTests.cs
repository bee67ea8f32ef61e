using System.Text;
using Cxpa.Engine.Zone;
using Xunit;
using R = Cxpa.Engine.Zone.ZoneTokenFailureReason;

namespace Cxpa.Engine.Tests.Zone;

/// <summary>
/// Tokens minted once by jose 6.2.17 (jose-interop/gen-vectors.mjs), so that interop is checked even without node.
/// Secret "cxpa-zone-interop-secret-0123456789ab" (UTF-8 bytes), audience "aud_interop_7", now 1795341600
/// (2026-11-22T10:00:00Z), tolerance 5 s. Claims: aud, iat = now - 10, exp = now + 300,
/// userId "0b8e6a52-5f0c-4c1e-9d7a-2f3b4c5d6e7f", agentId 7, orgSlug "globex", agentSlug "pdf-maker", with per-vector changes:
/// typ_and_nbf (typ JWT, nbf = now - 10), extra_claims (scope list, nested meta, unicode name, flag, null), kid ("zone-key-1"),
/// array_aud (aud = ["aud_interop_7"], which jose and ZoneTokens accept), expired (exp = now - 60),
/// wrong_secret (signed with another secret), hs512 (alg HS512, same secret).
/// </summary>
public class JoseVectorTests
{
    private static readonly byte[] Secret = Encoding.UTF8.GetBytes("cxpa-zone-interop-secret-0123456789ab");
    private const string Audience = "aud_interop_7";
    private static readonly DateTimeOffset Now = DateTimeOffset.FromUnixTimeSeconds(1795341600);

    private static readonly Dictionary<string, (string Token, R Reason)> Vectors = new()
    {
        ["standard"] = ("eyJhbGciOiJIUzI1NiJ9.eyJhdWQiOiJhdWRfaW50ZXJvcF83IiwiaWF0IjoxNzk1MzQxNTkwLCJleHAiOjE3OTUzNDE5MDAsInVzZXJJZCI6IjBiOGU2YTUyLTVmMGMtNGMxZS05ZDdhLTJmM2I0YzVkNmU3ZiIsImFnZW50SWQiOjcsIm9yZ1NsdWciOiJnbG9iZXgiLCJhZ2VudFNsdWciOiJwZGYtbWFrZXIifQ.1cneRsemtEy5xMNQssx46MB5s4x9wj-OSf649XdD48w", R.None),
        ["typ_and_nbf"] = ("eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJhdWQiOiJhdWRfaW50ZXJvcF83IiwiaWF0IjoxNzk1MzQxNTkwLCJleHAiOjE3OTUzNDE5MDAsInVzZXJJZCI6IjBiOGU2YTUyLTVmMGMtNGMxZS05ZDdhLTJmM2I0YzVkNmU3ZiIsImFnZW50SWQiOjcsIm9yZ1NsdWciOiJnbG9iZXgiLCJhZ2VudFNsdWciOiJwZGYtbWFrZXIiLCJuYmYiOjE3OTUzNDE1OTB9.AOiNqtdGCHpqmQ0Dks534EJFN3N8KzZPlAmsCgLhlF0", R.None),
        ["extra_claims"] = ("eyJhbGciOiJIUzI1NiJ9.eyJhdWQiOiJhdWRfaW50ZXJvcF83IiwiaWF0IjoxNzk1MzQxNTkwLCJleHAiOjE3OTUzNDE5MDAsInVzZXJJZCI6IjBiOGU2YTUyLTVmMGMtNGMxZS05ZDdhLTJmM2I0YzVkNmU3ZiIsImFnZW50SWQiOjcsIm9yZ1NsdWciOiJnbG9iZXgiLCJhZ2VudFNsdWciOiJwZGYtbWFrZXIiLCJzY29wZSI6WyJydW5zOndyaXRlIiwiY3JlZGVudGlhbHM6cmVhZCJdLCJtZXRhIjp7InBsYW4iOiJwcm8iLCJsaW1pdHMiOnsicnVucyI6MTAwLCJyYXRpbyI6MC43NX19LCJuYW1lIjoiWm_DqyDwn5mCIiwiZmxhZyI6dHJ1ZSwibm90aGluZyI6bnVsbH0.WlgYeLuvomhEj6oamE8clewbsnJOWkLP3c71XKj8SYk", R.None),
        ["kid"] = ("eyJhbGciOiJIUzI1NiIsImtpZCI6InpvbmUta2V5LTEifQ.eyJhdWQiOiJhdWRfaW50ZXJvcF83IiwiaWF0IjoxNzk1MzQxNTkwLCJleHAiOjE3OTUzNDE5MDAsInVzZXJJZCI6IjBiOGU2YTUyLTVmMGMtNGMxZS05ZDdhLTJmM2I0YzVkNmU3ZiIsImFnZW50SWQiOjcsIm9yZ1NsdWciOiJnbG9iZXgiLCJhZ2VudFNsdWciOiJwZGYtbWFrZXIifQ.zCrVkXodDOtPI95zRswWWUMl7nNUOp7OmRKzZUVWrVs", R.None),
        ["array_aud"] = ("eyJhbGciOiJIUzI1NiJ9.eyJhdWQiOlsiYXVkX2ludGVyb3BfNyJdLCJpYXQiOjE3OTUzNDE1OTAsImV4cCI6MTc5NTM0MTkwMCwidXNlcklkIjoiMGI4ZTZhNTItNWYwYy00YzFlLTlkN2EtMmYzYjRjNWQ2ZTdmIiwiYWdlbnRJZCI6Nywib3JnU2x1ZyI6Imdsb2JleCIsImFnZW50U2x1ZyI6InBkZi1tYWtlciJ9.ZaAUebJL3bmuku3H1TKm7NocV65G60oJyFYtSrU1mk0", R.None),
        ["expired"] = ("eyJhbGciOiJIUzI1NiJ9.eyJhdWQiOiJhdWRfaW50ZXJvcF83IiwiaWF0IjoxNzk1MzQxNTkwLCJleHAiOjE3OTUzNDE1NDAsInVzZXJJZCI6IjBiOGU2YTUyLTVmMGMtNGMxZS05ZDdhLTJmM2I0YzVkNmU3ZiIsImFnZW50SWQiOjcsIm9yZ1NsdWciOiJnbG9iZXgiLCJhZ2VudFNsdWciOiJwZGYtbWFrZXIifQ.CCMCwYcUlunZCwx6lN9BntPoBKdHn29OagTkZ15xNOc", R.Expired),
        ["wrong_secret"] = ("eyJhbGciOiJIUzI1NiJ9.eyJhdWQiOiJhdWRfaW50ZXJvcF83IiwiaWF0IjoxNzk1MzQxNTkwLCJleHAiOjE3OTUzNDE5MDAsInVzZXJJZCI6IjBiOGU2YTUyLTVmMGMtNGMxZS05ZDdhLTJmM2I0YzVkNmU3ZiIsImFnZW50SWQiOjcsIm9yZ1NsdWciOiJnbG9iZXgiLCJhZ2VudFNsdWciOiJwZGYtbWFrZXIifQ.YSO5DJWV-UXmK9eyGmXMm-Bme4LHm8RIMyAzDFPDfjU", R.BadSignature),
        ["hs512"] = ("eyJhbGciOiJIUzUxMiJ9.eyJhdWQiOiJhdWRfaW50ZXJvcF83IiwiaWF0IjoxNzk1MzQxNTkwLCJleHAiOjE3OTUzNDE5MDAsInVzZXJJZCI6IjBiOGU2YTUyLTVmMGMtNGMxZS05ZDdhLTJmM2I0YzVkNmU3ZiIsImFnZW50SWQiOjcsIm9yZ1NsdWciOiJnbG9iZXgiLCJhZ2VudFNsdWciOiJwZGYtbWFrZXIifQ.BAabxTClEofOjKHxJj_7_W-t3bCfSn2UIdOBoFLz-h4u2JKY5QaVYFiVGSDeoNEEoq1wTgVVWgA31zdAZjczOA", R.AlgorithmNotAllowed),
    };

    public static TheoryData<string> Names => new(Vectors.Keys);

    [Theory]
    [MemberData(nameof(Names))]
    public void Jose_minted_vector(string name)
    {
        var (token, expected) = Vectors[name];
        var result = ZoneTokens.Validate(token, Secret, Audience, TimeSpan.FromSeconds(5), Now);
        Assert.Equal(expected, result.Reason);
        Assert.Equal(expected == R.None, result.IsValid);
        if (expected is R.None or R.AudienceMismatch or R.Expired)
        {
            var claims = result.Claims!;
            Assert.Equal(7, claims.AgentId);
            Assert.Equal("0b8e6a52-5f0c-4c1e-9d7a-2f3b4c5d6e7f", claims.UserId);
            Assert.Equal("globex", claims.OrgSlug);
            Assert.Equal("pdf-maker", claims.AgentSlug);
            Assert.Equal(Now.AddSeconds(-10), claims.IssuedAt);
        }
        else
        {
            Assert.Null(result.Claims);
        }
    }

    [Fact]
    public void Jose_extra_claims_arrive_as_plain_values()
    {
        var raw = ZoneTokens.Validate(Vectors["extra_claims"].Token, Secret, Audience, TimeSpan.FromSeconds(5), Now).Claims!.Raw;
        Assert.Equal(new List<object?> { "runs:write", "credentials:read" }, raw["scope"]);
        var meta = Assert.IsType<Dictionary<string, object?>>(raw["meta"]);
        Assert.Equal("pro", meta["plan"]);
        var limits = Assert.IsType<Dictionary<string, object?>>(meta["limits"]);
        Assert.Equal(100L, limits["runs"]);
        Assert.Equal(0.75, limits["ratio"]);
        Assert.Equal("Zoë 🙂", raw["name"]);
        Assert.Equal(true, raw["flag"]);
        Assert.Null(raw["nothing"]);
    }

    [Fact]
    public void Jose_vectors_through_the_generic_check()
    {
        Assert.NotNull(ZoneTokens.ValidateHs256(Vectors["standard"].Token, Secret, Now));
        Assert.NotNull(ZoneTokens.ValidateHs256(Vectors["array_aud"].Token, Secret, Now));
        Assert.Null(ZoneTokens.ValidateHs256(Vectors["expired"].Token, Secret, Now));
        Assert.Null(ZoneTokens.ValidateHs256(Vectors["wrong_secret"].Token, Secret, Now));
        Assert.Null(ZoneTokens.ValidateHs256(Vectors["hs512"].Token, Secret, Now));
    }
}
