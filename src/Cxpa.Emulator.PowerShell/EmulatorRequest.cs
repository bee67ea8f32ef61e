using System.Collections;

namespace Cxpa.Emulator;

/// <summary>A request the emulator received, as Get-CxpaEmulatorRequest returns it (secrets masked).</summary>
public sealed class EmulatorRequest
{
    internal EmulatorRequest(RequestLogEntry e, Hashtable headers, object? body)
    {
        Sequence = e.Sequence; Method = e.Method; Path = e.Path; Query = e.Query; Status = e.Status; Time = e.Timestamp;
        Headers = headers; Body = body; Fault = e.Fault; Aborted = e.Aborted;
    }

    /// <summary>Order of arrival: 1, 2, ...</summary>
    public long Sequence { get; }
    public string Method { get; }
    /// <summary>The path, without the query string.</summary>
    public string Path { get; }
    /// <summary>The query string with its '?', or null.</summary>
    public string? Query { get; }
    /// <summary>The status answered; 0 when the connection was cut before any answer.</summary>
    public int Status { get; }
    /// <summary>When it arrived.</summary>
    public DateTimeOffset Time { get; }
    /// <summary>The request headers; Authorization, x-credentials-token and cookies read "&lt;redacted&gt;".</summary>
    public Hashtable Headers { get; }
    /// <summary>The JSON body as objects (PSCustomObject, arrays, numbers, strings), the text when it is not JSON, or null.
    /// Properties that hold secrets (keys, tokens, passwords) read "&lt;redacted&gt;".</summary>
    public object? Body { get; }
    /// <summary>The injected fault that hit it ("Status 503"), or null.</summary>
    public string? Fault { get; }
    /// <summary>The connection was cut (a Reset fault, a cut download, the client left).</summary>
    public bool Aborted { get; }
}
