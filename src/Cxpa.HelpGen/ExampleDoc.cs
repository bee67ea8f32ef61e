namespace Cxpa.HelpGen;

/// <summary>An example: title, code, and the sentences after the code.</summary>
public sealed class ExampleDoc
{
    public string Title { get; init; } = "";
    public List<string> Introduction { get; } = new();
    public string Code { get; set; } = "";
    public List<string> Remarks { get; } = new();
}
