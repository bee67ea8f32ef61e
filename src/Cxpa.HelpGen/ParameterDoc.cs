namespace Cxpa.HelpGen;

/// <summary>One parameter of a page: its description and one yaml block per group of parameter sets.</summary>
public sealed class ParameterDoc
{
    public string Name { get; init; } = "";
    public List<string> Description { get; } = new();
    public List<ParameterMeta> Meta { get; } = new();

    /// <summary>The yaml block that covers a parameter set ("(All)" covers every set).</summary>
    public ParameterMeta? For(string set) =>
        Meta.FirstOrDefault(m => m.Sets.Contains(set, StringComparer.OrdinalIgnoreCase))
        ?? Meta.FirstOrDefault(m => m.Sets.Contains("(All)", StringComparer.OrdinalIgnoreCase));
}
