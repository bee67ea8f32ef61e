using Cxpa.Engine.Zone;
using Xunit;
using Xunit.Abstractions;
using static Cxpa.Engine.Tests.Zone.ZoneTestTokens;
using R = Cxpa.Engine.Zone.ZoneTokenFailureReason;

namespace Cxpa.Engine.Tests.Zone;

/// <summary>Live interop with jose through node (skipped when node or jose is unavailable).</summary>
public class JoseInteropTests
{
    private readonly ITestOutputHelper _output;

    public JoseInteropTests(ITestOutputHelper output) => _output = output;

    /// <summary>
    /// Corpus tokens that jose 6 (with createZoneMiddleware's options) accepts and ZoneTokens refuses, on purpose: array
    /// audiences with a non-string element beside the audience; key-reference headers (jose ignores jku/x5u/x5c with a symmetric key); JWE/b64 headers and non-string
    /// kid/typ, which jose does not look at in a JWS; non-canonical or padded base64url and a trailing newline (jose's decoder
    /// is lenient); duplicate JSON members (JSON.parse keeps the last); lone surrogates; deep nesting; stricter claim types;
    /// an exp beyond what a DateTimeOffset holds; and the 16 KiB size cap.
    /// </summary>
    private static readonly HashSet<string> StricterThanJose = new()
    {
        "aud_array_with_number", "aud_array_with_null",
        "jku_header", "x5u_header", "x5c_header",
        "enc_header_jwe", "zip_header", "b64_without_crit", "kid_number", "typ_object",
        "signature_noncanonical_last_char", "signature_padded", "trailing_newline",
        "alg_duplicate_none_then_HS256", "payload_duplicate_exp", "payload_duplicate_nested_key",
        "payload_lone_surrogate_escape", "payload_nested_too_deep",
        "agentId_numeric_string", "agentId_fraction", "agentId_object", "agentId_beyond_int64", "userId_number",
        "iss_number", "exp_beyond_year_9999", "huge_token_over_cap",
    };

    [JoseFact]
    public void Jose_minted_tokens_verify_here()
    {
        var payload = new Dictionary<string, object?>
        {
            ["aud"] = Audience, ["iat"] = NowSeconds - 1, ["exp"] = NowSeconds + 300, ["nbf"] = NowSeconds - 1,
            ["userId"] = "6f1c2a9e-3b7d-4e8f-9a0b-1c2d3e4f5a6b", ["agentId"] = 42, ["orgSlug"] = "acme", ["agentSlug"] = "report-bot",
            ["extra"] = new Dictionary<string, object?> { ["list"] = new object?[] { 1, 2.5, "é", null } },
        };
        foreach (var header in new object?[] { null, new { alg = "HS256", typ = "JWT" }, new { alg = "HS256", kid = "k1" } })
        {
            string token = JoseInterop.Mint(ZoneSecret, payload, header);
            var result = Check(token);
            Assert.True(result.IsValid, result.Message);
            Assert.Equal(42, result.Claims!.AgentId);
            Assert.Equal("report-bot", result.Claims.AgentSlug);
            Assert.Equal(Now.AddSeconds(-1), result.Claims.NotBefore);
            Assert.Equal(2.5, ((List<object?>)((Dictionary<string, object?>)result.Claims.Raw["extra"]!)["list"]!)[1]);
        }

        string otherSecretToken = JoseInterop.Mint(OtherSecret, payload);
        Assert.Equal(R.BadSignature, Check(otherSecretToken).Reason);
    }

    [JoseFact]
    public void Tokens_minted_here_verify_with_jose()
    {
        var descriptor = new ZoneTokenDescriptor
        {
            Audience = Audience, UserId = "6f1c2a9e-3b7d-4e8f-9a0b-1c2d3e4f5a6b", AgentId = 42, OrgSlug = "åcme", AgentSlug = "report-bot",
            IssuedAt = Now, Lifetime = TimeSpan.FromMinutes(5),
            AdditionalClaims = new Dictionary<string, object?> { ["roles"] = new[] { "admin" }, ["html"] = "<b>&'\"</b> 🙂" },
        };
        string minted = ZoneTokens.Mint(ZoneSecret, descriptor);
        string generic = ZoneTokens.CreateHs256(ZoneSecret, new Dictionary<string, object?>
        {
            ["aud"] = Audience, ["runId"] = 1234L, ["agentId"] = 42L, ["exp"] = NowSeconds + 60,
        });

        var results = JoseInterop.Verify(new[] { minted, generic }, ZoneSecret, Audience, 5, NowSeconds);

        Assert.True(results[0].Ok, results[0].Code);
        var payload = results[0].Payload!;
        Assert.Equal(42, payload["agentId"]!.GetValue<long>());
        Assert.Equal("åcme", payload["orgSlug"]!.GetValue<string>());
        Assert.Equal("<b>&'\"</b> 🙂", payload["html"]!.GetValue<string>());
        Assert.Equal(NowSeconds + 300, payload["exp"]!.GetValue<long>());
        Assert.True(results[1].Ok, results[1].Code);

        // And jose refuses what the clock or the secret refuses.
        var late = JoseInterop.Verify(new[] { minted }, ZoneSecret, Audience, 5, NowSeconds + 306);
        Assert.False(late[0].Ok);
        var wrongKey = JoseInterop.Verify(new[] { minted }, OtherSecret, Audience, 5, NowSeconds);
        Assert.False(wrongKey[0].Ok);
    }

    /// <summary>
    /// The whole corpus through jose with createZoneMiddleware's options: everything ZoneTokens accepts, jose accepts;
    /// whatever jose accepts and ZoneTokens refuses is a listed, deliberate strictness.
    /// </summary>
    [JoseFact]
    public void Never_more_lenient_than_jose_on_the_corpus()
    {
        var accepted = ZoneTokenCorpus.Accepted.ToList();
        var rejected = ZoneTokenCorpus.Rejected.Where(c => c.Value.Token != null).ToList();

        var joseOnAccepted = JoseInterop.Verify(accepted.Select(c => c.Value), ZoneSecret, Audience, 5, NowSeconds);
        for (int i = 0; i < accepted.Count; i++)
            Assert.True(joseOnAccepted[i].Ok, $"jose refuses {accepted[i].Key}: {joseOnAccepted[i].Code}");

        var joseOnRejected = JoseInterop.Verify(rejected.Select(c => c.Value.Token), ZoneSecret, Audience, 5, NowSeconds);
        var unexpected = new List<string>();
        for (int i = 0; i < rejected.Count; i++)
        {
            if (!joseOnRejected[i].Ok) continue;
            _output.WriteLine($"jose accepts, ZoneTokens refuses ({rejected[i].Value.Reason}): {rejected[i].Key}");
            if (!StricterThanJose.Contains(rejected[i].Key)) unexpected.Add(rejected[i].Key);
        }
        Assert.Empty(unexpected);
    }
}
