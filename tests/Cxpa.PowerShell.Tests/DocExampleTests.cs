using System.Text.RegularExpressions;
using Cxpa.Emulator;

namespace Cxpa.PowerShell.Tests;

/// <summary>
/// Every ```powershell block of docs/*.md runs against a fresh emulator (with runs 1000 and 1001 of agent 42 already
/// there, and the demo URL, key, zone secret and audience in the environment), so the documentation cannot rot.
/// </summary>
[Collection(ProcessEnvironmentCollection.Name)]
public sealed class DocExampleTests
{
    public static IEnumerable<object[]> Blocks()
    {
        var docs = Path.Combine(PowerShellHost.RepoRoot, "docs");
        foreach (var file in Directory.GetFiles(docs, "*.md").OrderBy(f => f, StringComparer.Ordinal))
        {
            var text = File.ReadAllText(file);
            int n = 0;
            foreach (Match m in Regex.Matches(text, "```powershell\\r?\\n(.*?)```", RegexOptions.Singleline))
            {
                ++n;
                // A block right after "<!-- example: not run ... -->" needs something CI cannot have (a server on a fixed port).
                var before = text[..m.Index].TrimEnd();
                var lastLine = before[(before.LastIndexOf('\n') + 1)..];
                if (!lastLine.StartsWith("<!-- example: not run", StringComparison.Ordinal))
                    yield return new object[] { Path.GetFileName(file), n };
            }
        }
    }

    private static string Block(string file, int index)
    {
        var text = File.ReadAllText(Path.Combine(PowerShellHost.RepoRoot, "docs", file));
        return Regex.Matches(text, "```powershell\\r?\\n(.*?)```", RegexOptions.Singleline)[index - 1].Groups[1].Value;
    }

    [Fact]
    public void Every_cmdlet_page_has_runnable_examples()
        => Assert.True(Blocks().Count() >= 26, "expected at least two examples per cmdlet page");

    [Theory]
    [MemberData(nameof(Blocks))]
    public async Task Doc_example_runs_without_errors(string file, int index)
    {
        var code = Block(file, index);
        await using var server = await EmulatorServer.StartAsync();
        // The runs the examples read.
        using (var http = new HttpClient())
        {
            for (int i = 0; i < 2; i++)
            {
                var req = new HttpRequestMessage(HttpMethod.Post, new Uri(server.BaseUrl, "api/agents/42/runs/trigger")) { Content = new StringContent("{\"input\":{}}", System.Text.Encoding.UTF8, "application/json") };
                req.Headers.Authorization = new("Bearer", EmulatorConfig.DemoSharedIngestKey);
                (await http.SendAsync(req)).EnsureSuccessStatusCode();
            }
        }
        var dir = Directory.CreateTempSubdirectory("cxpa-doc-").FullName;
        try
        {
            var r = ProcessEnvironmentCollection.Preserving(() => PowerShellHost.Run(
                """
                $env:CXPA_API_URL = $url; $env:CXPA_INGEST_KEY = $key; $env:ZONE_JWT_SECRET = $zoneSecret; $env:AUDIENCE_ID = $audience
                $null = $ExecutionContext.SessionState.Path.SetLocation($dir)
                """ + "\n" + code,
                new Dictionary<string, object?>
                {
                    ["url"] = server.BaseUrl.ToString(), ["key"] = EmulatorConfig.DemoSharedIngestKey, ["dir"] = dir,
                    ["zoneSecret"] = EmulatorConfig.DemoZoneSecret, ["audience"] = EmulatorConfig.DemoZoneAudience,
                }));
            Assert.True(r.Thrown == null, $"{file} #{index} threw: {r.Thrown}");
            Assert.True(r.Errors.Count == 0, $"{file} #{index}:\n{code}\n" + string.Join("\n", r.Errors.Select(e => e.FullyQualifiedErrorId + ": " + (e.ErrorDetails?.Message ?? e.Exception.Message))));
        }
        finally { Directory.Delete(dir, true); }
    }
}
