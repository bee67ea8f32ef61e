using Cxpa.Engine.Http;
using Xunit;

namespace Cxpa.Engine.Tests.Http;

/// <summary>The endpoint's checks (URL, key, transport rule for secrets) and the call options' defaults and bounds.</summary>
public sealed class MutHttpEndpointTests
{
    private static readonly Secret Key = Secret.FromString("cxpa_test_key");

    private static CxpaConfigurationException Refused(string url, string? key = "cxpa_test_key", bool allow = false)
        => Assert.Throws<CxpaConfigurationException>(() => new CxpaEndpoint(new Uri(url, UriKind.RelativeOrAbsolute), CxpaAuthKind.IngestApiKey, key == null ? null! : Secret.FromString(key), allow));

    [Fact]
    public void A_missing_URL_is_an_argument_error()
        => Assert.Equal("baseUrl", Assert.Throws<ArgumentNullException>(() => new CxpaEndpoint(null!, CxpaAuthKind.IngestApiKey, Key)).ParamName);

    [Theory]
    [InlineData("/api/relative")]
    [InlineData("ftp://cxpa.test/")]
    [InlineData("file:///tmp/x")]
    public void A_URL_that_is_not_absolute_http_or_https_is_refused(string url)
    {
        var ex = Refused(url);
        Assert.Equal("InvalidBaseUrl", ex.ErrorId);
        Assert.Equal($"The base URL '{url}' must be an absolute http:// or https:// URL.", ex.Message);
    }

    [Theory]
    [InlineData("https://cxpa.test/?a=1")]
    [InlineData("https://cxpa.test/#part")]
    [InlineData("https://user:hunter2@cxpa.test/")]
    public void A_URL_with_a_query_fragment_or_user_info_is_refused_without_repeating_it(string url)
    {
        var ex = Refused(url);
        Assert.Equal("InvalidBaseUrl", ex.ErrorId);
        Assert.Equal("The base URL must not carry a query, a fragment or user info.", ex.Message);
        Assert.DoesNotContain("hunter2", ex.Message);
    }

    [Theory]
    [InlineData("")]
    [InlineData(null)]
    public void An_empty_or_missing_key_is_refused(string? key)
    {
        var ex = Refused("https://cxpa.test/", key);
        Assert.Equal("MissingKey", ex.ErrorId);
        Assert.Equal("The key or token is empty.", ex.Message);
    }

    [Fact]
    public void A_key_over_plain_http_to_another_host_is_refused_unless_allowed()
    {
        var ex = Refused("http://cxpa.example:8080/");
        Assert.Equal("UnencryptedAuthentication", ex.ErrorId);
        Assert.Contains("unencrypted http:// to cxpa.example.", ex.Message);
        Assert.DoesNotContain("cxpa_test_key", ex.Message);

        var allowed = new CxpaEndpoint(new Uri("http://cxpa.example:8080/"), CxpaAuthKind.ZoneToken, Key, allowUnencryptedAuthentication: true);
        Assert.True(allowed.AllowUnencryptedAuthentication);
        Assert.Equal(CxpaAuthKind.ZoneToken, allowed.AuthKind);
        Assert.Same(Key, allowed.Key);
        Assert.Null(allowed.CredentialsToken);
    }

    [Theory]
    [InlineData("http://localhost:5000/")]
    [InlineData("http://LOCALHOST/")]
    [InlineData("http://127.0.0.1/")]
    [InlineData("http://127.8.9.10/")]
    [InlineData("http://[::1]:5000/")]
    public void Plain_http_to_this_machine_is_allowed(string url)
    {
        var e = new CxpaEndpoint(new Uri(url), CxpaAuthKind.AgentApiKey, Key);
        Assert.False(e.AllowUnencryptedAuthentication);
        Assert.True(CxpaEndpoint.IsLoopback(new Uri(url)));
    }

    [Theory]
    [InlineData("http://cxpa.example/")]
    [InlineData("http://10.0.0.1/")]
    [InlineData("http://[2001:db8::1]/")]
    [InlineData("http://0.0.0.0/")]
    public void Other_hosts_are_not_this_machine(string url) => Assert.False(CxpaEndpoint.IsLoopback(new Uri(url)));

    [Fact]
    public void Https_to_any_host_is_allowed()
    {
        var e = new CxpaEndpoint(new Uri("https://cxpa.example/"), CxpaAuthKind.IngestApiKey, Key);
        Assert.False(e.AllowUnencryptedAuthentication);
        Assert.Equal(CxpaAuthKind.IngestApiKey, e.AuthKind);
    }

    [Theory]
    [InlineData("https://cxpa.test", "https://cxpa.test/")]
    [InlineData("https://cxpa.test/base", "https://cxpa.test/base/")]
    [InlineData("https://cxpa.test/base/", "https://cxpa.test/base/")]
    [InlineData("https://cxpa.test:8443/a/b", "https://cxpa.test:8443/a/b/")]
    public void The_base_URL_always_ends_in_a_slash(string url, string expected)
        => Assert.Equal(expected, new CxpaEndpoint(new Uri(url), CxpaAuthKind.IngestApiKey, Key).BaseUrl.ToString());

    [Fact]
    public void The_call_options_have_their_documented_defaults()
    {
        var o = new CxpaCallOptions();
        Assert.Equal(3, o.MaximumRetryCount);
        Assert.Equal(TimeSpan.FromSeconds(1), o.RetryInterval);
        Assert.Equal(TimeSpan.FromSeconds(60), o.MaximumRetryAfter);
        Assert.Equal(TimeSpan.FromSeconds(100), o.RequestTimeout);
        Assert.Equal(TimeSpan.FromSeconds(30), o.ReadTimeout);
        Assert.Equal(16_777_216, CxpaCallOptions.DefaultMaximumResponseBytes);
        Assert.Equal(16_777_216, o.MaximumResponseBytes);
        Assert.Null(o.Deadline);
        Assert.Null(o.Handler);
        Assert.Same(TimeProvider.System, o.TimeProvider);
        Assert.False(o.Log.IsVerboseEnabled);
        Assert.Same(Cxpa.Engine.Json.DictionaryObjectFactory.Instance, o.ObjectFactory);
    }

    [Theory]
    [InlineData(1L)]
    [InlineData(int.MaxValue - 1L)]
    public void The_answer_cap_takes_any_size_from_1_byte_to_2_GiB(long cap)
        => Assert.Equal(cap, new CxpaCallOptions { MaximumResponseBytes = cap }.MaximumResponseBytes);

    [Theory]
    [InlineData(0L)]
    [InlineData(-1L)]
    [InlineData((long)int.MaxValue)]
    [InlineData(long.MaxValue)]
    public void The_answer_cap_refuses_a_size_out_of_range_and_keeps_its_value(long cap)
    {
        var o = new CxpaCallOptions { MaximumResponseBytes = 100 };
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => o.MaximumResponseBytes = cap);
        Assert.Equal("MaximumResponseBytes", ex.ParamName);
        Assert.StartsWith("The largest answer must be between 1 byte and 2 GiB.", ex.Message);
        Assert.Equal(cap, ex.ActualValue);
        Assert.Equal(100, o.MaximumResponseBytes);
    }
}
