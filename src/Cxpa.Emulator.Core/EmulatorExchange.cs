namespace Cxpa.Emulator;

/// <summary>
/// One request and its response, as the emulator's logic sees them: what a host (HttpListener) hands it. The logic
/// never touches a server type, so a host is a small adapter (<see cref="HttpListenerExchange"/>).
/// </summary>
internal abstract class EmulatorExchange
{
    private Stream? _muted;
    private byte[]? _body;

    /// <summary>The method in upper case.</summary>
    public abstract string Method { get; }
    /// <summary>The path, percent-decoded, without the query string.</summary>
    public abstract string Path { get; }
    /// <summary>The path as sent (percent-encoded), for routing by segment.</summary>
    public abstract string RawPath { get; }
    /// <summary>The query string with its '?', or null.</summary>
    public abstract string? Query { get; }
    /// <summary>One query parameter, or null.</summary>
    public abstract string? QueryValue(string name);
    /// <summary>The request headers, in the order received (repeated names joined with ", ").</summary>
    public abstract IReadOnlyList<KeyValuePair<string, string>> RequestHeaders { get; }
    /// <summary>Whether the client is on this machine.</summary>
    public abstract bool FromLoopback { get; }
    /// <summary>The host's request body.</summary>
    protected abstract Stream HostRequestBody { get; }
    /// <summary>The body read by <see cref="BufferBodyAsync"/>, or null.</summary>
    public byte[]? BufferedBody => _body;

    /// <summary>Reads the whole body into memory (at most <paramref name="maxBytes"/>; false when it is larger).</summary>
    public async Task<bool> BufferBodyAsync(int maxBytes)
    {
        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int n;
        while ((n = await HostRequestBody.ReadAsync(chunk, Aborted).ConfigureAwait(false)) > 0)
        {
            if (buffer.Length + n > maxBytes) return false;
            buffer.Write(chunk, 0, n);
        }
        _body = buffer.ToArray();
        return true;
    }
    /// <summary>Cancelled when the server stops (a host that can tell also cancels it when the client goes away).</summary>
    public abstract CancellationToken Aborted { get; }

    /// <summary>Whether the status and headers were sent (the first byte of the body was written).</summary>
    public abstract bool HasStarted { get; }
    /// <summary>The response status (200 until set).</summary>
    public abstract int StatusCode { get; set; }
    /// <summary>Sets a response header (Content-Type and Content-Length have their own setters).</summary>
    public abstract void SetHeader(string name, string value);
    /// <summary>Drops the response headers set so far.</summary>
    public abstract void ClearHeaders();
    /// <summary>The response's Content-Type.</summary>
    public abstract void SetContentType(string contentType);
    /// <summary>The response's Content-Length; without one the body is chunked.</summary>
    public abstract void SetContentLength(long length);
    /// <summary>The host's response body; the first write sends the status and headers.</summary>
    protected abstract Stream HostResponseBody { get; }
    /// <summary>Sends the status and headers now (a response with an empty body).</summary>
    protected abstract Task HostStartAsync(CancellationToken ct);
    /// <summary>Cuts the connection: no (further) response.</summary>
    public abstract void Abort();

    /// <summary>Called once, when the status and headers go out.</summary>
    public Action? OnStarting { get; set; }

    /// <summary>What the handler writes goes nowhere (ResetAfterHandling): the connection is cut afterwards.</summary>
    public bool Muted
    {
        get => _muted is not null;
        set => _muted = value ? Stream.Null : null;
    }

    /// <summary>The log entry of this request (null on the control surface).</summary>
    public RequestLogEntry? Entry { get; set; }

    /// <summary>Where the body goes.</summary>
    public Stream ResponseBody => _muted ?? HostResponseBody;

    /// <summary>Sends the status and headers with no body yet.</summary>
    public Task StartAsync(CancellationToken ct) => Muted ? Task.CompletedTask : HostStartAsync(ct);

    /// <summary>The first value of a request header, or null.</summary>
    public string? Header(string name)
    {
        foreach (var h in RequestHeaders)
            if (string.Equals(h.Key, name, StringComparison.OrdinalIgnoreCase)) return h.Value;
        return null;
    }
}
