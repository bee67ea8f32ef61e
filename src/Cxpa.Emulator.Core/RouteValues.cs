namespace Cxpa.Emulator;

/// <summary>The values a route template took from the path.</summary>
internal sealed class RouteValues
{
    public Dictionary<string, long> Longs { get; } = new(StringComparer.Ordinal);
    public Dictionary<string, string> Strings { get; } = new(StringComparer.Ordinal);

    public long Long(string name) => Longs[name];
    public string String(string name) => Strings[name];
}
