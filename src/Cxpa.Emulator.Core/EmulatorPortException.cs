namespace Cxpa.Emulator;

/// <summary>The emulator could not listen: the port is in use or may not be bound (0 when no free port was found).</summary>
public sealed class EmulatorPortException : IOException
{
    public EmulatorPortException(int port, string message, Exception? inner) : base(message, inner) { Port = port; }

    /// <summary>The port asked for (0 = any free port).</summary>
    public int Port { get; }
}
