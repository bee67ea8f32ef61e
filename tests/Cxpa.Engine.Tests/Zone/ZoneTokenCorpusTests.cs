using Cxpa.Engine.Zone;
using Xunit;
using static Cxpa.Engine.Tests.Zone.ZoneTestTokens;
using R = Cxpa.Engine.Zone.ZoneTokenFailureReason;

namespace Cxpa.Engine.Tests.Zone;

public class ZoneTokenCorpusTests
{
    public static TheoryData<string> RejectedCases => new(ZoneTokenCorpus.Rejected.Keys);
    public static TheoryData<string> AcceptedCases => new(ZoneTokenCorpus.Accepted.Keys);

    [Fact]
    public void Corpus_is_large_enough()
    {
        Assert.True(ZoneTokenCorpus.Rejected.Count >= 45, $"only {ZoneTokenCorpus.Rejected.Count} rejected cases");
        // Every reason but None appears in the corpus; AmbiguousToken is about the header (several values), not a token's content.
        var reasons = ZoneTokenCorpus.Rejected.Values.Select(v => v.Reason).ToHashSet();
        foreach (R reason in Enum.GetValues<R>())
            if (reason != R.None && reason != R.AmbiguousToken) Assert.Contains(reason, reasons);
    }

    [Theory]
    [MemberData(nameof(RejectedCases))]
    public void Rejected_with_the_expected_reason(string name)
    {
        var (token, expected) = ZoneTokenCorpus.Rejected[name];

        var result = Check(token);

        Assert.False(result.IsValid);
        Assert.Equal(expected, result.Reason);
        Assert.False(string.IsNullOrWhiteSpace(result.Message));
        AssertMessageLeaksNothing(result.Message, token);

        if (ZoneTokenCorpus.RejectedWithClaims.Contains(name))
        {
            Assert.NotNull(result.Claims);
            Assert.Equal(42, result.Claims!.AgentId);
        }
        else
        {
            Assert.Null(result.Claims);
        }
    }

    [Theory]
    [MemberData(nameof(AcceptedCases))]
    public void Accepted(string name)
    {
        string token = ZoneTokenCorpus.Accepted[name];

        var result = Check(token);

        Assert.True(result.IsValid, $"{name}: {result.Reason} {result.Message}");
        Assert.Equal(R.None, result.Reason);
        Assert.NotNull(result.Claims);
        Assert.Equal(Audience, result.Claims!.Audience);
        AssertMessageLeaksNothing(result.Message, token);
    }

    [Fact]
    public void Tolerance_is_the_callers()
    {
        string expired3s = ZoneTokenCorpus.Accepted["exp_3s_ago_within_tolerance"];
        Assert.True(ZoneTokens.Validate(expired3s, ZoneSecret, Audience, TimeSpan.FromSeconds(5), Now).IsValid);
        Assert.Equal(R.Expired, ZoneTokens.Validate(expired3s, ZoneSecret, Audience, TimeSpan.Zero, Now).Reason);
        Assert.Equal(R.Expired, ZoneTokens.Validate(expired3s, ZoneSecret, Audience, TimeSpan.FromSeconds(3), Now).Reason);
        Assert.True(ZoneTokens.Validate(expired3s, ZoneSecret, Audience, TimeSpan.FromSeconds(3.5), Now).IsValid);

        string nbf3s = ZoneTokenCorpus.Accepted["nbf_3s_ahead_within_tolerance"];
        Assert.Equal(R.NotYetValid, ZoneTokens.Validate(nbf3s, ZoneSecret, Audience, TimeSpan.Zero, Now).Reason);
        Assert.True(ZoneTokens.Validate(nbf3s, ZoneSecret, Audience, TimeSpan.FromSeconds(3), Now).IsValid);
    }

    [Fact]
    public void Now_is_floored_to_whole_seconds_like_jose()
    {
        // exp == now (whole seconds) is expired with no tolerance, whatever the milliseconds of now.
        string token = Valid(("exp", NowSeconds.ToString()));
        Assert.Equal(R.Expired, ZoneTokens.Validate(token, ZoneSecret, Audience, TimeSpan.Zero, Now).Reason);
        Assert.Equal(R.Expired, ZoneTokens.Validate(token, ZoneSecret, Audience, TimeSpan.Zero, Now.AddMilliseconds(999)).Reason);
        Assert.True(ZoneTokens.Validate(token, ZoneSecret, Audience, TimeSpan.Zero, Now.AddMilliseconds(-1)).IsValid);
    }

    [Fact]
    public void Default_clock_is_the_system_clock()
    {
        string token = ZoneTokens.Mint(ZoneSecret, new ZoneTokenDescriptor { Audience = Audience, AgentId = 7 });
        Assert.True(ZoneTokens.Validate(token, ZoneSecret, Audience, Tolerance).IsValid);
        Assert.Equal(R.Expired, ZoneTokens.Validate(token, ZoneSecret, Audience, Tolerance, DateTimeOffset.UtcNow.AddHours(1)).Reason);
    }

    [Fact]
    public void Expired_token_still_reports_its_claims()
    {
        var result = Check(ZoneTokenCorpus.Rejected["exp_1h_ago"].Token);
        Assert.Equal(R.Expired, result.Reason);
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(NowSeconds - 3600), result.Claims!.ExpiresAt);
        Assert.Equal("acme", result.Claims.OrgSlug);
    }

    internal static void AssertMessageLeaksNothing(string message, string? token)
    {
        Assert.DoesNotContain(SecretText, message);
        if (string.IsNullOrEmpty(token)) return;
        foreach (var part in token.Split('.'))
            if (part.Length >= 8) Assert.DoesNotContain(part, message);
    }
}
