using Cxpa.Engine.Http;
using Cxpa.Engine.Operations;

namespace Cxpa.Engine.Tests.Support;

/// <summary>
/// A request of the tests' own shape (method, path, body, retry rule, ...), turned into the <see cref="CxpaOperation"/> the
/// transport sends: the transport tests describe arbitrary routes without going through <see cref="CxpaOperations"/>.
/// </summary>
public sealed class TestRequest
{
    public HttpMethod Method = HttpMethod.Get;
    public string Path = "";
    public object? Body;
    public bool HasBody;
    public RetryMode Retry = RetryMode.Idempotent;
    public long? RunId;
    public bool StreamResponse;
    public TimeSpan? ExtraHeaderTime;
    public bool NoStore;
    public bool SendsCredentialsToken;
    public OperationEffect Effect = OperationEffect.Read;
    public List<KeyValuePair<string, string>>? Headers;

    public static implicit operator CxpaOperation(TestRequest r)
    {
        var dict = r.HasBody ? r.Body as Dictionary<string, object?> : null;
        return new CxpaOperation("test", r.Method, r.Path, dict, r.Retry, r.Method.Method + " " + r.Path, "test")
        {
            OtherBody = r.HasBody && dict == null ? r.Body ?? "" : null,
            RunId = r.RunId,
            StreamsAnswer = r.StreamResponse,
            ServerWindow = r.ExtraHeaderTime,
            NoStore = r.NoStore,
            SendsCredentialsToken = r.SendsCredentialsToken,
            Effect = r.Effect,
            Headers = r.Headers,
        };
    }
}
