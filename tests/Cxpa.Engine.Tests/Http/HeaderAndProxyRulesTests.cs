using System.Net;
using Cxpa.Engine.Http;
using Cxpa.Engine.Tests.Support;
using Microsoft.Extensions.Time.Testing;
using Xunit;
using static Cxpa.Engine.Tests.Support.MutHttpDrive;

namespace Cxpa.Engine.Tests.Http;

/// <summary>
/// The edges of the header-value rule (printable ASCII 0x20-0x7E, both ends included), the proxy settings' checks and pool
/// key, and the -Debug exchange lines: every secret-bearing header masked, hostile header text made harmless and cut, the
/// platform's request id under each of its names, a failed attempt's line.
/// </summary>
public sealed class HeaderAndProxyRulesTests
{
    // ---- header values

    [Theory]
    [InlineData(" ", true)]
    [InlineData("~", true)]
    [InlineData("a b~c", true)]
    [InlineData("\u001f", false)]
    [InlineData("\u007f", false)]
    [InlineData("\t", false)]
    [InlineData("a\u0080", false)]
    public void A_header_value_is_valid_when_it_holds_printable_ASCII_only(string value, bool valid)
    {
        Assert.Equal(valid, HeaderValues.IsValid(value));
        Assert.Equal(valid, HeaderValues.IsValid(Secret.FromString(value)));
    }

    [Fact]
    public void No_value_is_valid_and_a_secret_is_judged_by_its_text()
    {
        Assert.True(HeaderValues.IsValid((string?)null));
        Assert.True(HeaderValues.IsValid((Secret?)null));
        Assert.True(HeaderValues.IsValid(Secret.FromString("key ~")));
        Assert.False(HeaderValues.IsValid(Secret.FromString("key\r\n")));
    }

    [Fact]
    public void Check_passes_a_valid_value_and_names_what_it_refuses_without_the_value()
    {
        HeaderValues.Check("value of the x-note header", "plain ~ text");
        HeaderValues.Check("value of the x-note header", null);
        var ex = Assert.Throws<CxpaConfigurationException>(() => HeaderValues.Check("value of the x-note header", "bad\nsecret-part"));
        Assert.Equal("InvalidHeaderValue", ex.ErrorId);
        Assert.Contains("The value of the x-note header holds a control character", ex.Message);
        Assert.DoesNotContain("secret-part", ex.Message);
    }

    // ---- proxy settings

    [Fact]
    public void A_proxy_without_an_address_is_refused()
        => Assert.Throws<ArgumentNullException>(() => new CxpaProxy(null!));

    [Fact]
    public void A_relative_proxy_address_is_refused()
    {
        var ex = Assert.Throws<CxpaConfigurationException>(() => new CxpaProxy(new Uri("/proxy/x", UriKind.Relative)));
        Assert.Equal("InvalidProxy", ex.ErrorId);
        Assert.Contains("absolute http:// or https:// URL", ex.Message);
    }

    [Theory]
    [InlineData("http://proxy.test:8080/", "http://proxy.test:8080")]
    [InlineData("https://proxy.test/some/path", "https://proxy.test")]
    public void An_http_or_https_proxy_is_taken_and_shown_by_its_authority(string url, string shown)
    {
        var p = new CxpaProxy(new Uri(url));
        Assert.Equal(new Uri(url), p.Address);
        Assert.Equal(shown, p.ToString());
        Assert.Null(p.UserName);
        Assert.False(p.UseDefaultCredentials);
    }

    [Fact]
    public void A_proxy_credential_and_the_default_credentials_together_are_refused()
    {
        var ex = Assert.Throws<CxpaConfigurationException>(() => new CxpaProxy(new Uri("http://proxy.test/"), "user", Secret.FromString("pw"), useDefaultCredentials: true));
        Assert.Equal("InvalidProxy", ex.ErrorId);
        Assert.Contains("not both", ex.Message);
    }

    [Fact]
    public void A_proxy_takes_either_a_credential_or_the_default_credentials()
    {
        var withUser = new CxpaProxy(new Uri("http://proxy.test/"), "user", Secret.FromString("pw"));
        Assert.Equal("user", withUser.UserName);
        Assert.False(withUser.UseDefaultCredentials);
        var withDefault = new CxpaProxy(new Uri("http://proxy.test/"), useDefaultCredentials: true);
        Assert.Null(withDefault.UserName);
        Assert.True(withDefault.UseDefaultCredentials);
    }

    [Fact]
    public void The_pool_key_tells_apart_every_setting_and_holds_no_password()
    {
        var uri = new Uri("http://proxy.test:8080/");
        var plain = new CxpaProxy(uri).PoolKey;
        Assert.Equal(plain, new CxpaProxy(uri).PoolKey);
        Assert.NotEqual(plain, new CxpaProxy(new Uri("http://other.test:8080/")).PoolKey);
        Assert.NotEqual(plain, new CxpaProxy(uri, useDefaultCredentials: true).PoolKey);
        Assert.NotEqual(plain, new CxpaProxy(uri, "user").PoolKey);
        Assert.NotEqual(new CxpaProxy(uri, "user").PoolKey, new CxpaProxy(uri, "other").PoolKey);
        var withPassword = new CxpaProxy(uri, "user", Secret.FromString("hunter2-secret")).PoolKey;
        Assert.NotEqual(new CxpaProxy(uri, "user").PoolKey, withPassword);
        Assert.DoesNotContain("hunter2-secret", withPassword);
    }

    // ---- -Debug exchange lines

    private sealed class Rig
    {
        public readonly FakeTimeProvider Time = new(Start);
        public readonly MockTransport Handler;
        public readonly MutHttpLog Log = new(verbose: false) { IsDebugEnabled = true };
        public readonly CxpaCallOptions Options;
        public readonly CxpaEndpoint Endpoint = new(new Uri("https://cxpa.test/"), CxpaAuthKind.IngestApiKey, Secret.FromString("cxpa_test_key"));

        public Rig()
        {
            Handler = new MockTransport(Time);
            Options = new CxpaCallOptions { Handler = Handler, TimeProvider = Time, Log = Log, MaximumRetryCount = 0, RequestTimeout = TimeSpan.FromHours(1), ReadTimeout = TimeSpan.FromHours(1) };
        }

        public Task<HttpResponseMessage> Send(TestRequest req) => Drive(Time, CxpaTransport.For(Handler).SendAsync(Endpoint, Options, req, default));

        public List<string> Debug => Log.Lines.Where(l => l.StartsWith("debug: ", StringComparison.Ordinal)).ToList();
    }

    [Fact]
    public async Task Debug_masks_every_header_that_carries_a_secret_and_shows_the_others()
    {
        var rig = new Rig();
        rig.Handler.Answer(HttpStatusCode.OK, "{}");
        var req = new TestRequest
        {
            Path = "api/x",
            Headers = new()
            {
                new("x-zone-token", "zone-secret"),
                new("Proxy-Authorization", "Basic proxy-secret"),
                new("Cookie", "session=cookie-secret"),
                new("x-note", "shown-value"),
            },
        };
        using var _ = await rig.Send(req);
        var line = Assert.Single(rig.Debug, l => l.StartsWith("debug: HTTP request: ", StringComparison.Ordinal));
        Assert.Contains("x-zone-token: ***", line);
        Assert.Contains("Proxy-Authorization: ***", line);
        Assert.Contains("Cookie: ***", line);
        Assert.Contains("Authorization: ***", line);
        Assert.Contains("x-note: shown-value", line);
        Assert.Contains("Accept: application/json; ", line);
        foreach (var secret in new[] { "zone-secret", "proxy-secret", "cookie-secret", "cxpa_test_key" })
            Assert.All(rig.Log.Lines, l => Assert.DoesNotContain(secret, l));
    }

    [Fact]
    public async Task Debug_makes_hostile_header_text_harmless_and_cuts_it_at_200_characters()
    {
        var rig = new Rig();
        var longValue = new string('a', 250);
        rig.Handler.Answer(HttpStatusCode.OK, "{}", r =>
        {
            r.Headers.TryAddWithoutValidation("x-ctl", "a\u0001b\u007fc\u0085d\u00a0e");
            r.Headers.TryAddWithoutValidation("x-edge", "a b\u0080c\u009fd\u00a0");
            r.Headers.TryAddWithoutValidation("x-long", longValue);
            r.Headers.TryAddWithoutValidation("x-exact", new string('b', 200));
        });
        using var _ = await rig.Send(new TestRequest { Path = "api/x" });
        var line = Assert.Single(rig.Debug, l => l.StartsWith("debug: HTTP answer: ", StringComparison.Ordinal));
        Assert.Contains("x-ctl: a?b?c?d\u00a0e", line);
        // The edges: a space and U+00A0 stay, U+0080 and U+009F (C1 controls) become '?'.
        Assert.Contains("x-edge: a b?c?d\u00a0", line);
        Assert.Contains("x-long: " + new string('a', 200) + "…", line);
        Assert.DoesNotContain(new string('a', 201), line);
        Assert.Contains("x-exact: " + new string('b', 200) + ";", line);
        Assert.DoesNotContain(new string('b', 200) + "…", line);
    }

    [Theory]
    [InlineData("x-request-id")]
    [InlineData("request-id")]
    [InlineData("x-correlation-id")]
    [InlineData("x-ms-request-id")]
    public async Task Debug_names_the_platform_request_id_under_each_of_its_names(string header)
    {
        var rig = new Rig();
        rig.Handler.Answer(HttpStatusCode.OK, "{}", r => r.Headers.TryAddWithoutValidation(header, "id-\u0001-7"));
        using var _ = await rig.Send(new TestRequest { Path = "api/x" });
        var line = Assert.Single(rig.Debug, l => l.StartsWith("debug: HTTP answer: ", StringComparison.Ordinal));
        Assert.Contains("content length 2, request id id-?-7; headers: ", line);
    }

    [Fact]
    public async Task Debug_says_none_for_an_answer_without_headers_and_unknown_for_a_length_it_cannot_tell()
    {
        var rig = new Rig();
        rig.Handler.Run((_, _) => Task.FromResult(new HttpResponseMessage(HttpStatusCode.OK) { Content = new StreamContent(new MutHttpBody("text", "")) }));
        rig.Handler.Body(HttpStatusCode.OK, new MutHttpBody("text", "{}"));
        using (await rig.Send(new TestRequest { Path = "api/x" })) { }
        using (await rig.Send(new TestRequest { Path = "api/y" })) { }
        var answers = rig.Debug.Where(l => l.StartsWith("debug: HTTP answer: ", StringComparison.Ordinal)).ToList();
        Assert.Equal(2, answers.Count);
        Assert.EndsWith("content length unknown; headers: (none)", answers[0]);
        Assert.DoesNotContain("request id", answers[0]);
        Assert.Contains("content length unknown; headers: Content-Type: application/json", answers[1]);
    }

    [Fact]
    public async Task Debug_tells_a_failed_attempt_with_its_error()
    {
        var rig = new Rig();
        rig.Handler.Throw(new HttpRequestException("boom", new IOException("connection reset by peer")));
        await Assert.ThrowsAsync<CxpaConnectionException>(() => rig.Send(new TestRequest { Path = "api/x" }));
        var line = Assert.Single(rig.Debug, l => l.StartsWith("debug: HTTP failure: ", StringComparison.Ordinal));
        Assert.StartsWith("debug: HTTP failure: GET https://cxpa.test/api/x (attempt 1) after ", line);
        Assert.EndsWith(" ms: HttpRequestException: boom", line);
    }
}
