using System.Globalization;
using System.Text.Json.Nodes;

namespace Cxpa.Emulator;

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
