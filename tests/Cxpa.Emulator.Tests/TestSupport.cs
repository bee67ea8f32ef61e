using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Xunit;

namespace Cxpa.Emulator.Tests;

/// <summary>A TimeProvider that moves only when told to; its timers fire on Advance.</summary>
public sealed class ManualClock : TimeProvider
{
    private readonly object _gate = new();
    private readonly List<Timer> _timers = new();
    private DateTimeOffset _now;

    public ManualClock(DateTimeOffset? start = null) { _now = start ?? DateTimeOffset.UtcNow; }

    public override DateTimeOffset GetUtcNow() { lock (_gate) return _now; }

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        var t = new Timer(this, callback, state);
        t.Change(dueTime, period);
        return t;
    }

    /// <summary>Number of armed timers (a request waiting on the clock has one).</summary>
    public int ArmedTimers { get { lock (_gate) return _timers.Count(t => t.DueAt is not null); } }

    public void Advance(TimeSpan by)
    {
        var fire = new List<Timer>();
        lock (_gate)
        {
            _now += by;
            foreach (var t in _timers)
            {
                if (t.DueAt is { } due && due <= _now)
                {
                    fire.Add(t);
                    t.DueAt = t.Period > TimeSpan.Zero ? _now + t.Period : null;
                }
            }
        }
        foreach (var t in fire) t.Callback(t.State);
    }

    private sealed class Timer : ITimer
    {
        private readonly ManualClock _clock;
        public Timer(ManualClock clock, TimerCallback callback, object? state) { _clock = clock; Callback = callback; State = state; lock (clock._gate) clock._timers.Add(this); }
        public TimerCallback Callback { get; }
        public object? State { get; }
        public DateTimeOffset? DueAt { get; set; }
        public TimeSpan Period { get; set; }

        public bool Change(TimeSpan dueTime, TimeSpan period)
        {
            lock (_clock._gate)
            {
                DueAt = dueTime == Timeout.InfiniteTimeSpan ? null : _clock._now + dueTime;
                Period = period == Timeout.InfiniteTimeSpan ? TimeSpan.Zero : period;
            }
            return true;
        }

        public void Dispose() { lock (_clock._gate) { DueAt = null; _clock._timers.Remove(this); } }
        public ValueTask DisposeAsync() { Dispose(); return ValueTask.CompletedTask; }
    }
}

internal static class T
{
    public const string SharedKey = EmulatorConfig.DemoSharedIngestKey;

    /// <summary>The demo agents with short simulated durations (queued 5 ms, running 40 ms), agent 47 left long.</summary>
    public static EmulatorConfig FastDemo(TimeProvider? clock = null)
    {
        var c = EmulatorConfig.CreateDemo();
        foreach (var a in c.Agents)
        {
            if (a.DurationMs < 60_000) { a.QueuedMs = 5; a.DurationMs = 40; }
        }
        c.Clock = clock;
        return c;
    }

    public static Task<EmulatorServer> Start(EmulatorConfig? config = null) => EmulatorServer.StartAsync(config ?? FastDemo());

    public static HttpClient Client(EmulatorServer s, string? bearer = null)
    {
        var c = new HttpClient { BaseAddress = s.BaseUrl, Timeout = TimeSpan.FromSeconds(20) };
        if (bearer is not null) c.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
        return c;
    }

    /// <summary>A client on its own connection pool (no connection reuse between clients).</summary>
    public static HttpClient FreshClient(EmulatorServer s, string? bearer = null)
    {
        var c = new HttpClient(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.Zero }, disposeHandler: true) { BaseAddress = s.BaseUrl, Timeout = TimeSpan.FromSeconds(20) };
        if (bearer is not null) c.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
        return c;
    }

    /// <summary>
    /// A compact JWT built here, independently of the emulator's own token code: header {"alg": alg, "typ": "JWT"}, these
    /// claims, an HS256 signature with the secret (none for alg "none").
    /// </summary>
    public static string Jwt(string secret, JsonObject claims, string alg = "HS256")
    {
        static string B64(byte[] b) => Convert.ToBase64String(b).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        var input = B64(Encoding.UTF8.GetBytes(new JsonObject { ["alg"] = alg, ["typ"] = "JWT" }.ToJsonString())) + "." +
                    B64(Encoding.UTF8.GetBytes(claims.ToJsonString()));
        if (alg == "none") return input + ".";
        return input + "." + B64(System.Security.Cryptography.HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.ASCII.GetBytes(input)));
    }

    /// <summary>Zone-token claims for agent 42 of the demo (aud, iat, exp, userId, agentId), issued now + offset.</summary>
    public static JsonObject ZoneClaims(long agentId = 42, string audience = EmulatorConfig.DemoZoneAudience, int issuedOffsetSeconds = 0, int lifetimeSeconds = 300)
    {
        var iat = DateTimeOffset.UtcNow.ToUnixTimeSeconds() + issuedOffsetSeconds;
        return new JsonObject { ["aud"] = audience, ["iat"] = iat, ["exp"] = iat + lifetimeSeconds, ["userId"] = EmulatorConfig.DemoUserId, ["agentId"] = agentId };
    }

    public static StringContent Body(string json) => new(json, Encoding.UTF8, "application/json");
    public static StringContent Body(JsonNode json) => Body(json.ToJsonString());

    public static Task<HttpResponseMessage> Post(this HttpClient c, string path, string json) => c.PostAsync(path, Body(json));

    public static async Task<JsonObject> Json(this HttpResponseMessage r)
    {
        var text = await r.Content.ReadAsStringAsync();
        return JsonNode.Parse(text) as JsonObject ?? throw new Xunit.Sdk.XunitException($"Not a JSON object: {text}");
    }

    /// <summary>Asserts status and the pinned error shape; returns the body.</summary>
    public static async Task<JsonObject> AssertError(this HttpResponseMessage r, int status, string code)
    {
        var body = await r.Json();
        Assert.True((int)r.StatusCode == status, $"expected {status}, got {(int)r.StatusCode}: {body.ToJsonString()}");
        Assert.Equal(code, (string?)body["code"]);
        Assert.False(string.IsNullOrWhiteSpace((string?)body["error"]));
        Assert.StartsWith("application/json", r.Content.Headers.ContentType?.ToString());
        return body;
    }

    public static async Task<JsonObject> AssertOk(this HttpResponseMessage r, int status = 200)
    {
        var text = await r.Content.ReadAsStringAsync();
        Assert.True((int)r.StatusCode == status, $"expected {status}, got {(int)r.StatusCode}: {text}");
        return JsonNode.Parse(text) as JsonObject ?? throw new Xunit.Sdk.XunitException($"Not a JSON object: {text}");
    }

    /// <summary>Waits (real time) until the condition holds.</summary>
    public static async Task Eventually(Func<bool> condition, int timeoutMs = 5000)
    {
        var sw = System.Diagnostics.Stopwatch.StartNew();
        while (!condition())
        {
            if (sw.ElapsedMilliseconds > timeoutMs) throw new TimeoutException("Condition not met in time.");
            await Task.Delay(5);
        }
    }

    /// <summary>Advances the manual clock in steps until the task completes.</summary>
    public static async Task<TResult> AdvanceUntil<TResult>(ManualClock clock, Task<TResult> task, TimeSpan step, int maxSteps = 2000)
    {
        for (int i = 0; i < maxSteps && !task.IsCompleted; i++)
        {
            clock.Advance(step);
            await Task.WhenAny(task, Task.Delay(3));
        }
        return await task.WaitAsync(TimeSpan.FromSeconds(10));
    }

    public static readonly string[] RowFields =
    {
        "id", "agent_id", "status", "input_data", "output_data", "outputs", "error",
        "external_run_id", "created_by", "metadata", "created_at", "started_at", "completed_at",
    };

    public static void AssertRowShape(JsonObject row)
    {
        Assert.Equal(RowFields.OrderBy(x => x), row.Select(kv => kv.Key).OrderBy(x => x));
    }
}

internal static class JsonObjectExtensions
{
    /// <summary>Changes the object and returns it (for building claims inline).</summary>
    public static JsonObject Also(this JsonObject o, Action<JsonObject> change) { change(o); return o; }
}
