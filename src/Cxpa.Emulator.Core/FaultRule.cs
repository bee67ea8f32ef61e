using System.Globalization;
using System.Text.Json.Nodes;

namespace Cxpa.Emulator;

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
