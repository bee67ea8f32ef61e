using System.Globalization;
using System.Text.Json.Nodes;

namespace Cxpa.Emulator;

/// <summary>What an injected fault does.</summary>
public enum FaultKind
{
    /// <summary>Before the handler: answer StatusCode with a JSON error body (or Body), optional Retry-After verbatim.</summary>
    Status,
    /// <summary>Before the handler: answer StatusCode (default 502) with an HTML page (text/html), like a proxy.</summary>
    Html,
    /// <summary>Before the handler: answer StatusCode (default 200) with a truncated JSON body.</summary>
    MalformedJson,
    /// <summary>Before the handler: wait DelayMs (real time, honours aborts), then handle normally.</summary>
    Delay,
    /// <summary>Before the handler: abort the connection with no response.</summary>
    Reset,
    /// <summary>In a download: send the headers (full content-length unless chunked), then abort after CutAfterBytes bytes. The run is marked failed.</summary>
    CutDownload,
    /// <summary>After the handler: the request is handled (a trigger creates its run), then the connection is aborted before any response byte.</summary>
    ResetAfterHandling,
}

/// <summary>
/// One fault rule: route (method + path pattern, or "*"), kind, how many of the next matching requests it hits, and its arguments.
/// </summary>
public sealed class FaultRule
{
    /// <summary>Count value meaning "every matching request until cleared".</summary>
    public const int Forever = -1;

    private int _remaining;

    /// <summary>HTTP method, or null / "*" for any.</summary>
    public string? Method { get; init; }
    /// <summary>Path pattern: '*' = one segment, '**' = any number; "*" alone = every path.</summary>
    public string PathPattern { get; init; } = "*";
    public FaultKind Kind { get; init; }
    /// <summary>How many of the next matching requests the rule hits (default 1); <see cref="Forever"/> for all.</summary>
    public int Count { get; init; } = 1;
    /// <summary>Status/Html/MalformedJson status code (defaults 503 / 502 / 200).</summary>
    public int? StatusCode { get; init; }
    /// <summary>Retry-After header value, sent verbatim (seconds or an HTTP date).</summary>
    public string? RetryAfter { get; init; }
    /// <summary>A raw body to send instead of the default one (Status, Html, MalformedJson).</summary>
    public string? Body { get; init; }
    /// <summary>The error code of the default Status body (default by status: rate_limited, unavailable, internal...).</summary>
    public string? ErrorCode { get; init; }
    /// <summary>Delay in milliseconds (Delay).</summary>
    public int DelayMs { get; init; }
    /// <summary>Bytes sent before the cut (CutDownload; default 65536).</summary>
    public long CutAfterBytes { get; init; } = 65536;

    /// <summary>Requests this rule may still hit (<see cref="Forever"/> = unlimited).</summary>
    public int Remaining => Volatile.Read(ref _remaining);
    /// <summary>How many requests it hit.</summary>
    public int Hits { get; private set; }

    /// <summary>Whether the kind acts before the handler (so e.g. a faulted trigger creates no run).</summary>
    public bool IsBeforeHandler => Kind is FaultKind.Status or FaultKind.Html or FaultKind.MalformedJson or FaultKind.Delay or FaultKind.Reset;

    internal void Arm() => _remaining = Count == 0 ? 1 : Count;

    internal bool Matches(string method, string path)
    {
        if (!string.IsNullOrEmpty(Method) && Method != "*" && !string.Equals(Method, method, StringComparison.OrdinalIgnoreCase)) return false;
        return Cxpa.Emulator.PathPattern.IsMatch(PathPattern, path);
    }

    /// <summary>Takes one use; false when spent. Call under the injector's lock.</summary>
    internal bool TryTake()
    {
        if (_remaining == Forever) { Hits++; return true; }
        if (_remaining <= 0) return false;
        _remaining--; Hits++;
        return true;
    }

    /// <summary>Short form for the request log, e.g. "Status 429 Retry-After=5".</summary>
    public string Describe() => Kind switch
    {
        FaultKind.Status => $"Status {StatusCode ?? 503}" + (RetryAfter is null ? "" : $" Retry-After={RetryAfter}"),
        FaultKind.Html => $"Html {StatusCode ?? 502}",
        FaultKind.MalformedJson => $"MalformedJson {StatusCode ?? 200}",
        FaultKind.Delay => $"Delay {DelayMs}ms",
        FaultKind.CutDownload => $"CutDownload {CutAfterBytes}",
        _ => Kind.ToString(),
    };

    public override string ToString() => $"{Method ?? "*"} {PathPattern}:{Kind}:{(Count == Forever ? "*" : Count.ToString(CultureInfo.InvariantCulture))} ({Describe()})";

    internal JsonObject ToJson() => new()
    {
        ["method"] = Method, ["path"] = PathPattern, ["kind"] = Kind.ToString(), ["count"] = Count,
        ["remaining"] = Remaining, ["hits"] = Hits, ["status"] = StatusCode, ["retryAfter"] = RetryAfter,
        ["delayMs"] = DelayMs, ["bytes"] = CutAfterBytes, ["description"] = Describe(),
    };

    /// <summary>
    /// Parses "&lt;route&gt;:&lt;kind&gt;[:count][:arg]". Route: "*" or "[METHOD ]/path/with/*/segments".
    /// Count: a number or "*" (forever), default 1. Arg by kind: Status "code[,retryAfter]" (retryAfter verbatim, may be
    /// an HTTP date), Html/MalformedJson "code", Delay "ms", CutDownload "bytes".
    /// Examples: "POST /api/agents/*/runs/trigger:Status:2:503", "*:Status:1:429,5", "GET /api/**:Delay:*:200",
    /// "POST /api/agents/43/runs/trigger-and-download:CutDownload:1:1000", "*:Reset".
    /// </summary>
    public static FaultRule Parse(string spec)
    {
        if (string.IsNullOrWhiteSpace(spec)) throw new FormatException("Empty fault spec.");
        var parts = spec.Split(':', 4);
        if (parts.Length < 2) throw new FormatException($"Fault spec '{spec}' must be <route>:<kind>[:count][:arg].");
        var (method, path) = ParseRoute(parts[0]);
        if (!Enum.TryParse<FaultKind>(parts[1].Trim(), ignoreCase: true, out var kind) || int.TryParse(parts[1], out _))
            throw new FormatException($"Unknown fault kind '{parts[1]}' (Status, Html, MalformedJson, Delay, Reset, CutDownload, ResetAfterHandling).");
        int count = 1;
        if (parts.Length > 2 && parts[2].Trim().Length > 0)
        {
            var c = parts[2].Trim();
            if (c == "*") count = Forever;
            else if (!int.TryParse(c, NumberStyles.None, CultureInfo.InvariantCulture, out count) || count < 1)
                throw new FormatException($"Fault count '{c}' must be a positive number or '*'.");
        }
        string? arg = parts.Length > 3 ? parts[3].Trim() : null;
        if (arg is { Length: 0 }) arg = null;
        int? status = null; string? retryAfter = null; int delay = 0; long bytes = 65536;
        switch (kind)
        {
            case FaultKind.Status:
            case FaultKind.Html:
            case FaultKind.MalformedJson:
                if (arg is not null)
                {
                    var comma = arg.IndexOf(',');
                    var code = comma < 0 ? arg : arg[..comma];
                    if (!int.TryParse(code.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var sc) || sc < 100 || sc > 599)
                        throw new FormatException($"Fault status '{code}' must be 100..599.");
                    status = sc;
                    if (comma >= 0)
                    {
                        if (kind != FaultKind.Status) throw new FormatException("Only Status takes a Retry-After value.");
                        retryAfter = arg[(comma + 1)..].Trim();
                    }
                }
                break;
            case FaultKind.Delay:
                if (arg is null || !int.TryParse(arg, NumberStyles.None, CultureInfo.InvariantCulture, out delay))
                    throw new FormatException("Delay needs a delay in ms: <route>:Delay:<count>:<ms>.");
                break;
            case FaultKind.CutDownload:
                if (arg is not null && !long.TryParse(arg, NumberStyles.None, CultureInfo.InvariantCulture, out bytes))
                    throw new FormatException("CutDownload takes a byte count: <route>:CutDownload:<count>:<bytes>.");
                break;
            default:
                if (arg is not null) throw new FormatException($"{kind} takes no argument.");
                break;
        }
        return new FaultRule
        {
            Method = method, PathPattern = path, Kind = kind, Count = count, StatusCode = status,
            RetryAfter = retryAfter, DelayMs = delay, CutAfterBytes = bytes,
        };
    }

    internal static (string? Method, string Path) ParseRoute(string route)
    {
        route = route.Trim();
        if (route.Length == 0 || route == "*") return (null, "*");
        var space = route.IndexOf(' ');
        if (space < 0) return route.StartsWith('/') ? (null, route) : throw new FormatException($"Route '{route}' must be '*', '/path' or 'METHOD /path'.");
        var method = route[..space].Trim().ToUpperInvariant();
        var path = route[(space + 1)..].Trim();
        if (path != "*" && !path.StartsWith('/')) throw new FormatException($"Route path '{path}' must start with '/'.");
        return (method == "*" ? null : method, path);
    }
}

/// <summary>
/// Injected faults. Rules are tried in the order added; a request takes the first live rule that matches it.
/// Status, Html, MalformedJson, Delay and Reset act before the handler (no run is created);
/// ResetAfterHandling acts after it; CutDownload acts only inside a file download. Control-surface requests are never faulted.
/// </summary>
public sealed class FaultInjector
{
    private readonly List<FaultRule> _rules = new();

    /// <summary>Adds a rule; returns it (its Hits/Remaining can be watched).</summary>
    public FaultRule Add(FaultRule rule)
    {
        ArgumentNullException.ThrowIfNull(rule);
        if (rule.Kind == FaultKind.Delay && rule.DelayMs < 0) throw new ArgumentException("DelayMs must not be negative.");
        if (rule.Count < FaultRule.Forever) throw new ArgumentException("Count must be positive or FaultRule.Forever.");
        rule.Arm();
        lock (_rules) _rules.Add(rule);
        return rule;
    }

    /// <summary>Adds a rule from the spec syntax (see <see cref="FaultRule.Parse"/>).</summary>
    public FaultRule Add(string spec) => Add(FaultRule.Parse(spec));

    /// <summary>Status fault, e.g. Status("POST /api/agents/*/runs/trigger", 429, retryAfter: "2").</summary>
    public FaultRule Status(string route, int statusCode, int count = 1, string? retryAfter = null, string? body = null, string? errorCode = null)
    {
        var (m, p) = FaultRule.ParseRoute(route);
        return Add(new FaultRule { Method = m, PathPattern = p, Kind = FaultKind.Status, Count = count, StatusCode = statusCode, RetryAfter = retryAfter, Body = body, ErrorCode = errorCode });
    }

    /// <summary>HTML page fault (a proxy's error page).</summary>
    public FaultRule Html(string route, int statusCode = 502, int count = 1, string? body = null)
    {
        var (m, p) = FaultRule.ParseRoute(route);
        return Add(new FaultRule { Method = m, PathPattern = p, Kind = FaultKind.Html, Count = count, StatusCode = statusCode, Body = body });
    }

    /// <summary>Truncated JSON fault.</summary>
    public FaultRule MalformedJson(string route, int statusCode = 200, int count = 1)
    {
        var (m, p) = FaultRule.ParseRoute(route);
        return Add(new FaultRule { Method = m, PathPattern = p, Kind = FaultKind.MalformedJson, Count = count, StatusCode = statusCode });
    }

    /// <summary>Delay fault (then normal handling).</summary>
    public FaultRule Delay(string route, int delayMs, int count = 1)
    {
        var (m, p) = FaultRule.ParseRoute(route);
        return Add(new FaultRule { Method = m, PathPattern = p, Kind = FaultKind.Delay, Count = count, DelayMs = delayMs });
    }

    /// <summary>Connection reset before handling.</summary>
    public FaultRule Reset(string route, int count = 1)
    {
        var (m, p) = FaultRule.ParseRoute(route);
        return Add(new FaultRule { Method = m, PathPattern = p, Kind = FaultKind.Reset, Count = count });
    }

    /// <summary>Connection reset after handling (the handler's effects happen; no response).</summary>
    public FaultRule ResetAfterHandling(string route, int count = 1)
    {
        var (m, p) = FaultRule.ParseRoute(route);
        return Add(new FaultRule { Method = m, PathPattern = p, Kind = FaultKind.ResetAfterHandling, Count = count });
    }

    /// <summary>Download cut after some bytes.</summary>
    public FaultRule CutDownload(string route, long afterBytes, int count = 1)
    {
        var (m, p) = FaultRule.ParseRoute(route);
        return Add(new FaultRule { Method = m, PathPattern = p, Kind = FaultKind.CutDownload, Count = count, CutAfterBytes = afterBytes });
    }

    /// <summary>Removes every rule.</summary>
    public void Clear() { lock (_rules) _rules.Clear(); }

    /// <summary>The rules (including spent ones, until Clear).</summary>
    public IReadOnlyList<FaultRule> Rules { get { lock (_rules) return _rules.ToArray(); } }

    /// <summary>Takes the first live rule matching the request whose kind is accepted.</summary>
    internal FaultRule? TryTake(string method, string path, Func<FaultKind, bool> kinds)
    {
        lock (_rules)
        {
            foreach (var r in _rules)
                if (kinds(r.Kind) && r.Remaining != 0 && r.Matches(method, path) && r.TryTake())
                    return r;
        }
        return null;
    }

    internal static FaultRule FromJson(JsonObject o)
    {
        if (o["spec"] is JsonValue sv && sv.TryGetValue<string>(out var spec)) return FaultRule.Parse(spec);
        string Str(string name) => o[name] is JsonValue v && v.TryGetValue<string>(out var s) ? s : throw new FormatException($"'{name}' must be a string.");
        string? OptStr(string name) => o[name] switch
        {
            null => null,
            JsonValue v when v.TryGetValue<string>(out var s) => s,
            JsonValue v when v.TryGetValue<long>(out var l) => l.ToString(CultureInfo.InvariantCulture),
            JsonNode n => n.ToJsonString(),
        };
        long? OptLong(string name) => o[name] switch
        {
            null => null,
            JsonValue v when v.TryGetValue<long>(out var l) => l,
            JsonValue v when v.TryGetValue<string>(out var s) && s == "*" => FaultRule.Forever,
            _ => throw new FormatException($"'{name}' must be a number."),
        };
        var (m, p) = FaultRule.ParseRoute(OptStr("route") ?? "*");
        if (o["method"] is not null) m = Str("method").ToUpperInvariant();
        if (o["path"] is not null) p = Str("path");
        if (!Enum.TryParse<FaultKind>(Str("kind"), true, out var kind)) throw new FormatException($"Unknown fault kind '{Str("kind")}'.");
        return new FaultRule
        {
            Method = m == "*" ? null : m, PathPattern = p, Kind = kind,
            Count = (int)(OptLong("count") ?? 1),
            StatusCode = (int?)OptLong("status"),
            RetryAfter = OptStr("retryAfter"),
            Body = OptStr("body"),
            ErrorCode = OptStr("code"),
            DelayMs = (int)(OptLong("delayMs") ?? 0),
            CutAfterBytes = OptLong("bytes") ?? 65536,
        };
    }
}
