using System.Collections.ObjectModel;
using System.Diagnostics;
using System.Management.Automation;
using System.Management.Automation.Runspaces;
using System.Net.Http.Headers;
using System.Text;

namespace Cxpa.Benchmarks;

/// <summary>Where the staged module is (out/Cxpa/Cxpa.psd1), found by walking up to the repository root.</summary>
public static class Repo
{
    public static string Root
    {
        get
        {
            var dir = new DirectoryInfo(AppContext.BaseDirectory);
            while (dir != null && !File.Exists(Path.Combine(dir.FullName, "Cxpa.psd1"))) dir = dir.Parent;
            return dir?.FullName ?? throw new InvalidOperationException("Repository root (Cxpa.psd1) not found above " + AppContext.BaseDirectory);
        }
    }

    public static string ModulePath
    {
        get
        {
            var p = Path.Combine(Root, "out", "Cxpa", "Cxpa.psd1");
            if (!File.Exists(p)) throw new InvalidOperationException("The module is not staged: build src/Cxpa.PowerShell first (" + p + ")");
            return p;
        }
    }
}

/// <summary>Medians and ratios.</summary>
public static class Stats
{
    public static double Median(IEnumerable<double> xs)
    {
        var a = xs.OrderBy(x => x).ToArray();
        if (a.Length == 0) return double.NaN;
        return a.Length % 2 == 1 ? a[a.Length / 2] : (a[a.Length / 2 - 1] + a[a.Length / 2]) / 2;
    }

    public static double Time(Action a)
    {
        var sw = Stopwatch.StartNew();
        a();
        return sw.Elapsed.TotalMilliseconds;
    }

    public static async Task<double> TimeAsync(Func<Task> a)
    {
        var sw = Stopwatch.StartNew();
        await a();
        return sw.Elapsed.TotalMilliseconds;
    }

    /// <summary>The median of three timed runs.</summary>
    public static double MedianOf3(Action a) => Median(Enumerable.Range(0, 3).Select(_ => Time(a)));

    /// <summary>
    /// Runs both sides of a pair, <paramref name="a"/> first in even rounds and <paramref name="b"/> first in odd ones (ABBA),
    /// so that neither side always follows the other's cleanup (a 1 GiB file freed, a large array collected).
    /// </summary>
    public static async Task<(T A, T B)> AbbaAsync<T>(int round, Func<Task<T>> a, Func<Task<T>> b)
    {
        if ((round & 1) == 0)
        {
            var first = await a();
            return (first, await b());
        }
        var second = await b();
        return (await a(), second);
    }

    /// <summary><see cref="AbbaAsync{T}"/> for two synchronous sides.</summary>
    public static (T A, T B) Abba<T>(int round, Func<T> a, Func<T> b)
        => AbbaAsync(round, () => Task.FromResult(a()), () => Task.FromResult(b())).GetAwaiter().GetResult();
}

/// <summary>One runspace with the module imported (through out/Cxpa/Cxpa.psd1 only) and a default connection.</summary>
public sealed class PsSession : IDisposable
{
    private readonly Runspace _rs;

    public PsSession(string? url = null, string? key = null)
    {
        var iss = InitialSessionState.CreateDefault2();
        iss.ImportPSModule(new[] { Repo.ModulePath });
        _rs = RunspaceFactory.CreateRunspace(iss);
        _rs.Open();
        if (url != null) Run("Connect-Cxpa -BaseUrl $url -IngestApiKey $key", ("url", url), ("key", key));
    }

    public void Set(string name, object? value) => _rs.SessionStateProxy.SetVariable(name, value);

    /// <summary>How many progress records the last <see cref="Run"/> wrote.</summary>
    public int LastProgressRecords { get; private set; }

    /// <summary>Runs script text; throws on a terminating error or any error record.</summary>
    public Collection<PSObject> Run(string script, params (string Name, object? Value)[] vars)
    {
        foreach (var (n, v) in vars) Set(n, v);
        using var ps = PowerShell.Create();
        ps.Runspace = _rs;
        ps.AddScript(script);
        var r = ps.Invoke();
        LastProgressRecords = ps.Streams.Progress.Count;
        if (ps.Streams.Error.Count > 0)
            throw new InvalidOperationException("The script wrote errors: " + string.Join("; ", ps.Streams.Error.Take(3).Select(e => e.ToString())));
        return r;
    }

    public void Dispose() => _rs.Dispose();
}

/// <summary>Samples this process's working set every few ms while a measure runs.</summary>
public sealed class WorkingSetSampler : IDisposable
{
    private readonly Thread _thread;
    private volatile bool _stop;
    public long Before { get; }
    public long Peak { get; private set; }

    public WorkingSetSampler()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        using var p = Process.GetCurrentProcess();
        Before = p.WorkingSet64;
        Peak = Before;
        _thread = new Thread(() =>
        {
            using var proc = Process.GetCurrentProcess();
            while (!_stop)
            {
                proc.Refresh();
                var ws = proc.WorkingSet64;
                if (ws > Peak) Peak = ws;
                Thread.Sleep(5);
            }
        }) { IsBackground = true, Name = "ws-sampler" };
        _thread.Start();
    }

    public long Growth => Peak - Before;

    public void Dispose()
    {
        _stop = true;
        _thread.Join();
    }
}

/// <summary>The raw baselines: one reused HttpClient, no module.</summary>
public sealed class RawClient : IDisposable
{
    public readonly HttpClient Http;
    private readonly string _key;

    public RawClient(Uri baseUrl, string key)
    {
        Http = new HttpClient(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5) }) { BaseAddress = baseUrl, Timeout = Timeout.InfiniteTimeSpan };
        _key = key;
        Http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        Http.DefaultRequestHeaders.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
    }

    public async Task GetRunsAsync(long agentId, long runId, int count)
    {
        var path = $"api/agents/{agentId}/runs/{runId}";
        for (int i = 0; i < count; i++)
        {
            using var resp = await Http.GetAsync(path, HttpCompletionOption.ResponseContentRead);
            resp.EnsureSuccessStatusCode();
            _ = await resp.Content.ReadAsByteArrayAsync();
        }
    }

    public async Task<long> TriggerAsync(long agentId)
    {
        using var content = new StringContent("{\"input\":{}}", Encoding.UTF8, "application/json");
        using var resp = await Http.PostAsync($"api/agents/{agentId}/runs/trigger", content);
        resp.EnsureSuccessStatusCode();
        using var doc = System.Text.Json.JsonDocument.Parse(await resp.Content.ReadAsStringAsync());
        return doc.RootElement.GetProperty("runId").GetInt64();
    }

    /// <summary>trigger-and-download, then the response stream copied to a FileStream (81,920-byte default buffer).</summary>
    public async Task<long> DownloadAsync(long agentId, string path, bool fsync = false)
    {
        using var content = new StringContent("{\"input\":{},\"timeoutMs\":300000}", Encoding.UTF8, "application/json");
        using var req = new HttpRequestMessage(HttpMethod.Post, $"api/agents/{agentId}/runs/trigger-and-download") { Content = content };
        using var resp = await Http.SendAsync(req, HttpCompletionOption.ResponseHeadersRead);
        resp.EnsureSuccessStatusCode();
        await using var body = await resp.Content.ReadAsStreamAsync();
        await using var fs = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None);
        await body.CopyToAsync(fs);
        if (fsync) fs.Flush(true);
        return fs.Length;
    }

    public void Dispose() => Http.Dispose();
}
