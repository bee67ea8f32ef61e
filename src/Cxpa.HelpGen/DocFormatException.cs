namespace Cxpa.HelpGen;

/// <summary>A docs page that does not follow the expected layout.</summary>
public sealed class DocFormatException(string message) : Exception(message);
