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

/// <summary>The handler a pooled transport sends through: no redirects, no cookies, no automatic decompression, and a proxy exactly as configured.</summary>
public sealed class TransportHandlerTests
{
    [Fact]
    public void Without_a_proxy_the_handler_follows_no_redirect_keeps_no_cookie_and_decodes_nothing_itself()
    {
        using var h = Assert.IsType<System.Net.Http.SocketsHttpHandler>(CxpaTransport.CreateHandler(null));
        Assert.False(h.AllowAutoRedirect);
        Assert.False(h.UseCookies);
        Assert.Equal(System.Net.DecompressionMethods.None, h.AutomaticDecompression);
        Assert.Equal(TimeSpan.FromSeconds(30), h.ConnectTimeout);
        Assert.Equal(TimeSpan.FromMinutes(5), h.PooledConnectionLifetime);
        Assert.Null(h.Proxy);
        Assert.True(h.UseProxy);
    }

    [Fact]
    public void A_proxy_is_used_for_every_host_with_its_own_credentials_or_the_default_ones()
    {
        using var h = Assert.IsType<System.Net.Http.SocketsHttpHandler>(CxpaTransport.CreateHandler(new CxpaProxy(new Uri("http://proxy.test:3128"), "alice", Secret.FromString("pw"))));
        Assert.True(h.UseProxy);
        var web = Assert.IsType<System.Net.WebProxy>(h.Proxy);
        Assert.Equal(new Uri("http://proxy.test:3128"), web.Address);
        Assert.False(web.BypassProxyOnLocal);
        Assert.False(web.UseDefaultCredentials);
        var cred = Assert.IsType<System.Net.NetworkCredential>(web.Credentials);
        Assert.Equal("alice", cred.UserName);
        Assert.Equal("pw", cred.Password);
        Assert.False(web.IsBypassed(new Uri("http://localhost/")));

        using var d = Assert.IsType<System.Net.Http.SocketsHttpHandler>(CxpaTransport.CreateHandler(new CxpaProxy(new Uri("http://proxy.test:3128"), useDefaultCredentials: true)));
        var dw = Assert.IsType<System.Net.WebProxy>(d.Proxy);
        Assert.True(dw.UseDefaultCredentials);
        Assert.Null(new CxpaProxy(new Uri("http://proxy.test:3128")).UserName);
        using var none = Assert.IsType<System.Net.Http.SocketsHttpHandler>(CxpaTransport.CreateHandler(new CxpaProxy(new Uri("http://proxy.test:3128"))));
        Assert.Null(Assert.IsType<System.Net.WebProxy>(none.Proxy).Credentials);
    }
}

/// <summary>The transport's own check of the secrets it puts into headers (a second line behind the client's): named by what they are, nothing sent.</summary>
public sealed class TransportHeaderCheckTests
{
    [Fact]
    public async Task A_key_or_a_credentials_token_that_cannot_be_a_header_is_refused_by_the_transport_too()
    {
        var handler = new Cxpa.Engine.Tests.Support.MockTransport().Otherwise(_ => throw new InvalidOperationException("nothing may be sent"));
        var transport = CxpaTransport.For(handler);
        var options = new CxpaCallOptions { Handler = handler, MaximumRetryCount = 0 };
        var badKey = new CxpaEndpoint(new Uri("https://cxpa.test/"), CxpaAuthKind.IngestApiKey, Secret.FromString("k\u00e9y"));
        var ex = await Assert.ThrowsAsync<CxpaConfigurationException>(() => transport.SendAsync(badKey, options, Cxpa.Engine.Operations.CxpaOperations.GetRun(CxpaAuthKind.IngestApiKey, 42, 7), CancellationToken.None));
        Assert.StartsWith("The key or token holds a control character", ex.Message);
        var badToken = new CxpaEndpoint(new Uri("https://cxpa.test/"), CxpaAuthKind.AgentApiKey, Secret.FromString("key")) { CredentialsToken = Secret.FromString("t\r\nx") };
        var tokenEx = await Assert.ThrowsAsync<CxpaConfigurationException>(() => transport.SendAsync(badToken, options, Cxpa.Engine.Operations.CxpaOperations.ResolveCredential("c", 7), CancellationToken.None));
        Assert.StartsWith("The credentials token holds a control character", tokenEx.Message);
        Assert.Empty(handler.Requests);
    }
}
