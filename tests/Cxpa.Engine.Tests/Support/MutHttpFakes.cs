using System.Text;
using Cxpa.Engine.Http;
using Microsoft.Extensions.Time.Testing;

namespace Cxpa.Engine.Tests.Support;

/// <summary>An answer body that records whether it was disposed.</summary>
public sealed class MutHttpTrackedContent : StreamContent
{
    public MutHttpTrackedContent(Stream body) : base(body) => Headers.TryAddWithoutValidation("Content-Type", "application/json");
    public bool Disposed { get; private set; }
    protected override void Dispose(bool disposing) { Disposed = true; base.Dispose(disposing); }
}

/// <summary>A log that keeps every line.</summary>
public sealed class MutHttpLog : ICxpaLog
{
    public MutHttpLog(bool verbose = true) => IsVerboseEnabled = verbose;
    public bool IsVerboseEnabled { get; }
    public bool IsDebugEnabled { get; init; }
    public List<string> Lines { get; } = new();
    public void Verbose(string message) { lock (Lines) Lines.Add(message); }
    public void Debug(string message) { lock (Lines) Lines.Add("debug: " + message); }
}

/// <summary>A body that hands out bytes forever, stalls until cancelled, breaks after one byte, or hands out a fixed text.</summary>
public sealed class MutHttpBody : ReadOnlyBody
{
    private readonly string _mode;
    private readonly byte[] _text;
    private int _at;
    public MutHttpBody(string mode, string text = "") { _mode = mode; _text = Encoding.UTF8.GetBytes(text); }
    public long BytesHandedOut { get; private set; }
    public bool Disposed { get; private set; }
    protected override void Dispose(bool disposing) { Disposed = true; base.Dispose(disposing); }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken ct)
    {
        switch (_mode)
        {
            case "endless":
                buffer.Span.Fill((byte)' ');
                BytesHandedOut += buffer.Length;
                return buffer.Length;
            case "stall":
                await Task.Delay(Timeout.Infinite, ct);
                return 0;
            case "cut":
                if (BytesHandedOut == 0) { buffer.Span[0] = (byte)'{'; BytesHandedOut = 1; return 1; }
                throw new IOException("connection reset by peer");
            default:
                int n = Math.Min(buffer.Length, _text.Length - _at);
                _text.AsSpan(_at, n).CopyTo(buffer.Span);
                _at += n;
                BytesHandedOut += n;
                return n;
        }
    }
}

/// <summary>
/// Runs a call on a fake clock to its end, moving the clock 10 ms at a time while the call is not complete. A continuation
/// that has not run yet when the loop moves the clock again makes a measured gap longer, never shorter: tests assert exact
/// lower bounds and loose upper ones (or, where the time must be exact, let the fake body move the clock itself).
/// </summary>
public static class MutHttpDrive
{
    public static readonly DateTimeOffset Start = new(2026, 11, 30, 12, 0, 0, TimeSpan.Zero);

    public static async Task<T> Drive<T>(FakeTimeProvider time, Task<T> call)
    {
        for (int i = 0; i < 2_000_000 && !call.IsCompleted; i++)
        {
            await Task.Yield();
            if (!call.IsCompleted) time.Advance(TimeSpan.FromMilliseconds(10));
        }
        return await call;
    }

    /// <summary>
    /// Moves the fake clock as <see cref="Drive{T}"/> does, but never past <paramref name="limit"/>: a call that should end
    /// by then is awaited there (a real-time bound of a minute keeps a broken build from hanging), so the clock's reading
    /// afterwards cannot overshoot while the result travels back under load.
    /// </summary>
    public static async Task<T> DriveUntil<T>(FakeTimeProvider time, Task<T> call, DateTimeOffset limit)
    {
        while (!call.IsCompleted && time.GetUtcNow() < limit)
        {
            await Task.Yield();
            var left = limit - time.GetUtcNow();
            if (!call.IsCompleted && left > TimeSpan.Zero) time.Advance(left < TimeSpan.FromMilliseconds(10) ? left : TimeSpan.FromMilliseconds(10));
        }
        if (!call.IsCompleted && await Task.WhenAny(call, Task.Delay(TimeSpan.FromMinutes(1))) != call)
            throw new TimeoutException($"the call did not end by {limit:O} on the fake clock");
        return await call;
    }
}
