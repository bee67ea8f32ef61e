using Xunit;

namespace Cxpa.Emulator.Tests;

public class ConfigTests
{
    [Fact]
    public void Demo_config_has_the_documented_agents()
    {
        var c = EmulatorConfig.CreateDemo();
        Assert.Equal(new long[] { 42, 43, 44, 45, 46, 47, 48 }, c.Agents.Select(a => a.Id));
        Assert.Equal("cxpa_demo_ingest_key", c.DemoIngestKey);
        var a42 = c.FindAgent(42)!;
        Assert.True(a42.IsPlatform && a42.IsActive && a42.AllowExternalTriggers);
        Assert.Equal("json", a42.OutputKind);
        Assert.Equal(300, a42.DurationMs);
        Assert.Equal(50, a42.QueuedMs);
        Assert.Equal("cxpa_demo_ingest_42", a42.IngestApiKey);
        Assert.Equal("cxpa_demo_agent_42", a42.AgentApiKey);
        Assert.Equal(new[] { "hubspot", "openai", "ftp", "legacy" }, a42.Credentials!.Keys);
        Assert.Equal("saml", (string?)a42.Credentials["legacy"]["type"]);
        Assert.Contains("conn_hubspot", a42.Connections!.Keys);
        var a43 = c.FindAgent(43)!;
        Assert.Equal("file_download", a43.OutputKind);
        Assert.Equal("q3-report.pdf", a43.File!.Name);
        Assert.Equal("application/pdf", a43.File.ContentType);
        Assert.Equal(256 * 1024, a43.File.SizeBytes);
        Assert.Equal("standalone", c.FindAgent(44)!.ManagedBy);
        Assert.Equal("failed", c.FindAgent(45)!.Outcome);
        Assert.Equal("Upstream site unreachable", c.FindAgent(45)!.ErrorMessage);
        Assert.False(c.FindAgent(46)!.AllowExternalTriggers);
        Assert.Equal(600_000, c.FindAgent(47)!.DurationMs);
        Assert.False(c.FindAgent(48)!.SimulateRuntime);
        Assert.NotNull(c.FindAgent(48)!.Credentials);
        Assert.All(c.Agents, a => Assert.True(a.ZoneSecret!.Length >= 32));
        Assert.Null(c.FindAgent(1));
    }

    [Fact]
    public void Load_reads_camel_case_json_with_every_field()
    {
        var path = Path.Combine(Path.GetTempPath(), $"cxpa-emu-{Guid.NewGuid():N}.json");
        File.WriteAllText(path, """
        {
          // comments are fine
          "demoIngestKey": "shared",
          "platformCredentialsSecret": "a-platform-secret-that-is-long-enough",
          "triggerStatusCode": 200,
          "agents": [
            {
              "id": 7, "name": "Seven", "orgSlug": "org", "agentSlug": "seven",
              "managedBy": "platform", "status": "active", "allowExternalTriggers": true,
              "outputKind": "file_download", "runningTimeoutMs": 9000, "queuedMs": 1, "durationMs": 2,
              "outcome": "completed", "output": {"k": [1, 2]}, "outputs": 5, "errorMessage": null,
              "file": {"name": "big.bin", "contentType": "application/octet-stream", "sizeBytes": 1073741824, "chunked": true, "nameStar": "grö.bin"},
              "simulateRuntime": false, "ingestApiKey": "i7", "agentApiKey": "a7",
              "zoneSecret": "0123456789abcdef0123456789abcdef", "zoneAudience": "aud7",
              "members": ["00000000-0000-4000-8000-000000000000"],
              "credentials": {"hubspot": {"type": "oauth", "access_token": "t"}},
              "connections": {"c1": {"type": "basic", "username": "u", "password": "p"}},
              "somethingUnknown": true
            },
          ]
        }
        """);
        try
        {
            var c = EmulatorConfig.Load(path);
            Assert.Equal("shared", c.DemoIngestKey);
            Assert.Equal(200, c.TriggerStatusCode);
            var a = c.Agents.Single();
            Assert.Equal(7, a.Id);
            Assert.Equal("file_download", a.OutputKind);
            Assert.Equal(9000, a.RunningTimeoutMs);
            Assert.Equal(1L << 30, a.File!.SizeBytes);
            Assert.True(a.File.Chunked);
            Assert.Equal("grö.bin", a.File.NameStar);
            Assert.False(a.SimulateRuntime);
            Assert.Equal(2, a.Output!["k"]!.AsArray().Count);
            Assert.Equal(5, a.Outputs);
            Assert.Equal("oauth", (string?)a.Credentials!["hubspot"]["type"]);
            Assert.Equal("u", (string?)a.Connections!["c1"]["username"]);
            Assert.Single(a.Members!);

            var roundTrip = EmulatorConfig.Parse(c.ToJson());
            Assert.Equal(a.File.SizeBytes, roundTrip.Agents[0].File!.SizeBytes);
        }
        finally { File.Delete(path); }
    }

    [Theory]
    [InlineData("""{"agents": [{"id": 1, "zoneSecret": "short", "zoneAudience": "a"}]}""")]
    [InlineData("""{"agents": [{"id": 1, "managedBy": "cloud"}]}""")]
    [InlineData("""{"agents": [{"id": 1, "outcome": "exploded"}]}""")]
    [InlineData("""{"agents": [{"id": 1}, {"id": 1}]}""")]
    [InlineData("""{"agents": [{"id": 1, "members": ["not-a-uuid"]}]}""")]
    [InlineData("""{"platformCredentialsSecret": "short"}""")]
    [InlineData("""{"triggerStatusCode": 302}""")]
    public void Invalid_configs_are_rejected(string json)
    {
        Assert.Throws<InvalidDataException>(() => EmulatorConfig.Parse(json));
    }

    [Fact]
    public void File_pattern_is_deterministic()
    {
        Assert.Equal((byte)7, FilePattern.ByteAt(0));
        Assert.Equal((byte)(31 + 7), FilePattern.ByteAt(1));
        Assert.Equal(FilePattern.ByteAt(5), FilePattern.ByteAt(5 + 256));
        Assert.Equal(FilePattern.ByteAt(3), FilePattern.ByteAt(3 + (1L << 32)));
        var data = new byte[1000];
        for (int i = 0; i < data.Length; i++) data[i] = FilePattern.ByteAt(500 + i);
        Assert.Equal(-1, FilePattern.FirstMismatch(data, 500));
        data[10] ^= 1;
        Assert.Equal(10, FilePattern.FirstMismatch(data, 500));
    }

    [Fact]
    public void Path_patterns()
    {
        Assert.True(PathPattern.IsMatch("*", "/anything/at/all"));
        Assert.True(PathPattern.IsMatch("/api/agents/*/runs/trigger", "/api/agents/42/runs/trigger"));
        Assert.True(PathPattern.IsMatch("/api/agents/*/runs/trigger", "/api/agents/42/runs/trigger/"));
        Assert.False(PathPattern.IsMatch("/api/agents/*/runs/trigger", "/api/agents/42/runs/trigger-and-wait"));
        Assert.False(PathPattern.IsMatch("/api/agents/*/runs/trigger", "/api/agents/runs/trigger"));
        Assert.True(PathPattern.IsMatch("/api/**", "/api/zones/agents/42/runs"));
        Assert.True(PathPattern.IsMatch("/api/**/callback", "/api/runs/5/callback"));
        Assert.False(PathPattern.IsMatch("/api/**/callback", "/api/runs/5/resolve"));
    }
}
