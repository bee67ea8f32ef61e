using System.Globalization;
using System.Text.Json;
using Cxpa.Emulator;

namespace Cxpa.Benchmarks;

/// <summary>
/// --pwsh: the issue's measures in the real pwsh (the local tool), each side by side with what a user would write instead,
/// in the same pwsh process, the order of the sides rotated round by round; medians over rounds. The emulator runs as a
/// process of its own (<see cref="EmulatorProcess"/>); the measures run in tests/Cxpa.Benchmarks/Pwsh/Bench.ps1.
/// </summary>
public sealed class PwshSuite
{
    private readonly bool _quick;
    private readonly string[]? _only;
    private readonly List<MeasureResult> _results = new();
    public string PowerShellVersion { get; private set; } = "?";
    public string PwshDll { get; private set; } = "?";

    public PwshSuite(bool quick, string[]? only) { _quick = quick; _only = only; }

    private bool Want(string name) => _only == null || _only.Contains(name);

    private static void Log(string s) => Console.Error.WriteLine($"[{DateTime.UtcNow:HH:mm:ss}] {s}");

    private long FileBytes => _quick ? 32L << 20 : 256L << 20;
    private int Rounds => _quick ? 3 : 7;
    private static string F(double x) => x.ToString("0", CultureInfo.InvariantCulture);
    private static string F2(double x) => x.ToString("0.00", CultureInfo.InvariantCulture);
    private static string List(IEnumerable<double> xs) => string.Join(", ", xs.Select(F));
    private static string I(long x) => x.ToString("N0", CultureInfo.InvariantCulture);

    public async Task<List<MeasureResult>> RunAllAsync()
    {
        var work = Directory.CreateTempSubdirectory("cxpa-bench-pwsh-").FullName;
        try
        {
            var emptyRoot = Path.Combine(work, "modules");
            Directory.CreateDirectory(Path.Combine(emptyRoot, "CxpaBenchEmpty"));
            File.WriteAllText(Path.Combine(emptyRoot, "CxpaBenchEmpty", "CxpaBenchEmpty.psm1"), "$x = 1\n");
            WriteShapeModule(emptyRoot, "CxpaBenchShape", views: true);
            WriteShapeModule(emptyRoot, "CxpaBenchManifest", views: false);
            var pwsh = await PwshHost.LocateAsync(emptyRoot);
            PowerShellVersion = pwsh.Version;
            PwshDll = pwsh.PwshDll;
            Log($"pwsh {pwsh.Version}: {pwsh.PwshDll}");
            if (Want("import")) await ImportAsync(pwsh);

            var tokenCount = 2000;
            var tokensFile = Path.Combine(work, "tokens.txt");
            await using var emulator = await EmulatorProcess.StartAsync(FileBytes, tokenCount, tokensFile);
            var common = new[] { "-Url", emulator.BaseUrl.ToString(), "-Key", EmulatorConfig.DemoSharedIngestKey };
            var rounds = new[] { "-Rounds", Rounds.ToString(CultureInfo.InvariantCulture) };
            Log($"emulator process {emulator.ProcessId} at {emulator.BaseUrl}");
            if (Want("http"))
            {
                Log("reads and triggers");
                Http(await pwsh.BenchAsync(common.Concat(rounds).Concat(new[] { "-Measure", "http", "-Count", "500", "-Triggers", "200" }).ToArray()));
            }
            if (Want("download")) await DownloadAsync(pwsh, common.Concat(rounds).ToArray(), work);
            if (Want("tokens"))
            {
                Log($"{tokenCount:N0} zone tokens");
                Tokens(await pwsh.BenchAsync(common.Concat(rounds).Concat(new[] { "-Measure", "tokens", "-TokensFile", tokensFile, "-Secret", EmulatorConfig.DemoZoneSecret, "-Audience", EmulatorConfig.DemoZoneAudience }).ToArray()), tokenCount);
            }
            if (Want("wait"))
            {
                var n = _quick ? 500 : 10_000;
                Log($"wait: {n:N0} runs started, then one Wait-CxpaRun");
                Wait(await pwsh.BenchAsync(common.Concat(new[] { "-Measure", "wait", "-Count", n.ToString(CultureInfo.InvariantCulture), "-Rounds", _quick ? "1" : "3", "-WaitDurationMs", EmulatorProcess.WaitDurationMs.ToString(CultureInfo.InvariantCulture) }).ToArray()));
            }
            return _results;
        }
        finally { Directory.Delete(work, true); }
    }

    // ---------------------------------------------------------------- results

    private static JsonElement Find(List<JsonElement> results, string name) => results.First(r => r.GetProperty("name").GetString() == name);

    private static List<double> Series(JsonElement result, string side, string kind = "ms")
        => result.GetProperty(kind).GetProperty(side).EnumerateArray().Select(x => x.GetDouble()).ToList();

    private static double Med(JsonElement result, string side, string kind = "ms") => Stats.Median(Series(result, side, kind));

    /// <summary>The median of the per-round ratios <paramref name="top"/> / <paramref name="bottom"/> (both sides of a round saw the same load).</summary>
    private static double Ratio(JsonElement result, string top, string bottom)
        => Stats.Median(Series(result, top).Zip(Series(result, bottom), (a, b) => a / b));

    private static string RoundsNote(JsonElement result, params (string Side, string Label)[] sides)
        => $"Ratios are the median of the per-round ratios. Per round ({result.GetProperty("rounds").GetInt32()} after a warm-up, the order of the sides rotated each round): "
           + string.Join("; ", sides.Select(s => $"{s.Label} {List(Series(result, s.Side))} ms")) + ".";

    private MeasureResult Add(string title, string baseline, string module, double ratio, string ratioText, string target, bool met)
    {
        var r = new MeasureResult { Title = title, Baseline = baseline, Module = module, Ratio = ratioText.Replace("{r}", F2(ratio), StringComparison.Ordinal), Target = target, Met = met };
        _results.Add(r);
        return r;
    }

    /// <summary>A row whose ratio is the median per-round ratio <paramref name="top"/> / <paramref name="bottom"/> of one measure.</summary>
    private MeasureResult AddRatio(JsonElement result, string top, string bottom, string title, string baseline, string module, string ratioText, string target, Func<double, bool> met)
    {
        var ratio = Ratio(result, top, bottom);
        return Add(title, baseline, module, ratio, ratioText, target, met(ratio));
    }

    // ---------------------------------------------------------------- import

    private async Task ImportAsync(PwshHost pwsh)
    {
        var runs = _quick ? 3 : 11;
        const string timed = "$sw = [System.Diagnostics.Stopwatch]::StartNew(); Import-Module {0}; '@@ms ' + $sw.Elapsed.TotalMilliseconds.ToString([cultureinfo]::InvariantCulture)";
        var children = new (string Name, string Script)[]
        {
            ("empty", string.Format(CultureInfo.InvariantCulture, timed, "CxpaBenchEmpty")),
            ("cxpa", string.Format(CultureInfo.InvariantCulture, timed, "Cxpa")),
            // Cxpa's manifest shape with no code: what any module with a manifest, a psm1 and these views pays.
            ("shape", string.Format(CultureInfo.InvariantCulture, timed, "CxpaBenchShape")),
            ("manifest", string.Format(CultureInfo.InvariantCulture, timed, "CxpaBenchManifest")),
            // Warm: a pwsh that has already imported a module and run a few commands; the import of Cxpa is its first.
            // What the import consists of, step by step by hand in a cold process (the steps of Cxpa.psm1 and the manifest).
            ("steps", StepsScript(Path.GetDirectoryName(Repo.ModulePath)!)),
            ("warm", "Import-Module CxpaBenchEmpty; $null = Get-ChildItem -LiteralPath $PSHOME | Where-Object Length -GT 0 | ConvertTo-Json -Depth 1; $null = [pscustomobject]@{ a = 1 } | Select-Object a; "
                     + string.Format(CultureInfo.InvariantCulture, timed, "Cxpa")),
        };
        Log($"import: {runs} rounds of six fresh pwsh processes (empty module, Cxpa cold, Cxpa's shape without code with and without its views, its steps by hand, Cxpa warm), order rotated");
        var inside = children.ToDictionary(c => c.Name, _ => new List<double>());
        var steps = new List<double[]>();
        var wall = children.ToDictionary(c => c.Name, _ => new List<double>());
        for (int round = -1; round < runs; round++)
        {
            for (int k = 0; k < children.Length; k++)
            {
                var (name, script) = children[(k + round + 1) % children.Length];
                var (ms, lines) = await pwsh.RunAsync("-Command", script);
                var stamp = double.Parse(lines.First(l => l.StartsWith("@@ms ", StringComparison.Ordinal))[5..], CultureInfo.InvariantCulture);
                if (round < 0) continue;
                if (name == "steps")
                    steps.Add(lines.First(l => l.StartsWith("@@steps ", StringComparison.Ordinal))[8..].Split(';').Select(x => double.Parse(x, CultureInfo.InvariantCulture)).ToArray());
                inside[name].Add(stamp);
                wall[name].Add(ms);
            }
        }
        double M(Dictionary<string, List<double>> d, string k) => Stats.Median(d[k]);
        var added = M(inside, "cxpa") - M(inside, "empty");
        var wallAdded = M(wall, "cxpa") - M(wall, "empty");
        var cold = Add("`Import-Module Cxpa` in a cold pwsh",
            $"{F(M(inside, "empty"))} ms: `Import-Module CxpaBenchEmpty` (an empty script module), the first import of the process",
            $"{F(M(inside, "cxpa"))} ms: `Import-Module Cxpa`, the first import of the process",
            added, $"+{F(added)} ms", "≤ +100 ms", added <= 100);
        cold.Notes.Add($"Stopwatch around `Import-Module` inside each fresh `pwsh -NoProfile -NonInteractive -Command` process, median of {runs} rounds after a warm-up round, the four kinds of process rotated each round. Per round, empty: {List(inside["empty"])} ms; Cxpa: {List(inside["cxpa"])} ms.");
        cold.Notes.Add($"Whole process, start to exit (`dotnet pwsh.dll`, measured by the harness): empty module {F(M(wall, "empty"))} ms, Cxpa {F(M(wall, "cxpa"))} ms, +{F(wallAdded)} ms. Per round, empty: {List(wall["empty"])} ms; Cxpa: {List(wall["cxpa"])} ms.");
        double Step(int i) => Stats.Median(steps.Select(x => x[i]));
        cold.Notes.Add($"The same steps by hand in a cold process (Stopwatch around each, median of {runs}): the loader and the cmdlet assembly in Cxpa's load context (`Assembly.LoadFrom` + `ModuleLoader.LoadCmdletAssembly`) {F(Step(0))} ms; `Import-Module -Assembly` of the cmdlet assembly (the process's first import: PowerShell's module system, the cmdlets found by reflection) {F(Step(1))} ms; `Update-TypeData` of Cxpa.types.ps1xml {F(Step(2))} ms; `Update-FormatData` of Cxpa.format.ps1xml {F(Step(3))} ms (Microsoft.PowerShell.Utility, where these two live, imported before the stopwatch: `Import-Module Cxpa` does not load it); in all {F(M(inside, "steps"))} ms against {F(M(inside, "cxpa"))} ms for `Import-Module Cxpa` (the rest: finding the module by name, the manifest, Cxpa.psm1).");
        var shape = M(inside, "shape") - M(inside, "empty");
        cold.Notes.Add($"The floor of this module's shape: a module with Cxpa's manifest, a psm1 and the same Cxpa.types.ps1xml and Cxpa.format.ps1xml but no code (`CxpaBenchShape`) takes {F(M(inside, "shape"))} ms, +{F(shape)} ms over the empty module, before any Cxpa assembly loads; Cxpa's own loading adds {F(added - shape)} ms to that. The same without the two files (`CxpaBenchManifest`, a manifest and a psm1) takes {F(M(inside, "manifest"))} ms, +{F(M(inside, "manifest") - M(inside, "empty"))} ms. Per round, shape: {List(inside["shape"])} ms; manifest only: {List(inside["manifest"])} ms.");
        cold.Notes.Add(ReadyToRunNote(pwsh));
        var warm = M(inside, "warm");
        var w = Add("`Import-Module Cxpa` in a warm pwsh", "—",
            $"{F(warm)} ms: `Import-Module Cxpa` after an import of another module and a few commands (Get-ChildItem, Where-Object, ConvertTo-Json, Select-Object) in the same process",
            warm, $"{F(warm)} ms", "≤ 50 ms", warm <= 50);
        w.Notes.Add($"A new process per sample: `Remove-Module` does not unload assemblies, so a second import in one process would not load the module's assemblies again and would time less than a user's first. Per round: {List(inside["warm"])} ms.");
    }

    /// <summary>
    /// A script module with Cxpa's manifest shape (RootModule psm1; with <paramref name="views"/>, the same types and format
    /// files) and no code.
    /// </summary>
    private static void WriteShapeModule(string modules, string name, bool views)
    {
        var dir = Path.Combine(modules, name);
        Directory.CreateDirectory(dir);
        var root = Path.GetDirectoryName(Repo.ModulePath)!;
        if (views)
            foreach (var f in new[] { "Cxpa.types.ps1xml", "Cxpa.format.ps1xml" }) File.Copy(Path.Combine(root, f), Path.Combine(dir, f), true);
        File.WriteAllText(Path.Combine(dir, name + ".psm1"), "$x = 1\n");
        var processed = views ? "FormatsToProcess = @('Cxpa.format.ps1xml')\n    TypesToProcess = @('Cxpa.types.ps1xml')" : "";
        File.WriteAllText(Path.Combine(dir, name + ".psd1"), $$"""
            @{
                RootModule = '{{name}}.psm1'
                ModuleVersion = '1.0.0'
                GUID = '{{Guid.NewGuid()}}'
                CompatiblePSEditions = @('Desktop', 'Core')
                PowerShellVersion = '5.1'
                {{processed}}
                FunctionsToExport = @()
                CmdletsToExport = @()
                VariablesToExport = @()
                AliasesToExport = @()
            }
            """);
    }

    // Update-TypeData and Update-FormatData live in Microsoft.PowerShell.Utility, which `Import-Module Cxpa` never loads: it is
    // imported before the stopwatch starts, or its own import (about 120 ms cold) would be charged to the types file.
    private static string StepsScript(string root) => $$"""
        Import-Module Microsoft.PowerShell.Utility
        $sw = [System.Diagnostics.Stopwatch]::StartNew()
        $null = [System.Reflection.Assembly]::LoadFrom('{{root}}/Cxpa.PowerShell.Loader.dll')
        $asm = [Cxpa.PowerShell.Loader.ModuleLoader]::LoadCmdletAssembly('{{root}}')
        $t = @($sw.Elapsed.TotalMilliseconds)
        $null = Import-Module -Assembly $asm -DisableNameChecking -PassThru
        $t += $sw.Elapsed.TotalMilliseconds
        Update-TypeData -PrependPath '{{root}}/Cxpa.types.ps1xml'
        $t += $sw.Elapsed.TotalMilliseconds
        Update-FormatData -PrependPath '{{root}}/Cxpa.format.ps1xml'
        $t += $sw.Elapsed.TotalMilliseconds
        $inv = [cultureinfo]::InvariantCulture
        '@@steps ' + ((@($t[0], ($t[1] - $t[0]), ($t[2] - $t[1]), ($t[3] - $t[2])) | ForEach-Object { $_.ToString($inv) }) -join ';')
        '@@ms ' + $t[3].ToString($inv)
        """;

    /// <summary>
    /// Whether this pwsh's own assemblies are precompiled (ReadyToRun). The local tool's are not, so each import JIT-compiles
    /// PowerShell's module, manifest, types and format code that an installed pwsh (MSI, deb, brew) runs precompiled.
    /// </summary>
    private static string ReadyToRunNote(PwshHost pwsh)
    {
        var home = Path.GetDirectoryName(pwsh.PwshDll)!;
        var names = new[] { "System.Management.Automation.dll", "Microsoft.PowerShell.Commands.Utility.dll", "pwsh.dll" };
        var jitted = names.Where(n => File.Exists(Path.Combine(home, n)) && !IsReadyToRun(Path.Combine(home, n))).ToList();
        return jitted.Count == 0
            ? "This pwsh's own assemblies are precompiled (ReadyToRun), as an installed pwsh's are."
            : $"This pwsh (the local tool) ships {string.Join(", ", jitted)} without ReadyToRun code, so every import here JIT-compiles PowerShell's own module, manifest, types and format code; an installed pwsh (MSI, deb, brew) runs that code precompiled, so the import figures overstate what users see. Of the methods compiled during `Import-Module Cxpa`, Cxpa's own are the loader's few.";
    }

    private static bool IsReadyToRun(string path)
    {
        using var pe = new System.Reflection.PortableExecutable.PEReader(File.OpenRead(path));
        return pe.PEHeaders.CorHeader?.ManagedNativeHeaderDirectory.Size > 0;
    }

    // ---------------------------------------------------------------- reads and triggers

    private void Http(List<JsonElement> results)
    {
        var reads = Find(results, "reads");
        var seq = Find(results, "sequential");
        var trig = Find(results, "triggers");
        var r = AddRatio(reads, "module", "irm", "500 reads: `$objs | Get-CxpaRun` vs an `Invoke-RestMethod` loop",
            $"{F(Med(reads, "irm"))} ms: `foreach ($o in $objs) {{ Invoke-RestMethod -Uri .../runs/$($o.RunId) -Headers $h }}`",
            $"{F(Med(reads, "module"))} ms: `$objs | Get-CxpaRun` (binds AgentId/RunId by property name, 8 reads in flight by default)",
            "{r}× the IRM time", "≤ 0.10×", x => x <= 0.10);
        r.Notes.Add(RoundsNote(reads, ("irm", "IRM"), ("module", "module"), ("raw8", "raw 8 at a time"), ("pipeline", "Where-Object")));
        r.Notes.Add($"Floors in the same pwsh, same rounds: the same 500 GETs on one raw HttpClient 8 at a time (GetStringAsync, WaitAll per batch of 8, the module's default `-ThrottleLimit`) take {F(Med(reads, "raw8"))} ms ({F2(Ratio(reads, "raw8", "irm"))}× the IRM loop, and the module {F2(Ratio(reads, "module", "raw8"))}× of that); the same 500 objects through a compiled cmdlet that only passes them on (`$objs | Where-Object RunId -GT 0`) take {F(Med(reads, "pipeline"))} ms.");

        r = AddRatio(seq, "module", "raw", "500 reads one at a time: `$objs | Get-CxpaRun -ThrottleLimit 1` vs a raw HttpClient loop in the same pwsh",
            $"{F(Med(seq, "raw"))} ms: one reused `[System.Net.Http.HttpClient]`, `GetAsync(...).GetAwaiter().GetResult()` + `ReadAsStringAsync()` per run",
            $"{F(Med(seq, "module"))} ms: `$objs | Get-CxpaRun -ThrottleLimit 1`",
            "{r}×", "≤ 1.5×", x => x <= 1.5);
        r.Notes.Add(RoundsNote(seq, ("raw", "raw"), ("module", "module"), ("rawParsed", "raw + ConvertFrom-Json")));
        r.Notes.Add($"The raw loop returns strings; the module returns typed runs. The same raw loop with each body piped to `ConvertFrom-Json` (objects, as the module returns) takes {F(Med(seq, "rawParsed"))} ms; the module takes {F2(Ratio(seq, "module", "rawParsed"))}× of that.");

        r = AddRatio(trig, "module", "irm", "200 triggers: `$inputs | Start-CxpaRun` vs an IRM POST loop",
            $"{F(Med(trig, "irm"))} ms: `foreach ($in in $inputs) {{ Invoke-RestMethod -Method Post -Uri .../runs/trigger -Body (@{{ input = $in }} | ConvertTo-Json -Compress) ... }}`",
            $"{F(Med(trig, "module"))} ms: `$inputs | Start-CxpaRun -AgentId $agent`",
            "{r}× the IRM time", "≤ 0.25×", x => x <= 0.25);
        r.Notes.Add(RoundsNote(trig, ("irm", "IRM"), ("module", "module"), ("raw", "raw HttpClient")));
        r.Notes.Add($"The floor: the same 200 POSTs one after another on one raw HttpClient in the same pwsh (body from `ConvertTo-Json`, `PostAsync(...).GetAwaiter().GetResult()`) take {F(Med(trig, "raw"))} ms, {F2(Ratio(trig, "raw", "irm"))}× the IRM loop; the module takes {F2(Ratio(trig, "module", "raw"))}× that. A trigger is not idempotent, so the module sends one at a time (no retry-ahead or overlap as for reads).");
    }

    // ---------------------------------------------------------------- downloads

    private async Task DownloadAsync(PwshHost pwsh, string[] common, string work)
    {
        var disk = Path.Combine(Repo.Root, "out", "bench-download");
        Directory.CreateDirectory(disk);
        var folders = new List<string> { disk };
        const string shm = "/dev/shm";
        string? memory = null;
        if (OperatingSystem.IsLinux() && Directory.Exists(shm) && new DriveInfo(shm).AvailableFreeSpace > 3 * FileBytes)
        {
            memory = Directory.CreateDirectory(Path.Combine(shm, Path.GetFileName(work))).FullName;
            folders.Add(memory);
        }
        try
        {
            Log($"download: {FileBytes >> 20} MiB, to {string.Join(" and ", folders)}");
            var results = await pwsh.BenchAsync(common.Concat(new[] { "-Measure", "download", "-FileBytes", FileBytes.ToString(CultureInfo.InvariantCulture), "-Folders", string.Join("|", folders) }).ToArray());
            foreach (var folder in folders)
            {
                var res = Find(results, "download:" + folder);
                var iwr = Med(res, "iwr");
                var iwrSync = Med(res, "iwrFsync");
                var mod = Med(res, "module");
                var ram = folder == memory;
                var target = ram ? 0.95 : 0.9;
                var rate = (double ms) => $"{FileBytes / 1048576.0 / (ms / 1000):0} MiB/s";
                var r = AddRatio(res, "iwr", "module", $"{FileBytes >> 20} MiB download {(ram ? "into a RAM-backed folder (/dev/shm)" : "to disk (out/bench-download)")}: `Save-CxpaRunOutput` vs `Invoke-WebRequest -OutFile`",
                    $"{F(iwr)} ms ({rate(iwr)}): `Invoke-WebRequest -Method Post -Uri .../trigger-and-download ... -OutFile $file`",
                    $"{F(mod)} ms ({rate(mod)}): `Save-CxpaRunOutput -AgentId $agent -Path $file -Force` (temporary file, length check, fsync, move)",
                    "{r}× IWR's throughput", $"≥ {F2(target)}×", x => x >= target);
                r.Notes.Add(RoundsNote(res, ("iwr", "IWR"), ("iwrFsync", "IWR + fsync"), ("module", "module")));
                r.Notes.Add($"Durable like for like: IWR followed by an fsync of the file (`[IO.FileStream]::new($file, 'Open', 'ReadWrite').Flush($true)`) takes {F(iwrSync)} ms ({rate(iwrSync)}); the module reaches {F2(Ratio(res, "iwrFsync", "module"))}× of that.");
                var memMod = Series(res, "module", "memMB");
                var memIwr = Series(res, "iwr", "memMB");
                r.Notes.Add($"Memory: peak resident-set growth of the pwsh process during one download, over its resident set just before (after a GC; the peak reset through /proc/self/clear_refs): module median {Stats.Median(memMod):0.0} MB, worst {memMod.Max():0.0} MB; IWR median {Stats.Median(memIwr):0.0} MB, worst {memIwr.Max():0.0} MB (flat: neither grows with the {FileBytes >> 20} MiB file).");
            }
        }
        finally
        {
            if (memory != null) Directory.Delete(memory, true);
            Directory.Delete(disk, true);
        }
    }

    // ---------------------------------------------------------------- tokens

    private void Tokens(List<JsonElement> results, int count)
    {
        var res = Find(results, "tokens");
        var hand = Med(res, "hand");
        var loop = Med(res, "handLoop");
        var mod = Med(res, "module");
        var pipe = Med(res, "pipeline");
        var r = AddRatio(res, "hand", "module", $"{I(count)} zone tokens: `$tokens | Test-CxpaZoneToken` vs a hand-written HS256 check in script",
            $"{F(hand)} ms: `$tokens | Test-HandZoneToken`, a script function (split, base64url-decode, one reused HMACSHA256, FixedTimeEquals, alg/exp/aud checks)",
            $"{F(mod)} ms: `$tokens | Test-CxpaZoneToken -Secret $secret -Audience $aud`",
            "{r}× faster", "≥ 5×", x => x >= 5);
        r.Notes.Add(RoundsNote(res, ("hand", "function"), ("handLoop", "inline loop"), ("module", "module"), ("pipeline", "Where-Object")));
        r.Notes.Add($"The same check written inline in one `foreach` loop (no function call per token, the fastest plain script) takes {F(loop)} ms: the module is {F2(Ratio(res, "handLoop", "module"))}× faster than that.");
        r.Notes.Add($"Per token: module {mod * 1000 / count:0.0} µs; the same strings through a compiled cmdlet that only passes them on (`Where-Object Length -GT 0`) {pipe * 1000 / count:0.0} µs. Both checks reject a token with a changed signature (checked before timing).");
    }

    // ---------------------------------------------------------------- wait

    private void Wait(List<JsonElement> results)
    {
        var rounds = results.Where(r => r.GetProperty("name").GetString() == "wait").ToList();
        double D(JsonElement e, string p) => e.GetProperty(p).GetDouble();
        var n = rounds[0].GetProperty("count").GetInt32();
        var ratios = rounds.Select(e => D(e, "totalMs") / (D(e, "triggerMs") + EmulatorProcess.WaitDurationMs)).ToList();
        var ratio = Stats.Median(ratios);
        var trig = Stats.Median(rounds.Select(e => D(e, "triggerMs")));
        var total = Stats.Median(rounds.Select(e => D(e, "totalMs")));
        var peak = rounds.Max(e => D(e, "peakMB"));
        var r = Add($"{I(n)} runs started, then one `Wait-CxpaRun` ({EmulatorProcess.WaitDurationMs} ms runs)",
            $"{F(trig + EmulatorProcess.WaitDurationMs)} ms: the ideal, trigger time ({F(trig)} ms, `$runs = $inputs | Start-CxpaRun`) + {EmulatorProcess.WaitDurationMs} ms",
            $"{F(total)} ms: `$runs = $inputs | Start-CxpaRun; $runs | Wait-CxpaRun`; peak memory growth {peak:0} MB",
            ratio, $"{{r}}× the ideal, +{peak:0} MB", "≤ 1.2×, ≤ 64 MB", ratio <= 1.2 && peak <= 64);
        r.Notes.Add($"Per round (no warm-up beyond 50 runs started and waited first): trigger {List(rounds.Select(e => D(e, "triggerMs")))} ms; total {List(rounds.Select(e => D(e, "totalMs")))} ms; ratio {string.Join(", ", ratios.Select(F2))}.");
        string Each(string p) => string.Join(", ", rounds.Select(e => D(e, p).ToString("0", CultureInfo.InvariantCulture)));
        r.Notes.Add($"Resident set of the pwsh process over its value before the round (after a GC): peak {Each("peakMB")} MB; with the {I(n)} started and {I(n)} finished runs still held in variables {Each("heldMB")} MB; after they are dropped and a GC {Each("afterMB")} MB (the runtime keeps the memory it grew to). The managed heap (`[GC]::GetTotalMemory($true)`): {Each("heapHeldMB")} MB more with the runs held, {Each("heapAfterMB")} MB after they are dropped. Allocated during the round (`[GC]::GetTotalAllocatedBytes()`): {Each("allocMB")} MB, in {Each("gen0")} gen-0 collections: the resident-set growth is the garbage collector's allocation budget between collections, not data kept.");
    }
}
