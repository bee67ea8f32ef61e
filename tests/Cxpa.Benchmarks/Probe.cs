using Cxpa.Emulator;

namespace Cxpa.Benchmarks;

/// <summary>--only probe: the engine's GET without PowerShell, against raw, interleaved (diagnostics; not in the report).</summary>
public static class Probe
{
    public static async Task RunAsync(Uri baseUrl, long agent, long runId, RawClient raw)
    {
        Cxpa.Engine.CxpaClient Make(int retries) => new(new Cxpa.Engine.Http.CxpaEndpoint(baseUrl, Cxpa.Engine.Http.CxpaAuthKind.IngestApiKey, Cxpa.Engine.Secret.FromString(EmulatorConfig.DemoSharedIngestKey), false),
            new Cxpa.Engine.Http.CxpaCallOptions { MaximumRetryCount = retries });
        var e3 = Make(3);
        var e0 = Make(0);
        const int n = 1000;
        var a = new List<double>(); var b = new List<double>(); var c = new List<double>(); var d = new List<double>();
        var path = $"api/agents/{agent}/runs/{runId}";
        var http = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false, UseCookies = false }) { Timeout = Timeout.InfiniteTimeSpan };
        async Task Mimic()
        {
            using var msg = new HttpRequestMessage(HttpMethod.Get, new Uri(baseUrl, path));
            msg.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", EmulatorConfig.DemoSharedIngestKey);
            msg.Headers.TryAddWithoutValidation("Accept", "application/json");
            msg.Headers.TryAddWithoutValidation("User-Agent", "Cxpa-PowerShell/0.1.0");
            using var cts = CancellationTokenSource.CreateLinkedTokenSource(default(CancellationToken));
            cts.CancelAfter(TimeSpan.FromSeconds(100));
            using var resp = await http.SendAsync(msg, HttpCompletionOption.ResponseContentRead, cts.Token).ConfigureAwait(false);
            using var cts2 = CancellationTokenSource.CreateLinkedTokenSource(default(CancellationToken));
            cts2.CancelAfter(TimeSpan.FromSeconds(30));
            using var s = await resp.Content.ReadAsStreamAsync().ConfigureAwait(false);
            using var doc = await System.Text.Json.JsonDocument.ParseAsync(s, default, cts2.Token).ConfigureAwait(false);
        }
        for (int round = 0; round < 6; round++)
        {
            a.Add(await Stats.TimeAsync(() => raw.GetRunsAsync(agent, runId, n)));
            b.Add(await Stats.TimeAsync(async () => { for (int i = 0; i < n; i++) await e3.GetRunAsync(agent, runId, default); }));
            d.Add(await Stats.TimeAsync(async () => { for (int i = 0; i < n; i++) await Mimic(); }));
            c.Add(await Stats.TimeAsync(async () => { for (int i = 0; i < n; i++) await e0.GetRunAsync(agent, runId, default); }));
        }
        // Pieces of the engine's GET, each 10,000 times on this thread.
        var body = await http.GetAsync(new Uri(baseUrl, path)).Result.Content.ReadAsByteArrayAsync();
        static double Each(Action a) { for (int i = 0; i < 1000; i++) a(); var sw = System.Diagnostics.Stopwatch.StartNew(); for (int i = 0; i < 10000; i++) a(); return sw.Elapsed.TotalMilliseconds / 10; }
        using var parsed = System.Text.Json.JsonDocument.Parse(body);
        var secret = Cxpa.Engine.Secret.FromString(EmulatorConfig.DemoSharedIngestKey);
        Console.WriteLine($"probe µs each: parse {Each(() => System.Text.Json.JsonDocument.Parse(body).Dispose()):0.00} FromJson(dict) {Each(() => Cxpa.Engine.Models.RunReader.FromJson(parsed.RootElement, Cxpa.Engine.Json.DictionaryObjectFactory.Instance)):0.00} reveal {Each(() => secret.Reveal()):0.00} uri {Each(() => new Uri(baseUrl, path)):0.00} linkedcts+cancelafter {Each(() => { using var c = CancellationTokenSource.CreateLinkedTokenSource(default(CancellationToken)); c.CancelAfter(30000); }):0.00} body {body.Length} B");
        Console.WriteLine($"probe µs/GET: raw {Stats.Median(a.Skip(1)):0} engine(retry 3) {Stats.Median(b.Skip(1)):0} engine(retry 0) {Stats.Median(c.Skip(1)):0} raw-mimic {Stats.Median(d.Skip(1)):0}  (per {n}, ms ≙ µs)");
    }

    /// <summary>
    /// --only probe-download: the engine's download without PowerShell, awaited and waited on from a blocked thread as the
    /// cmdlet's pump does (Task.Wait(100) in a loop), against the raw copy; wall and CPU time (diagnostics; not in the report).
    /// </summary>
    public static async Task DownloadAsync(Uri baseUrl, long agent, RawClient raw, string dir)
    {
        var engine = new Cxpa.Engine.CxpaClient(new Cxpa.Engine.Http.CxpaEndpoint(baseUrl, Cxpa.Engine.Http.CxpaAuthKind.IngestApiKey, Cxpa.Engine.Secret.FromString(EmulatorConfig.DemoSharedIngestKey), false));
        async Task Save()
        {
            using var answer = await engine.TriggerAndDownloadAsync(agent, null, TimeSpan.FromSeconds(300), default);
            var saved = await answer.SaveAsync(dir, "engine.bin", true, new Cxpa.Engine.Downloads.DownloadProgress(), default);
            File.Delete(saved.Path);
        }
        var rawFile = Path.Combine(dir, "raw.bin");
        var sides = new (string Name, Func<Task<double>> Run)[]
        {
            ("raw", () => Stats.TimeAsync(async () => { await raw.DownloadAsync(agent, rawFile); File.Delete(rawFile); })),
            ("engine", () => Stats.TimeAsync(Save)),
            ("engine-blocked", () => Task.FromResult(Stats.Time(() => { var t = Task.Run(Save); while (!t.IsCompleted) t.Wait(100); t.GetAwaiter().GetResult(); }))),
        };
        var wall = sides.Select(_ => new List<double>()).ToArray();
        var cpu = new double[sides.Length];
        using var me = System.Diagnostics.Process.GetCurrentProcess();
        for (int round = -1; round < 9; round++)
        {
            for (int k = 0; k < sides.Length; k++)
            {
                me.Refresh();
                var c0 = me.TotalProcessorTime;
                var ms = await sides[k].Run();
                me.Refresh();
                if (round < 0) continue;
                wall[k].Add(ms);
                cpu[k] += (me.TotalProcessorTime - c0).TotalMilliseconds;
            }
        }
        Console.WriteLine("probe-download, median ms (CPU ms per download): " + string.Join("; ", sides.Select((x, k) => $"{x.Name} {Stats.Median(wall[k]):0} ({cpu[k] / wall[k].Count:0})")));
    }
}
