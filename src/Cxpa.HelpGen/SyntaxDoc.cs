namespace Cxpa.HelpGen;

/// <summary>One syntax block: the parameter set and the parameter names in the order the syntax line shows them.</summary>
public sealed class SyntaxDoc
{
    public string SetName { get; init; } = "(All)";
    public bool IsDefault { get; init; }
    public string Line { get; init; } = "";
    public List<string> ParameterNames { get; } = new();
}
