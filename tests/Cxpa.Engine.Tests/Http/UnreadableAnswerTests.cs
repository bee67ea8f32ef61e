using System.Net;
using System.Text;
using Cxpa.Engine.Http;
using Cxpa.Engine.Json;
using Cxpa.Engine.Tests.Support;
using Microsoft.Extensions.Time.Testing;
using Xunit;
using static Cxpa.Engine.Tests.Support.MutHttpDrive;

namespace Cxpa.Engine.Tests.Http;

/// <summary>
/// Answers that parse as JSON but cannot be read (a lone surrogate, invalid UTF-8, a key the objects cannot hold) and a
/// redirect to a relative location: each is a CxpaApiException that keeps the HTTP status, never a bare .NET exception.
/// </summary>
public sealed class UnreadableAnswerTests
{
    /// <summary>A factory that refuses one key, as PowerShell's refuses '' and 'psobject'.</summary>
    private sealed class RefusingFactory : IJsonObjectFactory
    {
        public object CreateObject(List<KeyValuePair<string, object?>> properties) => DictionaryObjectFactory.Instance.CreateObject(properties);
        public object CreateArray(List<object?> items) => items.ToArray();
        public string? Refuses(string key) => key == "psobject" ? "a key the test refuses" : null;
    }

    private static (CxpaClient Client, MockTransport Handler, FakeTimeProvider Time) Create(IJsonObjectFactory? factory = null)
    {
        var time = new FakeTimeProvider(Start);
        var handler = new MockTransport(time);
        var options = new CxpaCallOptions { Handler = handler, TimeProvider = time, RequestTimeout = TimeSpan.FromHours(1), ReadTimeout = TimeSpan.FromHours(1), MaximumRetryCount = 0 };
        if (factory != null) options.ObjectFactory = factory;
        return (new CxpaClient(new CxpaEndpoint(new Uri("https://cxpa.test/"), CxpaAuthKind.IngestApiKey, Secret.FromString("cxpa_test_key")), options), handler, time);
    }

    private static Action<HttpResponseMessage> Bytes(byte[] body) => r =>
    {
        r.Content = new ByteArrayContent(body);
        r.Content.Headers.TryAddWithoutValidation("Content-Type", "application/json");
    };

    [Theory]
    [InlineData("""{"id":7,"agent_id":42,"status":"completed","output":{"text":"a\ud800b"}}""", "$.output.text")]
    [InlineData("""{"id":7,"agent_id":42,"status":"completed","error":"\udc00"}""", "$.error")]
    [InlineData("""{"id":7,"agent_id":42,"status":"completed","output":{"\ud800":1}}""", "a key in $.output")]
    [InlineData("""{"id":7,"agent_id":42,"status":"completed","output":[1,{"x":"\ud800"}]}""", "$.output[1].x")]
    public async Task A_lone_surrogate_in_a_run_is_InvalidResponse_with_the_status(string json, string where)
    {
        var (client, h, time) = Create();
        h.Answer(HttpStatusCode.OK, json);
        var ex = await Assert.ThrowsAsync<CxpaApiException>(() => Drive(time, client.GetRunAsync(42, 7, CancellationToken.None)));
        Assert.Equal(200, ex.Status);
        Assert.Equal("invalid_response", ex.Code);
        Assert.Contains("cannot be read", ex.Message, StringComparison.Ordinal);
        Assert.Contains(where, ex.Message, StringComparison.Ordinal);
        Assert.IsType<UnreadableAnswerException>(ex.InnerException);
    }

    [Fact]
    public async Task Invalid_UTF8_in_a_run_is_InvalidResponse_with_the_status()
    {
        var (client, h, time) = Create();
        var head = Encoding.ASCII.GetBytes("{\"id\":7,\"agent_id\":42,\"status\":\"completed\",\"error\":\"");
        var body = head.Concat(new byte[] { 0xC3, 0x28, 0xFF }).Concat(Encoding.ASCII.GetBytes("\"}")).ToArray();
        h.Answer(HttpStatusCode.OK, null, Bytes(body));
        var ex = await Assert.ThrowsAsync<CxpaApiException>(() => Drive(time, client.GetRunAsync(42, 7, CancellationToken.None)));
        Assert.Equal(200, ex.Status);
        Assert.Equal("invalid_response", ex.Code);
    }

    [Fact]
    public async Task A_key_the_objects_cannot_hold_is_InvalidResponse_naming_the_place()
    {
        var (client, h, time) = Create(new RefusingFactory());
        h.Answer(HttpStatusCode.OK, """{"id":7,"agent_id":42,"status":"completed","output":{"summary":{"psobject":1}}}""");
        var ex = await Assert.ThrowsAsync<CxpaApiException>(() => Drive(time, client.GetRunAsync(42, 7, CancellationToken.None)));
        Assert.Equal(200, ex.Status);
        Assert.Equal("invalid_response", ex.Code);
        Assert.Contains("$.output.summary has a key the test refuses", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_lone_surrogate_in_an_error_body_keeps_the_status()
    {
        var (client, h, time) = Create();
        h.Answer(HttpStatusCode.BadRequest, """{"error":"bad \ud800 input","code":"validation"}""");
        var ex = await Assert.ThrowsAsync<CxpaApiException>(() => Drive(time, client.GetRunAsync(42, 7, CancellationToken.None)));
        Assert.Equal(400, ex.Status);
        Assert.Null(ex.ServerMessage);
        Assert.Contains("failed: 400", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_redirect_to_a_relative_location_keeps_the_status()
    {
        var (client, h, time) = Create();
        h.Answer(HttpStatusCode.Found, null, r => r.Headers.Location = new Uri("/elsewhere/login", UriKind.Relative));
        var ex = await Assert.ThrowsAsync<CxpaApiException>(() => Drive(time, client.GetRunAsync(42, 7, CancellationToken.None)));
        Assert.Equal(302, ex.Status);
        Assert.Contains("redirect to elsewhere", ex.Message, StringComparison.Ordinal);
        Assert.Single(h.Requests);
    }

    [Fact]
    public void The_input_echo_keeps_an_input_the_objects_cannot_hold_as_it_was_given()
    {
        var input = new Dictionary<string, object?> { ["psobject"] = 1 };
        Assert.Same(input, Models.RunReader.EchoInput(input, new RefusingFactory()));
        var plain = (Dictionary<string, object?>)Models.RunReader.EchoInput(new Dictionary<string, object?> { ["a"] = 1 }, new RefusingFactory())!;
        Assert.Equal(1L, plain["a"]);
    }
}
