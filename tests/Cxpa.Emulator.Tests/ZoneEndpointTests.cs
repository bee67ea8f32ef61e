using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using Xunit;

namespace Cxpa.Emulator.Tests;

public class ZoneEndpointTests
{
    private static HttpClient ZoneClient(EmulatorServer s, string token)
    {
        var c = T.Client(s, token);
        c.DefaultRequestHeaders.CacheControl = new CacheControlHeaderValue { NoStore = true };
        return c;
    }

    [Fact]
    public async Task Create_returns_the_run_id_and_attributes_the_token_user()
    {
        await using var s = await T.Start();
        using var c = ZoneClient(s, s.MintZoneToken(42, EmulatorConfig.DemoUserId2));
        var body = await (await c.Post("/api/zones/agents/42/runs", """{"payload": {"url": "https://example.com"}}""")).AssertOk(201);
        var runId = (long)body["runId"]!;
        var row = await (await c.GetAsync($"/api/zones/agents/42/runs/{runId}")).AssertOk();
        T.AssertRowShape(row);
        Assert.Equal(EmulatorConfig.DemoUserId2, (string?)row["created_by"]);
        Assert.Equal("https://example.com", (string?)row["input_data"]!["url"]);
        Assert.True(s.State.TryGetRun(runId, out var run));
        Assert.Equal("zone", run.Source);
    }

    [Fact]
    public async Task Zone_requests_are_logged_with_their_cache_control()
    {
        await using var s = await T.Start();
        using var c = ZoneClient(s, s.MintZoneToken(42));
        await (await c.Post("/api/zones/agents/42/runs", """{"payload": {}}""")).AssertOk(201);
        var entry = s.Requests.Find("POST", "/api/zones/agents/*/runs").Single();
        Assert.Equal("no-store", entry.CacheControl);
        Assert.True(entry.HasAuthorization);
        Assert.Equal("<redacted>", entry.Headers["Authorization"]);
    }

    [Fact]
    public async Task Create_and_wait_returns_the_row_or_202()
    {
        await using var s = await T.Start();
        using var c = ZoneClient(s, s.MintZoneToken(42));
        var row = await (await c.Post("/api/zones/agents/42/runs/trigger-and-wait", """{"payload": {"topic": "Q3"}, "timeoutMs": 5000}""")).AssertOk();
        Assert.Equal("completed", (string?)row["status"]);
        Assert.Equal("Q3", (string?)row["output_data"]!["echo"]!["topic"]);

        using var c47 = ZoneClient(s, s.MintZoneToken(47));
        var timedOut = await (await c47.Post("/api/zones/agents/47/runs/trigger-and-wait", """{"payload": {}, "timeoutMs": 100}""")).AssertOk(202);
        Assert.True((bool)timedOut["timedOut"]!);
        Assert.True(s.State.TryGetRun((long)timedOut["runId"]!, out var run));
        Assert.False(run.IsTerminal);
    }

    [Fact]
    public async Task Create_and_download_streams_the_file()
    {
        await using var s = await T.Start();
        using var c = ZoneClient(s, s.MintZoneToken(43));
        using var r = await c.Post("/api/zones/agents/43/runs/trigger-and-download", """{"payload": {}}""");
        Assert.Equal(200, (int)r.StatusCode);
        Assert.Equal("application/pdf", r.Content.Headers.ContentType!.MediaType);
        Assert.Equal(256 * 1024, r.Content.Headers.ContentLength);
        var bytes = await r.Content.ReadAsByteArrayAsync();
        Assert.Equal(256 * 1024, bytes.Length);
        Assert.Equal(-1, FilePattern.FirstMismatch(bytes));
        var runId = long.Parse(r.Headers.GetValues("x-run-id").Single());
        Assert.Equal("zone-trigger-and-download", s.State.RunsForAgent(43).Single(x => x.Id == runId).Source);

        using var c42 = ZoneClient(s, s.MintZoneToken(42));
        await (await c42.Post("/api/zones/agents/42/runs/trigger-and-download", """{"payload": {}}""")).AssertError(409, "conflict");
    }

    [Fact]
    public async Task Credentials_come_in_three_shapes_plus_unknown_types()
    {
        await using var s = await T.Start();
        using var c = ZoneClient(s, s.MintZoneToken(42));
        var hub = await (await c.GetAsync("/api/zones/agents/42/credentials/hubspot")).AssertOk();
        Assert.Equal("oauth", (string?)hub["type"]);
        Assert.False(string.IsNullOrEmpty((string?)hub["access_token"]));
        Assert.NotNull(hub["expires_at"]);
        Assert.IsType<JsonArray>(hub["scopes"]);
        var openai = await (await c.GetAsync("/api/zones/agents/42/credentials/openai")).AssertOk();
        Assert.Equal("api_key", (string?)openai["type"]);
        Assert.Equal("x-api-key", (string?)openai["header_name"]);
        var ftp = await (await c.GetAsync("/api/zones/agents/42/credentials/ftp")).AssertOk();
        Assert.Equal("basic", (string?)ftp["type"]);
        Assert.Equal("demo", (string?)ftp["username"]);
        var legacy = await (await c.GetAsync("/api/zones/agents/42/credentials/legacy")).AssertOk();
        Assert.Equal("saml", (string?)legacy["type"]);
        Assert.NotNull(legacy["assertion"]);
        await (await c.GetAsync("/api/zones/agents/42/credentials/salesforce")).AssertError(404, "not_found");
    }

    [Fact]
    public async Task Token_for_another_agent_is_403_forbidden()
    {
        await using var s = await T.Start();
        // Agents 42 and 43 share the demo secret and audience, so the token verifies but names agent 43.
        using var c = ZoneClient(s, s.MintZoneToken(43));
        await (await c.Post("/api/zones/agents/42/runs", """{"payload": {}}""")).AssertError(403, "forbidden");
        await (await c.GetAsync("/api/zones/agents/42/credentials/hubspot")).AssertError(403, "forbidden");
        Assert.Equal(0, s.State.RunCount);
    }

    [Fact]
    public async Task Bad_expired_or_missing_tokens_are_401()
    {
        await using var s = await T.Start();
        using var none = T.Client(s);
        await (await none.GetAsync("/api/zones/agents/42/credentials/hubspot")).AssertError(401, "unauthorized");

        var hostile = new[]
        {
            T.Jwt("a-completely-different-secret-of-32+bytes", T.ZoneClaims()),            // another secret
            T.Jwt(EmulatorConfig.DemoZoneSecret, T.ZoneClaims(audience: "someone-else")),  // another audience
            T.Jwt(EmulatorConfig.DemoZoneSecret, T.ZoneClaims(issuedOffsetSeconds: -600, lifetimeSeconds: 60)), // expired
            T.Jwt(EmulatorConfig.DemoZoneSecret, T.ZoneClaims(), alg: "none"),             // unsigned
            T.Jwt(EmulatorConfig.DemoZoneSecret, T.ZoneClaims(), alg: "HS512"),            // another algorithm, same secret
            T.Jwt(EmulatorConfig.DemoZoneSecret, new JsonObject { ["aud"] = EmulatorConfig.DemoZoneAudience, ["agentId"] = 42 }), // no exp
            T.Jwt(EmulatorConfig.DemoZoneSecret, T.ZoneClaims().Also(c => c["nbf"] = DateTimeOffset.UtcNow.AddHours(1).ToUnixTimeSeconds())), // not yet valid
            "not-a-jwt",
            "a.b.c",
        };
        foreach (var token in hostile)
        {
            using var bad = T.Client(s, token);
            await (await bad.GetAsync("/api/zones/agents/42/credentials/hubspot")).AssertError(401, "unauthorized");
        }
        // A token built independently of the emulator's code verifies (the emulator checks what the platform checks).
        using var good = T.Client(s, T.Jwt(EmulatorConfig.DemoZoneSecret, T.ZoneClaims()));
        await (await good.GetAsync("/api/zones/agents/42/credentials/hubspot")).AssertOk();
        using var ingest = T.Client(s, T.SharedKey);
        await (await ingest.GetAsync("/api/zones/agents/42/credentials/hubspot")).AssertError(401, "unauthorized");
    }

    [Fact]
    public async Task Zone_run_lookup_is_scoped_to_the_agent()
    {
        await using var s = await T.Start();
        using var ingest = T.Client(s, T.SharedKey);
        var runOf43 = (long)(await (await ingest.Post("/api/agents/43/runs/trigger", "{}")).Json())["runId"]!;
        using var c = ZoneClient(s, s.MintZoneToken(42));
        await (await c.GetAsync($"/api/zones/agents/42/runs/{runOf43}")).AssertError(404, "not_found");
        await (await c.GetAsync("/api/zones/agents/42/runs/99999")).AssertError(404, "not_found");
        using var unknown = ZoneClient(s, s.MintZoneToken(42));
        await (await unknown.GetAsync("/api/zones/agents/999/runs/1000")).AssertError(404, "not_found");
    }

    [Fact]
    public async Task Zone_create_validates_the_payload_and_eligibility()
    {
        await using var s = await T.Start();
        using var c = ZoneClient(s, s.MintZoneToken(42));
        var err = await (await c.Post("/api/zones/agents/42/runs", """{"payload": 3}""")).AssertError(422, "validation_failed");
        Assert.NotNull(err["details"]!["payload"]);
        using var c44 = ZoneClient(s, s.MintZoneToken(44));
        await (await c44.Post("/api/zones/agents/44/runs", """{"payload": {}}""")).AssertError(403, "agent_not_eligible");
    }

    [Fact]
    public async Task The_demo_endpoint_hands_out_a_working_zone_token()
    {
        await using var s = await T.Start();
        using var control = T.Client(s);
        var demo = await (await control.GetAsync("/_emulator/demo")).AssertOk();
        Assert.Equal(s.BaseUrl.ToString(), (string?)demo["baseUrl"]);
        Assert.Equal(T.SharedKey, (string?)demo["demoIngestKey"]);
        var agents = demo["agents"]!.AsArray();
        Assert.Equal(7, agents.Count);
        Assert.Equal("cxpa_demo_ingest_42", (string?)agents.Single(a => (long)a!["id"]! == 42)!["ingestApiKey"]);
        var token = (string)demo["zoneToken"]!["token"]!;
        Assert.Equal(42, (long)demo["zoneToken"]!["agentId"]!);
        using var c = ZoneClient(s, token);
        await (await c.GetAsync("/api/zones/agents/42/credentials/openai")).AssertOk();
    }

    [Fact]
    public async Task Control_surface_mints_zone_tokens()
    {
        await using var s = await T.Start();
        using var control = T.Client(s);
        var r = await (await control.Post("/_emulator/zone-token", """{"agentId": 43, "lifetimeSeconds": 60}""")).AssertOk();
        using var c = ZoneClient(s, (string)r["token"]!);
        await (await c.Post("/api/zones/agents/43/runs", """{"payload": {}}""")).AssertOk(201);
    }
}
