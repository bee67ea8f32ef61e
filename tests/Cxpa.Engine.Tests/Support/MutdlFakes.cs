using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Cxpa.Engine.Http;
using Microsoft.Extensions.Time.Testing;
using Xunit;

namespace Cxpa.Engine.Tests.Support;

/// <summary>
/// A fake clock that tells every timer asked of it: each timer's due time is recorded, and <see cref="RunAsync{T}"/>
/// moves the clock exactly to the end of each wait the engine starts (a timer shorter than <see cref="LongTimer"/>),
/// so delays and the times of requests are exact, with no sleeping and no stepping.
/// </summary>
public sealed class MutdlClock : TimeProvider
{
    /// <summary>Timers this long or longer (request and read timeouts in the tests) are recorded but never run out.</summary>
    public static readonly TimeSpan LongTimer = TimeSpan.FromMinutes(30);

    private readonly object _gate = new();
    private readonly Queue<TimeSpan> _created = new();
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public MutdlClock(DateTimeOffset start) => Fake = new FakeTimeProvider(start);

    /// <summary>The clock underneath: a timer made on it directly (a test's own cancel-after) is not run out by <see cref="RunAsync{T}"/>.</summary>
    public FakeTimeProvider Fake { get; }

    /// <summary>The due times of the waits (timers shorter than <see cref="LongTimer"/>), in the order they were started.</summary>
    public List<TimeSpan> Waits { get; } = new();

    public override DateTimeOffset GetUtcNow() => Fake.GetUtcNow();
    public override long GetTimestamp() => Fake.GetTimestamp();
    public override long TimestampFrequency => Fake.TimestampFrequency;
    public override TimeZoneInfo LocalTimeZone => Fake.LocalTimeZone;

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        var timer = Fake.CreateTimer(callback, state, dueTime, period);
        TaskCompletionSource changed;
        lock (_gate)
        {
            if (dueTime < LongTimer) Waits.Add(dueTime);
            _created.Enqueue(dueTime);
            changed = _changed;
            _changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }
        changed.SetResult();
        return timer;
    }

    /// <summary>Runs <paramref name="call"/> to its end, moving the clock to the end of each wait it starts.</summary>
    public async Task<T> RunAsync<T>(Task<T> call)
    {
        while (true)
        {
            Task changed;
            TimeSpan? due = null;
            lock (_gate)
            {
                if (_created.Count > 0) due = _created.Dequeue();
                changed = _changed.Task;
            }
            if (due is { } d)
            {
                if (d < LongTimer && d >= TimeSpan.Zero) Fake.Advance(d);
                continue;
            }
            if (call.IsCompleted) return await call;
            await Task.WhenAny(call, changed);
        }
    }
}

/// <summary>Answers for the run waiter's tests, made by the functions they give <see cref="MockTransport.Otherwise(Func{HttpRequestMessage, HttpResponseMessage})"/>.</summary>
public static class MutdlAnswers
{
    /// <summary>A JSON answer, with an optional Retry-After in seconds.</summary>
    public static HttpResponseMessage Json(HttpStatusCode status, string json, TimeSpan? retryAfter = null)
    {
        var r = new HttpResponseMessage(status) { Content = new StringContent(json, Encoding.UTF8, "application/json") };
        if (retryAfter != null) r.Headers.RetryAfter = new RetryConditionHeaderValue(retryAfter.Value);
        return r;
    }

    /// <summary>A run row: id, agent 42, the status, and an optional raw input_data value.</summary>
    public static HttpResponseMessage RunRow(long id, string status, string? inputJson = null)
        => Json(HttpStatusCode.OK, $$"""{"id":{{id}},"agent_id":42,"status":"{{status}}"{{(inputJson != null ? ",\"input_data\":" + inputJson : "")}}}""");

    /// <summary>The run id at the end of a GET path ".../runs/&lt;id&gt;".</summary>
    public static long RunIdOf(HttpRequestMessage request) => long.Parse(request.RequestUri!.Segments[^1], System.Globalization.CultureInfo.InvariantCulture);
}

/// <summary>A log that keeps its Verbose lines; <see cref="IsVerboseEnabled"/> is what the test says.</summary>
public sealed class MutdlLog(bool verbose = true) : ICxpaLog
{
    public List<string> Lines { get; } = new();
    public bool IsVerboseEnabled => verbose;
    public bool IsDebugEnabled => false;
    public void Verbose(string message) { lock (Lines) Lines.Add(message); }
    public void Debug(string message) { }
}

/// <summary>
/// A download body read in chunks: it can throw (<see cref="Fail"/>) or hang until its read is cancelled after some
/// bytes, and it records its reads, a cancelled read and its disposal.
/// </summary>
public sealed class MutdlBody(byte[] data, int chunk = 16_384, int stopAfter = -1, Func<Exception>? fail = null) : ReadOnlyBody
{
    private int _pos;
    public int Reads { get; private set; }
    public bool ReadCancelled { get; private set; }
    public bool Disposed { get; private set; }
    public Func<Exception>? Fail { get; } = fail;

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken ct = default)
    {
        Reads++;
        if (stopAfter >= 0 && _pos >= stopAfter)
        {
            if (Fail != null) throw Fail();
            try { await Task.Delay(Timeout.Infinite, ct); }
            catch (OperationCanceledException) { ReadCancelled = true; throw; }
        }
        var n = Math.Min(Math.Min(chunk, buffer.Length), data.Length - _pos);
        if (stopAfter >= 0) n = Math.Min(n, stopAfter - _pos);
        data.AsSpan(_pos, n).CopyTo(buffer.Span);
        _pos += n;
        return n;
    }

    protected override void Dispose(bool disposing) { Disposed = true; base.Dispose(disposing); }

    /// <summary>n bytes of a fixed pattern.</summary>
    public static byte[] Pattern(int n)
    {
        var b = new byte[n];
        for (var i = 0; i < n; i++) b[i] = (byte)((i * 31 + 7) % 256);
        return b;
    }
}

/// <summary>
/// Tests that register temporary download files or clean up all of them (TempFiles is process-wide) run here, alone:
/// a clean-up in one test never cancels another test's download.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class MutdlTempFilesCollection
{
    public const string Name = "mutdl: process-wide temporary files";
}
