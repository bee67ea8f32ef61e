namespace Cxpa.Emulator;

/// <summary>A bad -Agent hashtable: the message names the item, the key and the expected form.</summary>
internal sealed class AgentSpecException : ArgumentException
{
    public AgentSpecException(string message, string key, bool unknownKey = false) : base(message) { Key = key; UnknownKey = unknownKey; }

    /// <summary>The key at fault.</summary>
    public string Key { get; }

    /// <summary>The key is not one an agent takes.</summary>
    public bool UnknownKey { get; }
}
