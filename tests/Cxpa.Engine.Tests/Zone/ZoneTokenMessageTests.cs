using Cxpa.Engine.Zone;
using Xunit;
using static Cxpa.Engine.Tests.Zone.ZoneTestTokens;

namespace Cxpa.Engine.Tests.Zone;

/// <summary>
/// What a refused zone token is told, word for word, for each check in the order the checks run: the reason and the
/// message users see in Test-CxpaZoneToken's Reason/Message and in a zone backend's 401 answer.
/// </summary>
public sealed class ZoneTokenMessageTests
{
    private const string Z = "The zone token";
    private static readonly string Sig = new('A', 43);

    private static string Header(string json) => B64(json);

    /// <summary>A signed token with the standard header and payload overrides.</summary>
    private static string With(params (string Name, string? Json)[] claims) => Sign(Hs256Header, Payload(claims));

    public static IEnumerable<object[]> Cases() => new (string Token, ZoneTokenFailureReason Reason, string Message)[]
    {
        ("", ZoneTokenFailureReason.Empty, Z + " is empty."),
        (" \t ", ZoneTokenFailureReason.Empty, Z + " is empty."),
        (new string('a', ZoneTokens.MaximumTokenLength + 1), ZoneTokenFailureReason.TooLarge, $"{Z} is longer than {ZoneTokens.MaximumTokenLength} characters."),
        (new string(' ', ZoneTokens.MaximumTokenLength + 1), ZoneTokenFailureReason.TooLarge, $"{Z} is longer than {ZoneTokens.MaximumTokenLength} characters."),
        ("abc", ZoneTokenFailureReason.Malformed, Z + " is not a JWS of three dot-separated segments."),
        ("a.b", ZoneTokenFailureReason.Malformed, Z + " is not a JWS of three dot-separated segments."),
        ("a.b.c.d", ZoneTokenFailureReason.Malformed, Z + " is not a JWS of three dot-separated segments."),
        ("a.b.c.d.e.f", ZoneTokenFailureReason.Malformed, Z + " is not a JWS of three dot-separated segments."),
        ("a.b.c.d.e", ZoneTokenFailureReason.Malformed, Z + " is an encrypted JWE (five segments); only a signed HS256 JWS is accepted."),
        ("..", ZoneTokenFailureReason.Malformed, Z + "'s header is not base64url."),
        (".e30." + Sig, ZoneTokenFailureReason.Malformed, Z + "'s header is not base64url."),
        ("e3!9.e30." + Sig, ZoneTokenFailureReason.Malformed, Z + "'s header is not base64url."),
        (Header("[1]") + ".e30." + Sig, ZoneTokenFailureReason.Malformed, Z + "'s header is not a JSON object."),
        (Header("{\"alg\":\"none\"}") + ".e30." + Sig, ZoneTokenFailureReason.AlgorithmNotAllowed, Z + "'s algorithm is not HS256."),
        (Header("{\"alg\":\"hs256\"}") + ".e30." + Sig, ZoneTokenFailureReason.AlgorithmNotAllowed, Z + "'s algorithm is not HS256."),
        (Header("{\"typ\":\"JWT\"}") + ".e30." + Sig, ZoneTokenFailureReason.AlgorithmNotAllowed, Z + "'s algorithm is not HS256."),
        (Header("{\"alg\":\"HS256\",\"crit\":[\"exp\"]}") + ".e30." + Sig, ZoneTokenFailureReason.CriticalHeader, Z + "'s header has a crit parameter; no extension is supported."),
        (Header("{\"alg\":\"HS256\",\"jku\":\"https://x\"}") + ".e30." + Sig, ZoneTokenFailureReason.AlgorithmNotAllowed, Z + "'s header names or embeds its own key (jku, x5u, jwk or x5c); only the shared secret is used."),
        (Header("{\"alg\":\"HS256\",\"x5c\":[]}") + ".e30." + Sig, ZoneTokenFailureReason.AlgorithmNotAllowed, Z + "'s header names or embeds its own key (jku, x5u, jwk or x5c); only the shared secret is used."),
        (Header("{\"alg\":\"HS256\",\"zip\":\"DEF\"}") + ".e30." + Sig, ZoneTokenFailureReason.Malformed, Z + "'s header is a JWE header; only a signed HS256 JWS is accepted."),
        (Header("{\"alg\":\"HS256\",\"b64\":false}") + ".e30." + Sig, ZoneTokenFailureReason.Malformed, Z + "'s header has a b64 parameter; unencoded payloads are not supported."),
        (Header("{\"alg\":\"HS256\",\"kid\":1}") + ".e30." + Sig, ZoneTokenFailureReason.Malformed, Z + "'s header has a kid, typ or cty that is not a string."),
        (Header("{\"alg\":\"HS256\",\"cty\":null}") + ".e30." + Sig, ZoneTokenFailureReason.Malformed, Z + "'s header has a kid, typ or cty that is not a string."),
        (Header(Hs256Header) + "..", ZoneTokenFailureReason.Malformed, Z + "'s payload is not base64url."),
        (Header(Hs256Header) + ".e3!9." + Sig, ZoneTokenFailureReason.Malformed, Z + "'s payload is not base64url."),
        (Header(Hs256Header) + "." + B64("[]") + "." + Sig, ZoneTokenFailureReason.Malformed, Z + "'s payload is not a JSON object."),
        (Header(Hs256Header) + "." + B64(Payload()) + ".abc!", ZoneTokenFailureReason.Malformed, Z + "'s signature is not base64url."),
        (Header(Hs256Header) + "." + B64(Payload()) + ".AAAA", ZoneTokenFailureReason.BadSignature, Z + "'s signature is not a canonical HS256 signature."),
        (Header(Hs256Header) + "." + B64(Payload()) + "." + new string('A', 42) + "B", ZoneTokenFailureReason.BadSignature, Z + "'s signature is not a canonical HS256 signature."),
        (With(("exp", null)), ZoneTokenFailureReason.MissingClaim, Z + " has no exp claim."),
        (With(("exp", "\"soon\"")), ZoneTokenFailureReason.InvalidClaim, Z + "'s exp claim is not a number (NumericDate)."),
        (With(("nbf", "true")), ZoneTokenFailureReason.InvalidClaim, Z + "'s nbf claim is not a number (NumericDate)."),
        (With(("iat", "[1]")), ZoneTokenFailureReason.InvalidClaim, Z + "'s iat claim is not a number (NumericDate)."),
        (With(("jti", "5")), ZoneTokenFailureReason.InvalidClaim, Z + "'s iss, jti or azp claim is not a string."),
        (With(("azp", "{}")), ZoneTokenFailureReason.InvalidClaim, Z + "'s iss, jti or azp claim is not a string."),
        (With(("sub", "true")), ZoneTokenFailureReason.InvalidClaim, Z + "'s sub claim is not a string."),
        (With(("sub", "{}")), ZoneTokenFailureReason.InvalidClaim, Z + "'s sub claim is not a string."),
        (With(("aud", "5")), ZoneTokenFailureReason.AudienceMismatch, Z + "'s audience is not a string."),
        (With(("agentId", "4.5")), ZoneTokenFailureReason.InvalidClaim, Z + "'s agentId claim is not an integral number."),
        (With(("agentId", "\"x\"")), ZoneTokenFailureReason.InvalidClaim, Z + "'s agentId claim is not an integral number."),
        (With(("orgSlug", "7")), ZoneTokenFailureReason.InvalidClaim, Z + "'s userId, orgSlug or agentSlug claim is not a string."),
        (With(("agentSlug", "[]")), ZoneTokenFailureReason.InvalidClaim, Z + "'s userId, orgSlug or agentSlug claim is not a string."),
        (Sign(Hs256Header, Payload(), OtherSecret), ZoneTokenFailureReason.BadSignature, Z + "'s signature does not verify with the secret."),
        (With(("aud", "\"someone-else\"")), ZoneTokenFailureReason.AudienceMismatch, Z + "'s audience is not the expected one."),
        (With(("aud", null)), ZoneTokenFailureReason.AudienceMismatch, Z + "'s audience is not the expected one."),
        (With(("nbf", (NowSeconds + 6).ToString())), ZoneTokenFailureReason.NotYetValid, Z + " is not valid yet (nbf)."),
        (With(("exp", (NowSeconds - 5).ToString())), ZoneTokenFailureReason.Expired, Z + " has expired."),
        (With(), ZoneTokenFailureReason.None, Z + " is valid."),
        (With(("nbf", (NowSeconds + 5).ToString()), ("exp", (NowSeconds - 4).ToString()), ("sub", "12"), ("agentId", "null"), ("userId", "null")), ZoneTokenFailureReason.None, Z + " is valid."),
    }.Select(c => new object[] { c.Token, c.Reason, c.Message });

    [Theory]
    [MemberData(nameof(Cases))]
    public void Each_refusal_says_what_is_wrong(string token, ZoneTokenFailureReason reason, string message)
    {
        var r = ZoneTokens.Validate(token, ZoneSecret, Audience, Tolerance, withClaims: true, Now);
        Assert.Equal(message, r.Message);
        Assert.Equal(reason, r.Reason);
        Assert.Equal(reason == ZoneTokenFailureReason.None, r.IsValid);
        // Claims only for a token whose signature verified (the audience and lifetime are checked after it).
        var verified = reason is ZoneTokenFailureReason.None or ZoneTokenFailureReason.NotYetValid or ZoneTokenFailureReason.Expired
            || message.EndsWith("is not the expected one.", StringComparison.Ordinal);
        Assert.Equal(verified, r.Claims != null);
    }

    [Fact]
    public void Claims_are_read_only_when_asked_for()
    {
        var r = ZoneTokens.Validate(With(), ZoneSecret, Audience, Tolerance, withClaims: false, Now);
        Assert.True(r.IsValid);
        Assert.Null(r.Claims);
        var full = ZoneTokens.Validate(With(), ZoneSecret, Audience, Tolerance, withClaims: true, Now);
        Assert.Equal(42, full.Claims!.AgentId);
        Assert.Equal(Audience, full.Claims.Audience);
    }

    [Fact]
    public void Bad_arguments_are_refused_with_their_reason()
    {
        Assert.Equal("The expected audience must not be empty. (Parameter 'audience')",
            Assert.Throws<ArgumentException>(() => ZoneTokens.Validate(With(), ZoneSecret, "", Tolerance, Now)).Message);
        Assert.Equal("The clock tolerance must not be negative. (Parameter 'clockTolerance')",
            Assert.Throws<ArgumentOutOfRangeException>(() => ZoneTokens.Validate(With(), ZoneSecret, Audience, TimeSpan.FromSeconds(-1), Now)).Message);
        Assert.Equal("descriptor", Assert.Throws<ArgumentNullException>(() => ZoneTokens.Mint(ZoneSecret, null!)).ParamName);
    }

    [Fact]
    public void A_generic_token_is_not_held_to_the_zone_claims()
    {
        // agentId, userId and the slugs are zone claims: a generic HS256 token may carry them with any type.
        var token = ZoneTokens.CreateHs256(ZoneSecret, new Dictionary<string, object?>
        {
            ["exp"] = NowSeconds + 60, ["agentId"] = "not-a-number", ["userId"] = 5, ["orgSlug"] = true,
        });
        var claims = ZoneTokens.ValidateHs256(token, ZoneSecret, Now);
        Assert.NotNull(claims);
        Assert.Equal("not-a-number", claims!["agentId"]);
        Assert.False(ZoneTokens.Validate(token, ZoneSecret, Audience, Tolerance, Now).IsValid);
    }
}
