using System.Net;
using System.Net.Sockets;

namespace Cxpa.Emulator;

/// <summary>An <see cref="EmulatorExchange"/> over an <see cref="HttpListenerContext"/>.</summary>
internal sealed class HttpListenerExchange : EmulatorExchange
{
    private readonly HttpListenerContext _context;
    private readonly StartingStream _body;
    private readonly List<KeyValuePair<string, string>> _headers = new();
    private int _aborted;
    private bool _lengthSet;

    public HttpListenerExchange(HttpListenerContext context, CancellationToken stopping)
    {
        _context = context;
        Aborted = stopping;
        var url = context.Request.Url!;
        RawPath = url.AbsolutePath;
        Path = Uri.UnescapeDataString(RawPath);
        Query = url.Query.Length > 1 ? url.Query : null;
        var h = context.Request.Headers;
        foreach (var key in h.AllKeys)
            if (key is not null) _headers.Add(new KeyValuePair<string, string>(key, string.Join(", ", h.GetValues(key) ?? Array.Empty<string>())));
        _body = new StartingStream(this);
    }

    public override string Method => _context.Request.HttpMethod.ToUpperInvariant();
    public override string Path { get; }
    public override string RawPath { get; }
    public override string? Query { get; }
    public override string? QueryValue(string name) => _context.Request.QueryString[name];
    public override IReadOnlyList<KeyValuePair<string, string>> RequestHeaders => _headers;
    public override bool FromLoopback => IPAddress.IsLoopback(_context.Request.RemoteEndPoint.Address);
    protected override Stream HostRequestBody => _context.Request.InputStream;
    public override CancellationToken Aborted { get; }

    public override bool HasStarted => _body.Started;
    public override int StatusCode
    {
        get => _context.Response.StatusCode;
        set { if (!HasStarted) _context.Response.StatusCode = value; }
    }

    public override void SetHeader(string name, string value) { if (!HasStarted) _context.Response.Headers[name] = value; }
    public override void ClearHeaders() { if (!HasStarted) _context.Response.Headers.Clear(); }
    public override void SetContentType(string contentType) { if (!HasStarted) _context.Response.ContentType = contentType; }
    public override void SetContentLength(long length)
    {
        if (HasStarted) return;
        _context.Response.ContentLength64 = length;
        _lengthSet = true;
    }
    protected override Stream HostResponseBody => _body;

    protected override Task HostStartAsync(CancellationToken ct)
    {
        _body.Start();
        return Task.CompletedTask;
    }

    public override void Abort()
    {
        if (Interlocked.Exchange(ref _aborted, 1) != 0) return;
        ResetSocket(_context);
        try { _context.Response.Abort(); }
        catch (Exception e) when (e is ObjectDisposedException or IOException or HttpListenerException or SocketException or InvalidOperationException) { }
    }

    private static readonly System.Reflection.PropertyInfo? ConnectionProperty =
        typeof(HttpListenerContext).GetProperty("Connection", System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Instance);

    /// <summary>
    /// Cuts the connection with a TCP reset. The managed listener (Linux, macOS) sends the status and headers when its
    /// response is aborted, which is no reset at all, so its socket is closed first, with no linger. http.sys (Windows)
    /// cuts the connection on Abort itself, and there the property is absent.
    /// </summary>
    private static void ResetSocket(HttpListenerContext context)
    {
        try
        {
            var connection = ConnectionProperty?.GetValue(context);
            var socketField = connection?.GetType().GetField("_socket", System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Instance);
            if (socketField?.GetValue(connection) is Socket socket)
            {
                socket.LingerState = new LingerOption(true, 0);
                socket.Close();
            }
        }
        catch (Exception e) when (e is ObjectDisposedException or SocketException or System.Reflection.TargetException or MemberAccessException) { }
    }

    /// <summary>Ends the response (sends it when nothing was written yet), unless the connection was cut.</summary>
    public void Complete()
    {
        if (Volatile.Read(ref _aborted) != 0) return;
        try
        {
            _body.Start();
            _context.Response.Close();
        }
        catch (Exception e) when (e is HttpListenerException or IOException or ObjectDisposedException or InvalidOperationException)
        {
            if (Entry is { } entry) entry.Aborted = true;
            Abort();
        }
    }

    /// <summary>The response stream; chunked when no length was set; the first write calls OnStarting.</summary>
    private sealed class StartingStream : Stream
    {
        private readonly HttpListenerExchange _x;
        private int _started;

        public StartingStream(HttpListenerExchange x) { _x = x; }

        public bool Started => Volatile.Read(ref _started) != 0;

        public void Start()
        {
            if (Interlocked.Exchange(ref _started, 1) != 0) return;
            var response = _x._context.Response;
            if (!_x._lengthSet) response.SendChunked = true;
            _x.OnStarting?.Invoke();
        }

        public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            Start();
            await _x._context.Response.OutputStream.WriteAsync(buffer, cancellationToken).ConfigureAwait(false);
        }

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override void Write(byte[] buffer, int offset, int count)
        {
            Start();
            _x._context.Response.OutputStream.Write(buffer, offset, count);
        }

        public override Task FlushAsync(CancellationToken cancellationToken) => _x._context.Response.OutputStream.FlushAsync(cancellationToken);
        public override void Flush() => _x._context.Response.OutputStream.Flush();
        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
    }
}
