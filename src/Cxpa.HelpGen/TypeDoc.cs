namespace Cxpa.HelpGen;

/// <summary>A type under INPUTS or OUTPUTS.</summary>
public sealed class TypeDoc
{
    public string Name { get; init; } = "";
    public List<string> Description { get; } = new();
}
