using System.Text.Json.Nodes;

namespace Cxpa.Emulator;

/// <summary>One request the emulator received (control-surface requests under /_emulator/ are not logged).</summary>
public sealed class RequestLogEntry
{
    private int _status;
    private volatile bool _aborted;
    private volatile string? _fault;

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
    /// <summary>The injected fault, e.g. "Status 503", or null.</summary>
    public string? Fault { get => _fault; internal set => _fault = value; }

    public override string ToString() => $"{Method} {Path}{Query} -> {Status}{(Fault is null ? "" : " [" + Fault + "]")}{(Aborted ? " (aborted)" : "")}";

    internal JsonObject ToJson() => new()
    {
        ["sequence"] = Sequence, ["method"] = Method, ["path"] = Path, ["query"] = Query,
        ["timestamp"] = EmulatorRunSnapshot.FormatTime(Timestamp), ["status"] = Status,
        ["hasAuthorization"] = HasAuthorization, ["cacheControl"] = CacheControl,
        ["fault"] = Fault, ["aborted"] = Aborted,
        ["headers"] = new JsonObject(Headers.Select(kv => KeyValuePair.Create(kv.Key, (JsonNode?)JsonValue.Create(kv.Value)))),
    };
}

/// <summary>Every request, in order of arrival. Thread-safe.</summary>
public sealed class RequestLog
{
    private readonly List<RequestLogEntry> _entries = new();
    private long _sequence;

    /// <summary>A copy of the entries, oldest first.</summary>
    public IReadOnlyList<RequestLogEntry> Entries { get { lock (_entries) return _entries.ToArray(); } }

    /// <summary>Number of entries.</summary>
    public int Total { get { lock (_entries) return _entries.Count; } }

    /// <summary>The newest entry, or null.</summary>
    public RequestLogEntry? Last { get { lock (_entries) return _entries.Count == 0 ? null : _entries[^1]; } }

    /// <summary>Forgets every entry.</summary>
    public void Clear() { lock (_entries) _entries.Clear(); }

    /// <summary>
    /// Requests with this method (null or "*" = any) whose path matches: a pattern with '*' segments
    /// ("/api/agents/*/runs/trigger", "**" = any number of segments) must match whole; otherwise the path must start with it.
    /// </summary>
    public int Count(string? method, string pathPrefixOrPattern) => Find(method, pathPrefixOrPattern).Count;

    /// <summary>The matching entries (same rules as <see cref="Count"/>), oldest first.</summary>
    public IReadOnlyList<RequestLogEntry> Find(string? method, string pathPrefixOrPattern)
    {
        var result = new List<RequestLogEntry>();
        foreach (var e in Entries)
            if (Matches(e, method, pathPrefixOrPattern)) result.Add(e);
        return result;
    }

    private static bool Matches(RequestLogEntry e, string? method, string pattern)
    {
        if (!string.IsNullOrEmpty(method) && method != "*" && !string.Equals(method, e.Method, StringComparison.OrdinalIgnoreCase)) return false;
        if (pattern.Contains('*')) return PathPattern.IsMatch(pattern, e.Path);
        return e.Path.StartsWith(pattern, StringComparison.OrdinalIgnoreCase);
    }

    internal RequestLogEntry Add(string method, string path, string? query, DateTimeOffset timestamp, bool hasAuthorization,
        string? cacheControl, IReadOnlyDictionary<string, string> headers)
    {
        lock (_entries)
        {
            var e = new RequestLogEntry(++_sequence, method, path, query, timestamp, hasAuthorization, cacheControl, headers);
            _entries.Add(e);
            return e;
        }
    }
}

/// <summary>Path patterns with '*' (one segment) and '**' (any number of segments, also none).</summary>
public static class PathPattern
{
    /// <summary>Whether path matches pattern (case-insensitive; a trailing slash is ignored).</summary>
    public static bool IsMatch(string pattern, string path)
    {
        if (pattern == "*" || pattern == "**") return true;
        var p = pattern.Trim('/').Split('/');
        var s = path.Trim('/').Split('/');
        return Match(p, 0, s, 0);
    }

    private static bool Match(string[] p, int i, string[] s, int j)
    {
        while (i < p.Length)
        {
            if (p[i] == "**")
            {
                for (int k = j; k <= s.Length; k++)
                    if (Match(p, i + 1, s, k)) return true;
                return false;
            }
            if (j >= s.Length) return false;
            if (p[i] != "*" && !string.Equals(p[i], s[j], StringComparison.OrdinalIgnoreCase)) return false;
            i++; j++;
        }
        return j == s.Length;
    }
}
