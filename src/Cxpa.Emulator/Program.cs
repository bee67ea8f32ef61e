using System.Text.Json.Nodes;

namespace Cxpa.Emulator;

/// <summary>
/// dotnet run --project src/Cxpa.Emulator [-- --port 5080 --config agents.json --fault "&lt;route&gt;:&lt;kind&gt;[:count][:arg]" ...]
/// </summary>
public static class Program
{
    private const string Usage = """
        Cxpa.Emulator: a local emulator of the CXPA platform API (127.0.0.1 only).

        Usage: dotnet run --project src/Cxpa.Emulator -- [options]
          --port <n>        port to listen on (default 5080; 0 = any free port)
          --config <path>   agents config JSON (default: the built-in demo agents 42..48)
          --fault <spec>    inject a fault, repeatable: "<route>:<kind>[:count][:arg]"
                            route: * | /path | METHOD /path   ('*' = one path segment, '**' = any)
                            kind:  Status Html MalformedJson Delay Reset CutDownload ResetAfterHandling
                            count: a number (default 1) or * (every request)
                            arg:   Status "code[,Retry-After]"; Html/MalformedJson "code"; Delay "ms"; CutDownload "bytes"
                            e.g.  --fault "POST /api/agents/*/runs/trigger:Status:2:503,5"
          --print-config    print the effective config JSON and exit
          --help            this text
        """;

    public static int Main(string[] args)
    {
        try { return MainAsync(args).GetAwaiter().GetResult(); }
        catch (Exception e) when (e is FormatException or InvalidDataException or IOException or ArgumentException)
        {
            Console.Error.WriteLine($"error: {e.Message}");
            return 2;
        }
    }

    private static async Task<int> MainAsync(string[] args)
    {
        int port = 5080;
        string? configPath = null;
        var faults = new List<string>();
        bool printConfig = false;
        for (int i = 0; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value.");
            switch (args[i])
            {
                case "--port": port = int.Parse(Next(), System.Globalization.CultureInfo.InvariantCulture); break;
                case "--config": configPath = Next(); break;
                case "--fault": faults.Add(Next()); break;
                case "--print-config": printConfig = true; break;
                case "-h": case "--help": case "-?": Console.WriteLine(Usage); return 0;
                default: throw new ArgumentException($"Unknown argument '{args[i]}' (see --help).");
            }
        }

        var config = configPath is null ? EmulatorConfig.CreateDemo() : EmulatorConfig.Load(configPath);
        if (printConfig) { Console.WriteLine(config.ToJson()); return 0; }
        config.ConsoleLogging = true;
        var rules = faults.Select(FaultRule.Parse).ToList();

        using var stop = new CancellationTokenSource();
        void OnSignal(System.Runtime.InteropServices.PosixSignalContext c) { c.Cancel = true; stop.Cancel(); }
        using var sigInt = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGINT, OnSignal);
        using var sigTerm = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGTERM, OnSignal);
        using var sigQuit = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGQUIT, OnSignal);
        {
            await using var server = await EmulatorServer.StartAsync(config, port);
            foreach (var r in rules) server.Faults.Add(r);
            PrintBanner(server, rules);
            try { await Task.Delay(Timeout.Infinite, stop.Token); }
            catch (OperationCanceledException) { }
            Console.WriteLine("Stopping.");
        }
        return 0;
    }

    private static void PrintBanner(EmulatorServer server, IReadOnlyList<FaultRule> rules)
    {
        var demo = server.GetDemoInfo();
        Console.WriteLine($"CXPA platform emulator listening on {server.BaseUrl}");
        Console.WriteLine($"  control surface: {server.BaseUrl}_emulator/demo");
        if (demo["demoIngestKey"]?.GetValue<string>() is { } shared)
            Console.WriteLine($"  shared demo ingest key (any agent): {shared}");
        Console.WriteLine();
        Console.WriteLine("  agent  kind                          ingest key                agent API key");
        foreach (var a in server.Config.Agents)
        {
            var kind = $"{a.ManagedBy}/{a.Status}/{a.OutputKind}" + (a.AllowExternalTriggers ? "" : "/no-ext") + (a.SimulateRuntime ? "" : "/callbacks");
            Console.WriteLine($"  {a.Id,-6} {kind,-29} {a.IngestApiKey,-25} {a.AgentApiKey}");
        }
        if (demo["zoneToken"] is JsonObject zone)
        {
            Console.WriteLine();
            var token = zone["token"]?.GetValue<string>();
            Console.WriteLine(token is null
                ? $"  zone token: unavailable ({zone["note"]})"
                : $"  zone token for agent {zone["agentId"]} (1 h): {token}");
        }
        foreach (var r in rules) Console.WriteLine($"  fault: {r}");
        Console.WriteLine();
        Console.WriteLine("Press Ctrl+C to stop.");
    }
}
