namespace Cxpa.Emulator;

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
