// The one raw HTTP/1.1 server of the Pester suite, on real sockets at 127.0.0.1, for answers no platform gives: a body
// that never ends, a connection dropped after the request, a Content-Length no file can have, hostile header values.
// It reads each request's head and body, records it (Heads, and a line in RequestLog), and hands it to a test's own
// subclass, which answers on the socket as it likes; one connection per request (the helpers send Connection: close).
//
// A test file gives only its subclass, as C# source without using directives (the ones below are in scope):
//   - Start-CxpaTestRawServer (Support/CxpaTest.psm1) compiles this file with it in its own pwsh process, so a hostile
//     answer never loads this process (Hostile.Tests.ps1, SaveHostile.Tests.ps1, Start-CxpaTestScriptedServer);
//   - Transport.Tests.ps1 compiles it into the test process once (Add-Type), to read Heads and switch RequireProxyAuth.
using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.IO;
using System.IO.Compression;
using System.Linq;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Threading;

/// <summary>One request as it arrived: the request line's method and target, the whole head, the body.</summary>
public sealed class RawRequest
{
    public string Method;
    public string Target;
    public string Head;
    public byte[] Body;

    /// <summary>The value of a header (the first of that name), or null.</summary>
    public string Header(string name)
    {
        foreach (var line in Head.Split(new[] { "\r\n" }, StringSplitOptions.None))
            if (line.StartsWith(name + ":", StringComparison.OrdinalIgnoreCase)) return line.Substring(name.Length + 1).Trim();
        return null;
    }

    /// <summary>The last segment of the target's path (a run id, "trigger").</summary>
    public string LastSegment { get { return Target.Substring(Target.LastIndexOf('/') + 1); } }

    /// <summary>Segment <paramref name="index"/> of the target's path ("" when it has fewer): /api/agents/601/... has 601 at 3.</summary>
    public string Segment(int index)
    {
        var parts = Target.Split('/');
        return parts.Length > index ? parts[index] : "";
    }
}

public abstract class RawHttpServer
{
    private readonly TcpListener _listener = new TcpListener(IPAddress.Loopback, 0);
    private readonly object _logGate = new object();

    /// <summary>Every request head, in arrival order.</summary>
    public readonly ConcurrentQueue<string> Heads = new ConcurrentQueue<string>();

    public int Port { get; private set; }

    /// <summary>A file that gets one line per request (<see cref="LogLine"/>), before it is answered; none when null.</summary>
    public string RequestLog { get; set; }

    /// <summary>Starts accepting on a free loopback port, each connection on its own background thread.</summary>
    public void Start()
    {
        _listener.Start();
        Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        new Thread(() =>
        {
            try
            {
                while (true)
                {
                    var client = _listener.AcceptTcpClient();
                    new Thread(() => Serve(client)) { IsBackground = true }.Start();
                }
            }
            catch (SocketException) { }
            catch (ObjectDisposedException) { }
        }) { IsBackground = true }.Start();
    }

    public void Stop() { _listener.Stop(); }

    /// <summary>In a server process: starts, writes the port to <paramref name="portFile"/> (whole, by a rename) and serves until killed.</summary>
    public void RunUntilKilled(string portFile)
    {
        Start();
        File.WriteAllText(portFile + ".tmp", Port.ToString());
        File.Move(portFile + ".tmp", portFile);
        Thread.Sleep(Timeout.Infinite);
    }

    /// <summary>Answers one request on its connection; returning without writing closes the connection without a word.</summary>
    protected abstract void Answer(Stream s, RawRequest request);

    /// <summary>The request's line in <see cref="RequestLog"/>: "METHOD target".</summary>
    protected virtual string LogLine(RawRequest request) { return request.Method + " " + request.Target; }

    private void Serve(TcpClient client)
    {
        using (client)
        {
            try
            {
                var s = client.GetStream();
                var head = new StringBuilder();
                while (!head.ToString().EndsWith("\r\n\r\n"))
                {
                    int b = s.ReadByte();
                    if (b < 0) return;
                    head.Append((char)b);
                }
                var text = head.ToString();
                var requestLine = text.Substring(0, text.IndexOf("\r\n")).Split(' ');
                var request = new RawRequest { Method = requestLine[0], Target = requestLine.Length > 1 ? requestLine[1] : "", Head = text };
                var declared = request.Header("Content-Length");
                var body = new MemoryStream();
                for (long i = 0, n = declared == null ? 0 : long.Parse(declared); i < n; i++)
                {
                    int b = s.ReadByte();
                    if (b < 0) return;
                    body.WriteByte((byte)b);
                }
                request.Body = body.ToArray();
                Heads.Enqueue(text);
                if (RequestLog != null) lock (_logGate) File.AppendAllText(RequestLog, LogLine(request) + "\n");
                Answer(s, request);
            }
            catch (IOException) { } // the client gave up: the hostile answer was not wanted
            catch (SocketException) { }
        }
    }

    /// <summary>A whole answer: the status line, the headers (each ending in CRLF), Connection: close, the body's Content-Length, the body.</summary>
    public static void Write(Stream s, string status, string headers, byte[] body)
    {
        var h = Encoding.ASCII.GetBytes("HTTP/1.1 " + status + "\r\n" + headers + "Connection: close\r\nContent-Length: " + body.Length + "\r\n\r\n");
        s.Write(h, 0, h.Length);
        s.Write(body, 0, body.Length);
        s.Flush();
    }

    /// <summary>A JSON answer.</summary>
    public static void Json(Stream s, string json, string status = "200 OK")
    {
        Write(s, status, "Content-Type: application/json\r\n", Encoding.UTF8.GetBytes(json));
    }

    /// <summary>n bytes of a fixed pattern (a file's content a test can check).</summary>
    public static byte[] Pattern(int n)
    {
        var b = new byte[n];
        for (int i = 0; i < n; i++) b[i] = (byte)((i * 31 + 7) % 256);
        return b;
    }

    /// <summary>The gzip of <paramref name="data"/> repeated <paramref name="times"/> times.</summary>
    public static byte[] Gzip(byte[] data, int times = 1, CompressionLevel level = CompressionLevel.Fastest)
    {
        var ms = new MemoryStream();
        using (var z = new GZipStream(ms, level, true)) for (int i = 0; i < times; i++) z.Write(data, 0, data.Length);
        return ms.ToArray();
    }
}
