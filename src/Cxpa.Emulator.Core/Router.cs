using System.Globalization;

namespace Cxpa.Emulator;

/// <summary>
/// The route table: a template per route ("/api/agents/{agentId:long}/runs/trigger"; {name} is one segment,
/// {name:long} one integer segment). A path no template matches is 404; a path matched for another method is 405.
/// </summary>
internal sealed class Router
{
    private readonly List<(string Method, string[] Segments, Func<EmulatorExchange, RouteValues, Task<Reply?>> Handler)> _routes = new();

    public void Map(string method, string template, Func<EmulatorExchange, RouteValues, Task<Reply?>> handler) =>
        _routes.Add((method, template.Trim('/').Split('/'), handler));

    public void Map(string method, string template, Func<EmulatorExchange, RouteValues, Reply> handler) =>
        Map(method, template, (x, v) => Task.FromResult<Reply?>(handler(x, v)));

    /// <summary>The handler for this request and its values; or null with 404 or 405.</summary>
    public (Func<EmulatorExchange, RouteValues, Task<Reply?>>? Handler, RouteValues Values, int Status) Find(string method, string rawPath)
    {
        var segments = rawPath.Trim('/').Split('/');
        var status = 404;
        foreach (var (m, template, handler) in _routes)
        {
            var values = Match(template, segments);
            if (values is null) continue;
            if (string.Equals(m, method, StringComparison.OrdinalIgnoreCase)) return (handler, values, 200);
            status = 405;
        }
        return (null, new RouteValues(), status);
    }

    private static RouteValues? Match(string[] template, string[] segments)
    {
        if (template.Length != segments.Length) return null;
        var values = new RouteValues();
        for (int i = 0; i < template.Length; i++)
        {
            var t = template[i];
            if (t.StartsWith('{'))
            {
                var spec = t.Trim('{', '}').Split(':');
                var value = Uri.UnescapeDataString(segments[i]);
                if (value.Length == 0) return null;
                if (spec.Length > 1 && spec[1] == "long")
                {
                    if (!long.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var n)) return null;
                    values.Longs[spec[0]] = n;
                }
                values.Strings[spec[0]] = value;
            }
            else if (!string.Equals(t, segments[i], StringComparison.OrdinalIgnoreCase)) return null;
        }
        return values;
    }
}
