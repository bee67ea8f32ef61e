using Cxpa.Engine.Http;
using Xunit;

namespace Cxpa.Engine.Tests.Http;

/// <summary>
/// Two small rule tables at their edges: which Content-Encodings are undone and when a decoded body has grown too much
/// (the bomb guard), and the exact list of statuses each retry rule resends (the list the help pages print).
/// </summary>
public sealed class DecodingAndRetryRulesTests
{
    [Theory]
    [InlineData(new[] { "gzip" }, new[] { "gzip" })]
    [InlineData(new[] { " GZip , identity,br " }, new[] { "gzip", "br" })]
    [InlineData(new[] { "identity", "" }, new string[0])]
    [InlineData(new[] { "deflate", "x-gzip" }, new[] { "deflate", "x-gzip" })]
    [InlineData(new[] { ",,a" }, new[] { "a" })]
    public void The_encodings_to_undo_are_every_listed_one_but_identity_in_lower_case(string[] header, string[] expected)
        => Assert.Equal(expected, ContentDecoding.Encodings(header));

    [Theory]
    [InlineData(new[] { "gzip", "deflate", "br", "x-gzip" }, true)]
    [InlineData(new[] { "gzip", "compress" }, false)]
    [InlineData(new string[0], true)]
    public void Only_gzip_deflate_and_br_are_undone(string[] encodings, bool can) => Assert.Equal(can, ContentDecoding.CanDecode(encodings));

    [Fact]
    public void An_encoding_that_cannot_be_undone_is_named_when_asked_for()
    {
        var ex = Assert.Throws<NotSupportedException>(() => ContentDecoding.Decode(new MemoryStream(), new[] { "compress" }));
        Assert.Equal("Content-Encoding compress", ex.Message);
    }

    [Fact]
    public void A_decoded_body_is_too_large_past_16_MiB_plus_100_times_what_arrived()
    {
        const long free = 16L * 1024 * 1024;
        Assert.Equal(free, ContentDecoding.FreeDecodedBytes);
        Assert.Equal(100, ContentDecoding.MaximumExpansion);
        Assert.False(ContentDecoding.TooExpanded(free + 100, 0));
        Assert.True(ContentDecoding.TooExpanded(free + 101, 0));
        Assert.False(ContentDecoding.TooExpanded(free + 100, 1));
        Assert.True(ContentDecoding.TooExpanded(free + 101, 1));
        Assert.False(ContentDecoding.TooExpanded(free + 500_000, 5_000));
        Assert.True(ContentDecoding.TooExpanded(free + 500_001, 5_000));
    }

    [Fact]
    public void Each_retry_rule_resends_exactly_its_statuses()
    {
        Assert.Equal(new[] { 408, 429, 500, 502, 503, 504 }, RetryRules.RetriedStatuses(RetryMode.Idempotent));
        Assert.Equal(new[] { 429 }, RetryRules.RetriedStatuses(RetryMode.UntilReached));
        Assert.Empty(RetryRules.RetriedStatuses(RetryMode.Never));
        Assert.False(RetryRules.RetriesStatus(RetryMode.Never, 503));
    }
}
