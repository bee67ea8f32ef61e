using System.Text.Json.Nodes;

namespace Cxpa.Emulator;

/// <summary>One request the emulator received (control-surface requests under /_emulator/ are not logged).</summary>
public sealed class RequestLogEntry
{
    private int _status;
    private volatile bool _aborted;
    private volatile string? _fault;
    private volatile string? _body;

    internal RequestLogEntry(long sequence, string method, string path, string? query, DateTimeOffset timestamp,
        bool hasAuthorization, string? cacheControl, IReadOnlyDictionary<string, string> headers)
    {
        Sequence = sequence; Method = method; Path = path; Query = query; Timestamp = timestamp;
        HasAuthorization = hasAuthorization; CacheControl = cacheControl; Headers = headers;
    }

    /// <summary>Order of arrival (1, 2, ...; not reset by Clear).</summary>
    public long Sequence { get; }
    public string Method { get; }
    /// <summary>The path without the query string.</summary>
    public string Path { get; }
    /// <summary>The query string including '?', or null.</summary>
    public string? Query { get; }
    /// <summary>Arrival time by the emulator clock.</summary>
    public DateTimeOffset Timestamp { get; }
    /// <summary>Whether an Authorization header was present (its value is never kept).</summary>
    public bool HasAuthorization { get; }
    /// <summary>The Cache-Control request header, verbatim (zone requests should send no-store).</summary>
    public string? CacheControl { get; }
    /// <summary>Request headers; the values of Authorization and x-credentials-token are redacted.</summary>
    public IReadOnlyDictionary<string, string> Headers { get; }
    /// <summary>Response status (set when the response starts; 0 when the connection was reset with no response).</summary>
    public int Status { get => Volatile.Read(ref _status); internal set => Volatile.Write(ref _status, value); }
    /// <summary>The connection was aborted (reset fault, cut download, or the client went away).</summary>
    public bool Aborted { get => _aborted; internal set => _aborted = value; }
    /// <summary>The longest body the log keeps (a longer one is cut).</summary>
    public const int MaxBodyChars = 1024 * 1024;
    /// <summary>The request body as text (UTF-8, at most <see cref="MaxBodyChars"/>), or null when there was none.</summary>
    public string? Body { get => _body; internal set => _body = value; }
    /// <summary>The injected fault, e.g. "Status 503", or null.</summary>
    public string? Fault { get => _fault; internal set => _fault = value; }

    public override string ToString() => $"{Method} {Path}{Query} -> {Status}{(Fault is null ? "" : " [" + Fault + "]")}{(Aborted ? " (aborted)" : "")}";

    internal JsonObject ToJson() => new()
    {
        ["sequence"] = Sequence, ["method"] = Method, ["path"] = Path, ["query"] = Query,
        ["timestamp"] = EmulatorRunSnapshot.FormatTime(Timestamp), ["status"] = Status,
        ["hasAuthorization"] = HasAuthorization, ["cacheControl"] = CacheControl,
        ["fault"] = Fault, ["aborted"] = Aborted, ["body"] = Body,
        ["headers"] = new JsonObject(Headers.Select(kv => KeyValuePair.Create(kv.Key, (JsonNode?)JsonValue.Create(kv.Value)))),
    };
}
