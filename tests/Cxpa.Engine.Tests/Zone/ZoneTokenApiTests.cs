using System.Text;
using System.Text.Json;
using Cxpa.Engine.Zone;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using Xunit;
using static Cxpa.Engine.Tests.Zone.ZoneTestTokens;
using R = Cxpa.Engine.Zone.ZoneTokenFailureReason;

namespace Cxpa.Engine.Tests.Zone;

public class ZoneTokenApiTests
{
    private static ZoneTokenDescriptor Descriptor() => new()
    {
        Audience = Audience,
        UserId = "6f1c2a9e-3b7d-4e8f-9a0b-1c2d3e4f5a6b",
        AgentId = 42,
        OrgSlug = "acme",
        AgentSlug = "report-bot",
        IssuedAt = Now,
        Lifetime = TimeSpan.FromMinutes(5),
    };

    // --- arguments -------------------------------------------------------------------------------------------------

    [Theory]
    [InlineData(0)]
    [InlineData(16)]
    [InlineData(31)]
    public void Short_secret_is_an_argument_error_that_does_not_echo_it(int length)
    {
        byte[] shortSecret = Encoding.ASCII.GetBytes(SecretText.Substring(0, length));
        string token = Valid();

        var errors = new[]
        {
            Assert.ThrowsAny<ArgumentException>(() => ZoneTokens.Validate(token, shortSecret, Audience, Tolerance, Now)),
            Assert.ThrowsAny<ArgumentException>(() => ZoneTokens.Mint(shortSecret, Descriptor())),
            Assert.ThrowsAny<ArgumentException>(() => ZoneTokens.CreateHs256(shortSecret, new Dictionary<string, object?> { ["exp"] = 1L })),
            Assert.ThrowsAny<ArgumentException>(() => ZoneTokens.ValidateHs256(token, shortSecret, Now)),
        };
        foreach (var error in errors)
        {
            Assert.Equal("secret", error.ParamName);
            Assert.Contains("32 bytes", error.Message);
            if (length > 0)
            {
                Assert.DoesNotContain(Encoding.ASCII.GetString(shortSecret), error.Message);
                Assert.DoesNotContain(Convert.ToBase64String(shortSecret), error.Message);
                Assert.DoesNotContain(Convert.ToHexString(shortSecret), error.Message, StringComparison.OrdinalIgnoreCase);
            }
        }
    }

    [Fact]
    public void Null_secret_is_an_argument_error()
    {
        Assert.Throws<ArgumentNullException>(() => ZoneTokens.Validate(Valid(), null!, Audience, Tolerance, Now));
        Assert.Throws<ArgumentNullException>(() => ZoneTokens.Mint(null!, Descriptor()));
    }

    [Theory]
    [InlineData("")]
    [InlineData("  ")]
    [InlineData(null)]
    public void Empty_audience_is_an_argument_error(string? audience)
    {
        var error = Assert.ThrowsAny<ArgumentException>(() => ZoneTokens.Validate(Valid(), ZoneSecret, audience!, Tolerance, Now));
        Assert.Equal("audience", error.ParamName);
        var descriptor = Descriptor();
        descriptor.Audience = audience!;
        Assert.ThrowsAny<ArgumentException>(() => ZoneTokens.Mint(ZoneSecret, descriptor));
    }

    [Fact]
    public void Negative_tolerance_is_an_argument_error()
        => Assert.Throws<ArgumentOutOfRangeException>(() => ZoneTokens.Validate(Valid(), ZoneSecret, Audience, TimeSpan.FromSeconds(-1), Now));

    [Fact]
    public void Exactly_32_byte_secret_is_enough()
    {
        byte[] secret = Encoding.ASCII.GetBytes(new string('k', 32));
        string token = ZoneTokens.Mint(secret, Descriptor());
        Assert.True(ZoneTokens.Validate(token, secret, Audience, Tolerance, Now).IsValid);
    }

    // --- Mint ------------------------------------------------------------------------------------------------------

    [Fact]
    public void Minted_token_has_the_pinned_header_and_claims()
    {
        var descriptor = Descriptor();
        descriptor.AdditionalClaims = new Dictionary<string, object?>
        {
            ["scope"] = "runs", ["n"] = 7, ["big"] = long.MaxValue, ["ratio"] = 0.5, ["ok"] = true, ["none"] = null,
            ["list"] = new List<object?> { 1, "two", false }, ["map"] = new Dictionary<string, object?> { ["k"] = "v" },
            ["nbf"] = Now.ToUnixTimeSeconds(),
        };
        string token = ZoneTokens.Mint(ZoneSecret, descriptor);
        var seg = Segments(token);

        Assert.Equal("{\"alg\":\"HS256\",\"typ\":\"JWT\"}", Encoding.UTF8.GetString(FromB64(seg[0])));
        string payload = Encoding.UTF8.GetString(FromB64(seg[1]));
        Assert.StartsWith(
            $"{{\"aud\":\"{Audience}\",\"iat\":{NowSeconds},\"exp\":{NowSeconds + 300},\"userId\":\"6f1c2a9e-3b7d-4e8f-9a0b-1c2d3e4f5a6b\",\"agentId\":42,\"orgSlug\":\"acme\",\"agentSlug\":\"report-bot\",\"scope\":\"runs\"",
            payload);
        Assert.Equal(B64(Mac(seg[0] + "." + seg[1], ZoneSecret)), seg[2]);

        var result = ZoneTokens.Validate(token, ZoneSecret, Audience, Tolerance, Now);
        Assert.True(result.IsValid, result.Message);
        var claims = result.Claims!;
        Assert.Equal("6f1c2a9e-3b7d-4e8f-9a0b-1c2d3e4f5a6b", claims.UserId);
        Assert.Equal(42, claims.AgentId);
        Assert.Equal("acme", claims.OrgSlug);
        Assert.Equal("report-bot", claims.AgentSlug);
        Assert.Equal(Audience, claims.Audience);
        Assert.Equal(Now, claims.IssuedAt);
        Assert.Equal(Now.AddMinutes(5), claims.ExpiresAt);
        Assert.Equal(Now, claims.NotBefore);
        Assert.Equal(long.MaxValue, claims.Raw["big"]);
        Assert.Equal(7L, claims.Raw["n"]);
        Assert.Equal(0.5, claims.Raw["ratio"]);
        Assert.Equal(true, claims.Raw["ok"]);
        Assert.True(claims.Raw.ContainsKey("none"));
        Assert.Null(claims.Raw["none"]);
        Assert.Equal(new List<object?> { 1L, "two", false }, Assert.IsType<List<object?>>(claims.Raw["list"]));
        Assert.Equal("v", Assert.IsType<Dictionary<string, object?>>(claims.Raw["map"])["k"]);
    }

    [Fact]
    public void Mint_leaves_out_null_strings_and_rounds_the_lifetime_up()
    {
        var descriptor = new ZoneTokenDescriptor { Audience = Audience, AgentId = 5, IssuedAt = Now, Lifetime = TimeSpan.FromMilliseconds(1500) };
        var claims = ZoneTokens.ReadUnverified(ZoneTokens.Mint(ZoneSecret, descriptor))!;
        Assert.Equal(new[] { "aud", "iat", "exp", "agentId" }, claims.Raw.Keys);
        Assert.Equal(Now.AddSeconds(2), claims.ExpiresAt);
        Assert.Null(claims.UserId);
    }

    [Fact]
    public void Mint_writes_aud_as_a_single_string()
    {
        string token = ZoneTokens.Mint(ZoneSecret, new ZoneTokenDescriptor { Audience = Audience, AgentId = 5, IssuedAt = Now });
        string payload = System.Text.Encoding.UTF8.GetString(Convert.FromBase64String(Pad(token.Split('.')[1])));
        Assert.StartsWith("{\"aud\":\"" + Audience + "\",", payload);
        Assert.IsType<string>(ZoneTokens.ReadUnverified(token)!.Raw["aud"]);
    }

    private static string Pad(string b64url)
    {
        var s = b64url.Replace('-', '+').Replace('_', '/');
        return s + new string('=', (4 - s.Length % 4) % 4);
    }

    [Fact]
    public void An_array_aud_holding_the_audience_is_valid_and_its_claims_name_that_audience()
    {
        var result = Check(Valid(("aud", "[\"other\",\"" + Audience + "\"]")));
        Assert.True(result.IsValid, result.Message);
        Assert.Equal(Audience, result.Claims!.Audience);
        Assert.Equal(new List<object?> { "other", Audience }, result.Claims.Raw["aud"]);
        // The generic check takes no audience: an array aud there has no single audience to name.
        Assert.Null(ZoneTokens.ReadUnverified(Valid(("aud", "[\"" + Audience + "\"]")))!.Audience);
    }

    [Fact]
    public void Mint_defaults_iat_to_now()
    {
        var before = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var claims = ZoneTokens.ReadUnverified(ZoneTokens.Mint(ZoneSecret, new ZoneTokenDescriptor { Audience = Audience, AgentId = 1 }))!;
        var after = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        Assert.InRange(claims.IssuedAt!.Value.ToUnixTimeSeconds(), before, after);
        Assert.Equal(TimeSpan.FromMinutes(5), claims.ExpiresAt - claims.IssuedAt);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    public void Mint_needs_a_positive_lifetime(int seconds)
    {
        var descriptor = Descriptor();
        descriptor.Lifetime = TimeSpan.FromSeconds(seconds);
        Assert.Throws<ArgumentException>(() => ZoneTokens.Mint(ZoneSecret, descriptor));
    }

    [Theory]
    [InlineData("aud")]
    [InlineData("exp")]
    [InlineData("agentId")]
    public void Mint_refuses_additional_claims_that_repeat_the_descriptor(string name)
    {
        var descriptor = Descriptor();
        descriptor.AdditionalClaims = new Dictionary<string, object?> { [name] = "x" };
        Assert.Throws<ArgumentException>(() => ZoneTokens.Mint(ZoneSecret, descriptor));
    }

    [Fact]
    public void Mint_refuses_values_that_are_not_plain_json()
    {
        var descriptor = Descriptor();
        descriptor.AdditionalClaims = new Dictionary<string, object?> { ["x"] = new object() };
        Assert.Throws<ArgumentException>(() => ZoneTokens.Mint(ZoneSecret, descriptor));
        descriptor.AdditionalClaims = new Dictionary<string, object?> { ["x"] = double.NaN };
        Assert.Throws<ArgumentException>(() => ZoneTokens.Mint(ZoneSecret, descriptor));
        var cycle = new List<object?>();
        cycle.Add(cycle);
        descriptor.AdditionalClaims = new Dictionary<string, object?> { ["x"] = cycle };
        Assert.Throws<ArgumentException>(() => ZoneTokens.Mint(ZoneSecret, descriptor));
    }

    [Fact]
    public async Task Minted_token_verifies_with_identitymodel_and_identitymodel_tokens_verify_here()
    {
        var parameters = new TokenValidationParameters
        {
            IssuerSigningKey = new SymmetricSecurityKey(ZoneSecret), ValidAudience = Audience, ValidateIssuer = false,
            ValidateLifetime = false, ValidAlgorithms = new[] { "HS256" },
        };
        var handler = new JsonWebTokenHandler();
        var theirs = await handler.ValidateTokenAsync(ZoneTokens.Mint(ZoneSecret, Descriptor()), parameters);
        Assert.True(theirs.IsValid, theirs.Exception?.Message);

        string imToken = handler.CreateToken(new SecurityTokenDescriptor
        {
            SigningCredentials = new SigningCredentials(new SymmetricSecurityKey(ZoneSecret), SecurityAlgorithms.HmacSha256),
            Audience = Audience,
            IssuedAt = Now.UtcDateTime, NotBefore = Now.UtcDateTime.AddSeconds(-1), Expires = Now.UtcDateTime.AddMinutes(5),
            Claims = new Dictionary<string, object> { ["agentId"] = 42, ["userId"] = "u-1" },
        });
        var ours = ZoneTokens.Validate(imToken, ZoneSecret, Audience, Tolerance, Now);
        Assert.True(ours.IsValid, ours.Message);
        Assert.Equal(42, ours.Claims!.AgentId);
        Assert.Equal("u-1", ours.Claims.UserId);
    }

    // --- Validate: claims ------------------------------------------------------------------------------------------

    [Theory]
    [InlineData("{\"alg\":\"HS256\",\"typ\":\"JWT\"}")]
    [InlineData("{\"alg\":\"HS256\"}")]
    [InlineData("{\"typ\":\"JWT\",\"alg\":\"HS256\"}")]
    [InlineData("{\"alg\":\"HS256\",\"typ\":\"at+jwt\",\"kid\":\"k\"}")]
    public void Common_headers_verify(string header)
    {
        Assert.True(Check(Sign(header, Payload())).IsValid);
        Assert.Equal(R.BadSignature, Check(Sign(header, Payload(), OtherSecret)).Reason);
    }

    [Fact]
    public void Raw_holds_plain_bcl_values()
    {
        string token = Valid(("obj", "{\"a\":[1,2.5,\"s\",true,null,{\"b\":-3}]}"), ("huge", "18446744073709551616"));
        var raw = Check(token).Claims!.Raw;
        Assert.IsType<string>(raw["aud"]);
        Assert.IsType<long>(raw["exp"]);
        Assert.IsType<long>(raw["agentId"]);
        Assert.IsType<double>(raw["huge"]);
        var list = Assert.IsType<List<object?>>(Assert.IsType<Dictionary<string, object?>>(raw["obj"])["a"]);
        Assert.Equal(new object?[] { 1L, 2.5, "s", true, null }, list.Take(5));
        Assert.Equal(-3L, Assert.IsType<Dictionary<string, object?>>(list[5])["b"]);
        Assert.DoesNotContain(raw.Values, v => v is JsonElement);
    }

    [Fact]
    public void Fractional_dates_keep_milliseconds()
    {
        var claims = Check(Valid(("exp", (NowSeconds + 300) + ".25"))).Claims!;
        Assert.Equal(Now.AddSeconds(300.25), claims.ExpiresAt);
    }

    [Fact]
    public void Audience_comparison_is_ordinal()
    {
        // Turkish-i and combining forms must not be folded.
        string audience = "aud_İstanbul_é";
        string decomposed = "aud_İstanbul_e\u0301";
        string token = Sign(Hs256Header, Payload(("aud", JsonSerializer.Serialize(decomposed))));
        Assert.Equal(R.AudienceMismatch, ZoneTokens.Validate(token, ZoneSecret, audience, Tolerance, Now).Reason);
        string exact = Sign(Hs256Header, Payload(("aud", JsonSerializer.Serialize(audience))));
        Assert.True(ZoneTokens.Validate(exact, ZoneSecret, audience, Tolerance, Now).IsValid);
    }

    [Fact]
    public void Same_token_different_audience_or_secret_uses_the_right_cache_entry()
    {
        string token = Valid();
        Assert.True(Check(token).IsValid);
        Assert.Equal(R.AudienceMismatch, ZoneTokens.Validate(token, ZoneSecret, "aud_zone_43", Tolerance, Now).Reason);
        Assert.Equal(R.BadSignature, ZoneTokens.Validate(token, OtherSecret, Audience, Tolerance, Now).Reason);
        // The cache holds a copy: changing the caller's array afterwards changes nothing.
        byte[] secret = (byte[])ZoneSecret.Clone();
        Assert.True(ZoneTokens.Validate(token, secret, Audience, Tolerance, Now).IsValid);
        secret[0] ^= 1;
        Assert.Equal(R.BadSignature, ZoneTokens.Validate(token, secret, Audience, Tolerance, Now).Reason);
        Assert.True(Check(token).IsValid);
    }

    [Fact]
    public void Validation_cache_stays_bounded()
    {
        for (int i = 0; i < 3 * ZoneValidationCache.Capacity; i++)
        {
            byte[] secret = Encoding.ASCII.GetBytes($"secret-number-{i:D4}-0123456789abcdefgh");
            string token = Sign(Hs256Header, Payload(), secret);
            Assert.True(ZoneTokens.Validate(token, secret, Audience, Tolerance, Now).IsValid);
        }
        Assert.InRange(ZoneValidationCache.Count, 1, ZoneValidationCache.Capacity);
    }

    [Fact]
    public void Validate_is_thread_safe()
    {
        string good = Valid();
        string bad = Sign(Hs256Header, Payload(), OtherSecret);
        var failures = 0;
        Parallel.For(0, 20_000, i =>
        {
            var result = Check(i % 2 == 0 ? good : bad);
            if (result.IsValid != (i % 2 == 0)) Interlocked.Increment(ref failures);
        });
        Assert.Equal(0, failures);
    }

    // --- ReadUnverified ----------------------------------------------------------------------------------------------

    [Fact]
    public void ReadUnverified_reads_without_checking()
    {
        var tampered = ZoneTokenCorpus.Rejected["payload_tampered_agentId"].Token;
        Assert.Equal(43, ZoneTokens.ReadUnverified(tampered)!.AgentId);
        Assert.Equal(42, ZoneTokens.ReadUnverified(ZoneTokenCorpus.Rejected["exp_1h_ago"].Token)!.AgentId);
        Assert.Equal(42, ZoneTokens.ReadUnverified(ZoneTokenCorpus.Rejected["alg_none_empty_signature"].Token)!.AgentId);
        // Wrong types stay null in the typed view and available in Raw.
        var odd = ZoneTokens.ReadUnverified(Valid(("agentId", "\"42\""), ("exp", "\"soon\"")))!;
        Assert.Null(odd.AgentId);
        Assert.Null(odd.ExpiresAt);
        Assert.Equal("42", odd.Raw["agentId"]);
    }

    [Fact]
    public void ReadUnverified_returns_null_for_anything_undecodable()
    {
        foreach (var name in new[]
                 {
                     "null_token", "empty_string", "whitespace", "two_segments", "four_segments", "jwe_five_segments", "header_not_json",
                     "payload_not_json", "payload_json_array", "payload_json_string", "payload_padded", "huge_token_over_cap",
                     "unicode_garbage", "null_bytes", "only_dots_two", "payload_duplicate_exp",
                 })
        {
            Assert.Null(ZoneTokens.ReadUnverified(ZoneTokenCorpus.Rejected[name].Token));
        }
    }

    [Fact]
    public void Nothing_in_the_corpus_makes_any_api_throw()
    {
        byte[] thirdSecret = Encoding.ASCII.GetBytes("a-third-secret-nobody-signed-with-0123456789");
        foreach (var (token, _) in ZoneTokenCorpus.Rejected.Values)
        {
            _ = ZoneTokens.ReadUnverified(token);
            Assert.Null(ZoneTokens.ValidateHs256(token, thirdSecret, Now));
            _ = ZoneTokens.ValidateHs256(token, ZoneSecret, Now);
            _ = ZoneTokens.Validate(token, thirdSecret, "x", TimeSpan.MaxValue, DateTimeOffset.MinValue);
            _ = ZoneTokens.Validate(token, ZoneSecret, Audience, TimeSpan.Zero, DateTimeOffset.MaxValue);
        }
    }

    // --- CreateHs256 / ValidateHs256 ---------------------------------------------------------------------------------

    private static Dictionary<string, object?> CredentialClaims(long exp) => new()
    {
        ["runId"] = 1234L, ["agentId"] = 42L, ["exp"] = exp,
    };

    [Fact]
    public void Generic_round_trip()
    {
        string token = ZoneTokens.CreateHs256(ZoneSecret, CredentialClaims(NowSeconds + 60));
        Assert.Equal("{\"alg\":\"HS256\",\"typ\":\"JWT\"}", Encoding.UTF8.GetString(FromB64(Segments(token)[0])));
        var claims = ZoneTokens.ValidateHs256(token, ZoneSecret, Now);
        Assert.NotNull(claims);
        Assert.Equal(1234L, claims!["runId"]);
        Assert.Equal(42L, claims["agentId"]);
        Assert.Equal(NowSeconds + 60, claims["exp"]);
        Assert.Null(ZoneTokens.ValidateHs256(token, OtherSecret, Now));
        long realNow = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        Assert.NotNull(ZoneTokens.ValidateHs256(ZoneTokens.CreateHs256(ZoneSecret, CredentialClaims(realNow + 60)), ZoneSecret));
        Assert.Null(ZoneTokens.ValidateHs256(ZoneTokens.CreateHs256(ZoneSecret, CredentialClaims(realNow - 60)), ZoneSecret));
    }

    [Fact]
    public void Generic_exp_is_required_with_5s_tolerance()
    {
        Assert.NotNull(ZoneTokens.ValidateHs256(ZoneTokens.CreateHs256(ZoneSecret, CredentialClaims(NowSeconds - 3)), ZoneSecret, Now));
        Assert.Null(ZoneTokens.ValidateHs256(ZoneTokens.CreateHs256(ZoneSecret, CredentialClaims(NowSeconds - 6)), ZoneSecret, Now));
        Assert.Null(ZoneTokens.ValidateHs256(ZoneTokens.CreateHs256(ZoneSecret, new Dictionary<string, object?> { ["runId"] = 1 }), ZoneSecret, Now));
        Assert.Null(ZoneTokens.ValidateHs256(ZoneTokens.CreateHs256(ZoneSecret, new Dictionary<string, object?> { ["exp"] = (NowSeconds + 60).ToString() }), ZoneSecret, Now));
        var nbfAhead = CredentialClaims(NowSeconds + 60);
        nbfAhead["nbf"] = NowSeconds + 6;
        Assert.Null(ZoneTokens.ValidateHs256(ZoneTokens.CreateHs256(ZoneSecret, nbfAhead), ZoneSecret, Now));
        nbfAhead["nbf"] = NowSeconds + 3;
        Assert.NotNull(ZoneTokens.ValidateHs256(ZoneTokens.CreateHs256(ZoneSecret, nbfAhead), ZoneSecret, Now));
    }

    [Fact]
    public void Generic_ignores_the_audience_but_keeps_alg_strictness()
    {
        var claims = CredentialClaims(NowSeconds + 60);
        claims["aud"] = new List<object?> { "a", "b" };
        Assert.NotNull(ZoneTokens.ValidateHs256(ZoneTokens.CreateHs256(ZoneSecret, claims), ZoneSecret, Now));

        string payload = "{\"runId\":1,\"exp\":" + (NowSeconds + 60) + "}";
        Assert.Null(ZoneTokens.ValidateHs256(B64("{\"alg\":\"none\"}") + "." + B64(payload) + ".", ZoneSecret, Now));
        Assert.Null(ZoneTokens.ValidateHs256(Sign("{\"alg\":\"HS512\"}", payload, hash: "SHA512"), ZoneSecret, Now));
        Assert.Null(ZoneTokens.ValidateHs256(Sign("{\"alg\":\"HS256\",\"crit\":[\"x\"]}", payload), ZoneSecret, Now));
        Assert.Null(ZoneTokens.ValidateHs256(Sign("{\"alg\":\"HS256\",\"jku\":\"https://x\"}", payload), ZoneSecret, Now));
        Assert.NotNull(ZoneTokens.ValidateHs256(Sign("{\"alg\":\"HS256\"}", payload), ZoneSecret, Now));
    }

    [Fact]
    public void CreateHs256_needs_claims()
        => Assert.Throws<ArgumentNullException>(() => ZoneTokens.CreateHs256(ZoneSecret, null!));
}
