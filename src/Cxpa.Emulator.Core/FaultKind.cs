namespace Cxpa.Emulator;

/// <summary>What an injected fault does.</summary>
public enum FaultKind
{
    /// <summary>Before the handler: answer StatusCode with a JSON error body (or Body), optional Retry-After verbatim.</summary>
    Status,
    /// <summary>Before the handler: answer StatusCode (default 502) with an HTML page (text/html), like a proxy.</summary>
    Html,
    /// <summary>Before the handler: answer StatusCode (default 200) with a truncated JSON body.</summary>
    MalformedJson,
    /// <summary>Before the handler: wait DelayMs (real time, honours aborts), then handle normally.</summary>
    Delay,
    /// <summary>Before the handler: abort the connection with no response.</summary>
    Reset,
    /// <summary>In a download: send the headers (full content-length unless chunked), then abort after CutAfterBytes bytes. The run is marked failed.</summary>
    CutDownload,
    /// <summary>After the handler: the request is handled (a trigger creates its run), then the connection is aborted before any response byte.</summary>
    ResetAfterHandling,
}
