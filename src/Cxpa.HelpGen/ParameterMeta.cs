namespace Cxpa.HelpGen;

/// <summary>The platyPS yaml block of a parameter.</summary>
public sealed class ParameterMeta
{
    public string Type { get; init; } = "Object";
    public List<string> Sets { get; init; } = new();
    public List<string> Aliases { get; init; } = new();
    public bool Required { get; init; }
    /// <summary>"Named" or a number.</summary>
    public string Position { get; init; } = "Named";
    public string DefaultValue { get; init; } = "None";
    public string PipelineInput { get; init; } = "False";
    public bool Globbing { get; init; }
}
