using System.Management.Automation;
using System.Security;
using System.Text;
using Cxpa.Emulator;
using Cxpa.Engine.Zone;

namespace Cxpa.PowerShell.Tests;

/// <summary>
/// Tests that read or set process environment variables ($env:ZONE_JWT_SECRET, $env:CXPA_API_URL...) run in this
/// collection: not in parallel with any other test, so a variable set here never leaks into a test running at the same time.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ProcessEnvironmentCollection
{
    public const string Name = "Process environment";
    public static readonly string[] Variables = { "CXPA_API_URL", "PLATFORM_API_BASE_URL", "CXPA_INGEST_KEY", "ZONE_JWT_SECRET", "AUDIENCE_ID" };

    /// <summary>Runs an action and puts the environment variables back as they were, whatever it did.</summary>
    public static T Preserving<T>(Func<T> action)
    {
        var saved = Variables.ToDictionary(v => v, Environment.GetEnvironmentVariable);
        try { return action(); }
        finally { foreach (var kv in saved) Environment.SetEnvironmentVariable(kv.Key, kv.Value); }
    }
}

/// <summary>The zone (Test-/New-CxpaZoneToken, -ZoneToken, zone credentials) and runtime (trigger payload, Send-CxpaRunEvent,
/// credential resolve) forms through the real PowerShell engine against the emulator.</summary>
[Collection(ProcessEnvironmentCollection.Name)]
public sealed class ZoneAndRuntimeTests : IClassFixture<EmulatorFixture>
{
    private readonly EmulatorFixture _emu;
    public ZoneAndRuntimeTests(EmulatorFixture emu) => _emu = emu;

    private const string ZoneSecret = EmulatorConfig.DemoZoneSecret;
    private const string Audience = EmulatorConfig.DemoZoneAudience;
    private const string UserId = EmulatorConfig.DemoUserId;
    private const string OtherSecret = "another-zone-secret-that-is-long-enough-0002";

    // The demo credential secrets (EmulatorConfig.DemoCredentials).
    private static readonly string[] CredentialSecrets = { "demo-hubspot-access-token", "sk-demo-openai-key", "demo-ftp-password", "PHNhbWw6QXNzZXJ0aW9uPmRlbW88L3NhbWw6QXNzZXJ0aW9uPg==" };

    /// <summary>Defines Get-TriggerPayload: what a platform-managed runtime receives, read from the emulator's control surface.</summary>
    private const string PayloadFunction = """
        function Get-TriggerPayload([long]$RunId) {
            $http = [System.Net.Http.HttpClient]::new()
            try { $json = $http.GetStringAsync($url.TrimEnd('/') + "/_emulator/runs/$RunId/trigger-payload").GetAwaiter().GetResult() }
            finally { $http.Dispose() }
            $root = [System.Text.Json.JsonDocument]::Parse($json).RootElement
            [pscustomobject]@{
                RunId = $root.GetProperty('runId').GetInt64()
                AgentApiKey = $root.GetProperty('agentApiKey').GetString()
                CredentialsToken = $root.GetProperty('credentialsToken').GetString()
            }
        }

        """;

    #region Helpers

    private static ErrorRecord? AnyError(ScriptResult r) => (r.Thrown as RuntimeException)?.ErrorRecord ?? r.Errors.FirstOrDefault();

    private static void NoErrors(ScriptResult r)
    {
        Assert.Null(r.Thrown);
        Assert.True(r.Errors.Count == 0, string.Join("\n", r.Errors.Select(e => e.FullyQualifiedErrorId + ": " + e)));
    }

    private static string Mint(long agentId = 42, string secret = ZoneSecret, string audience = Audience, DateTimeOffset? issuedAt = null, TimeSpan? lifetime = null)
        => ZoneTokens.Mint(Encoding.UTF8.GetBytes(secret), new ZoneTokenDescriptor
        {
            Audience = audience, UserId = UserId, AgentId = agentId, OrgSlug = EmulatorConfig.DemoOrgSlug, AgentSlug = "agent-" + agentId,
            IssuedAt = issuedAt, Lifetime = lifetime ?? TimeSpan.FromMinutes(5),
        });

    private static string Expired(long agentId = 42) => Mint(agentId, issuedAt: DateTimeOffset.UtcNow.AddHours(-1));

    private static Dictionary<string, object?> V(params (string Name, object? Value)[] vars)
    {
        var d = new Dictionary<string, object?> { ["secret"] = ZoneSecret, ["aud"] = Audience, ["user"] = UserId };
        foreach (var (n, v) in vars) d[n] = v;
        return d;
    }

    /// <summary>Runs with $url, $key, $secret, $aud, $user set; Connect-Cxpa with the ingest key unless connect is false. Restores env vars.</summary>
    private ScriptResult Run(string script, bool connect = true, params (string Name, object? Value)[] vars)
        => ProcessEnvironmentCollection.Preserving(() => _emu.Run(script, connect, V(vars)));

    private static object? Prop(PSObject o, string name) => o.Properties[name]?.Value is PSObject p ? p.BaseObject : o.Properties[name]?.Value;

    /// <summary>The module's types are not referenced at compile time (the tests load the staged module): check the type by name, use it dynamically.</summary>
    private static dynamic Is(string typeName, object? o)
    {
        Assert.NotNull(o);
        Assert.Equal("Cxpa." + typeName, o!.GetType().FullName);
        return o;
    }

    private static string Reveal(object? secure) => new System.Net.NetworkCredential("", Assert.IsType<SecureString>(secure)).Password;

    private long LastSequence => _emu.Server.Requests.Last?.Sequence ?? 0;

    private IReadOnlyList<RequestLogEntry> RequestsSince(long sequence) => _emu.Server.Requests.Entries.Where(e => e.Sequence > sequence).ToList();

    #endregion

    #region Test-CxpaZoneToken and New-CxpaZoneToken

    [Fact]
    public void TestCxpaZoneToken_accepts_a_minted_token_and_PassThru_gives_its_claims()
    {
        var r = Run("""
            $t = New-CxpaZoneToken -Secret $secret -Audience $aud -UserId $user -AgentId 42 -OrgSlug acme -AgentSlug web-summarizer -AsPlainText
            Test-CxpaZoneToken -Token $t -Secret $secret -Audience $aud
            Test-CxpaZoneToken -Token $t -Secret $secret -Audience $aud -PassThru
            """, connect: false);
        NoErrors(r);
        Assert.Equal(2, r.Output.Count);
        Assert.Equal(true, r.Output[0].BaseObject);
        var res = Is("ZoneTokenResult", r.Output[1].BaseObject);
        Assert.True(res.IsValid);
        Assert.Equal("None", res.Reason);
        Assert.Equal(UserId, res.UserId);
        Assert.Equal(42L, res.AgentId);
        Assert.Equal("acme", res.OrgSlug);
        Assert.Equal("web-summarizer", res.AgentSlug);
        Assert.Equal(Audience, res.Audience);
        Assert.NotNull(res.ExpiresAt);
        Assert.InRange((DateTimeOffset)res.ExpiresAt, DateTimeOffset.UtcNow.AddMinutes(5).AddSeconds(-10), DateTimeOffset.UtcNow.AddMinutes(5).AddSeconds(5));
        Assert.NotNull(res.Claims);
        Assert.Equal(UserId, res.Claims!["userId"]);
        Assert.Equal(42L, res.Claims["agentId"]);
        Assert.Equal(Audience, res.Claims["aud"]);
        Assert.True(res.Claims.Contains("exp") && res.Claims.Contains("iat"));
    }

    public static TheoryData<string, string> RejectedTokens() => new()
    {
        { Expired(), "Expired" },
        { Mint(audience: "some-other-zone"), "AudienceMismatch" },
        { Mint(secret: OtherSecret), "BadSignature" },
        { "this-is-not-a-jwt", "Malformed" },
        { "a.b.c", "Malformed" },
    };

    [Theory]
    [MemberData(nameof(RejectedTokens))]
    public void TestCxpaZoneToken_rejects_with_false_and_the_reason(string token, string reason)
    {
        var r = Run("""
            Test-CxpaZoneToken -Token $t -Secret $secret -Audience $aud -Verbose
            Test-CxpaZoneToken -Token $t -Secret $secret -Audience $aud -PassThru
            """, connect: false, ("t", token));
        NoErrors(r);
        Assert.Equal(false, r.Output[0].BaseObject);
        var res = Is("ZoneTokenResult", r.Output[1].BaseObject);
        Assert.False(res.IsValid);
        Assert.Equal(reason, res.Reason);
        Assert.False(string.IsNullOrEmpty(res.Message));
        Assert.Contains(r.Verbose, v => v.Message.StartsWith("Zone token rejected"));
        Assert.DoesNotContain(token, r.AllText());
    }

    [Fact]
    public void TestCxpaZoneToken_never_throws_for_garbage_from_the_pipeline()
    {
        var rnd = new Random(20261122);
        const string chars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.=+/ {}\"\\:é漢\u0000\uD800";
        var garbage = new List<string>();
        for (int i = 0; i < 50; i++)
        {
            var len = rnd.Next(0, 400);
            var sb = new StringBuilder();
            for (int j = 0; j < len; j++) sb.Append(chars[rnd.Next(chars.Length)]);
            garbage.Add(sb.ToString());
        }
        string B64(string json) => Convert.ToBase64String(Encoding.UTF8.GetBytes(json)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        garbage.AddRange(new[]
        {
            "", "   ", "..", "a..b", "eyJ.eyJ.sig",
            B64("{\"alg\":\"none\"}") + "." + B64("{\"aud\":\"cxpa-demo-zone\",\"exp\":99999999999}") + ".",
            B64("{\"alg\":\"HS256\"}") + "." + B64("[1,2,3]") + ".AAAA",
            B64("{\"alg\":\"HS256\"}") + "." + B64("{\"exp\":\"tomorrow\"}") + ".AAAA",
            new string('a', 100_000),
            string.Join(".", Enumerable.Repeat("eyJhbGciOiJIUzI1NiJ9", 5)),
        });
        var r = Run("$garbage | Test-CxpaZoneToken -Secret $secret -Audience $aud", connect: false, ("garbage", garbage.ToArray()));
        NoErrors(r);
        Assert.Equal(garbage.Count, r.Output.Count);
        Assert.All(r.Output, o => Assert.Equal(false, o.BaseObject));

        var p = Run("$garbage | Test-CxpaZoneToken -Secret $secret -Audience $aud -PassThru", connect: false, ("garbage", garbage.ToArray()));
        NoErrors(p);
        Assert.All(p.Output, o => Assert.NotEqual("None", ((dynamic)o.BaseObject).Reason));
    }

    [Fact]
    public void TestCxpaZoneToken_without_a_secret_is_a_terminating_MissingSecret()
    {
        var r = Run("""
            $env:ZONE_JWT_SECRET = $null
            Test-CxpaZoneToken -Token 'x.y.z' -Audience $aud
            'after'
            """, connect: false);
        var err = AnyError(r);
        Assert.NotNull(err);
        Assert.StartsWith("MissingSecret,", err!.FullyQualifiedErrorId);
        Assert.Equal(ErrorCategory.InvalidArgument, err.CategoryInfo.Category);
        Assert.Contains("ZONE_JWT_SECRET", err.ToString());
        // Terminating for the cmdlet: it outputs no $true/$false.
        Assert.DoesNotContain(r.Output, o => o.BaseObject is bool);
    }

    [Fact]
    public void An_explicit_empty_Secret_is_MissingSecret_even_with_ZONE_JWT_SECRET_set()
    {
        var r = Run("""
            $env:ZONE_JWT_SECRET = $secret
            $unset = $null
            Test-CxpaZoneToken -Token 'x.y.z' -Secret $unset -Audience $aud
            """, connect: false);
        var err = AnyError(r);
        Assert.NotNull(err);
        Assert.StartsWith("MissingSecret,", err!.FullyQualifiedErrorId);
        Assert.Empty(r.Output);

        var n = Run("$env:ZONE_JWT_SECRET = $secret; New-CxpaZoneToken -Secret '' -Audience $aud -UserId $user -AgentId 42", connect: false);
        Assert.StartsWith("MissingSecret,", AnyError(n)!.FullyQualifiedErrorId);
        Assert.Empty(n.Output);
    }

    [Fact]
    public void A_secret_shorter_than_32_bytes_is_SecretTooShort_for_both_cmdlets()
    {
        var t = Run("Test-CxpaZoneToken -Token 'x.y.z' -Secret 'short-secret' -Audience $aud", connect: false);
        var e1 = AnyError(t);
        Assert.NotNull(e1);
        Assert.StartsWith("SecretTooShort,", e1!.FullyQualifiedErrorId);
        Assert.Equal(ErrorCategory.InvalidArgument, e1.CategoryInfo.Category);
        Assert.Empty(t.Output);

        var n = Run("New-CxpaZoneToken -Secret ('x' * 31) -Audience $aud -UserId $user -AgentId 42", connect: false);
        var e2 = AnyError(n);
        Assert.NotNull(e2);
        Assert.StartsWith("SecretTooShort,", e2!.FullyQualifiedErrorId);
        Assert.Empty(n.Output);
    }

    [Fact]
    public void Secret_and_audience_default_to_ZONE_JWT_SECRET_and_AUDIENCE_ID()
    {
        var r = Run("""
            $env:ZONE_JWT_SECRET = $secret
            $env:AUDIENCE_ID = $aud
            $t = New-CxpaZoneToken -UserId $user -AgentId 42
            Test-CxpaZoneToken -Token $t
            (Test-CxpaZoneToken -Token $t -PassThru).Audience
            Test-CxpaZoneToken -Token $t -Audience 'another-audience'
            $env:ZONE_JWT_SECRET = $null
            $env:AUDIENCE_ID = $null
            """, connect: false);
        NoErrors(r);
        Assert.Equal(new object[] { true, Audience, false }, r.Output.Select(o => o.BaseObject).ToArray());
        Assert.Null(Environment.GetEnvironmentVariable("ZONE_JWT_SECRET"));
    }

    [Fact]
    public void TestCxpaZoneToken_reads_the_token_from_request_headers()
    {
        var token = Mint();
        var r = Run("""
            $common = @{ Secret = $secret; Audience = $aud }
            Test-CxpaZoneToken -Headers @{ 'X-Zone-Token' = $t; 'Content-Type' = 'application/json' } @common
            Test-CxpaZoneToken -Headers @{ 'x-zone-token' = @($t) } @common
            $d = [System.Collections.Generic.Dictionary[string,string]]::new(); $d['X-ZONE-TOKEN'] = $t
            Test-CxpaZoneToken -Headers $d @common
            Test-CxpaZoneToken -Headers @{ 'X-Cxpa-Auth' = $t } -TokenHeader 'x-cxpa-auth' @common
            Test-CxpaZoneToken -Headers @{ 'X-Zone-Token' = $t } -TokenHeader 'x-cxpa-auth' @common -PassThru
            Test-CxpaZoneToken -Headers @{ 'Accept' = '*/*' } @common
            Test-CxpaZoneToken -Headers @{ 'x-zone-token' = (New-CxpaZoneToken -UserId $user -AgentId 42 @common) } @common
            Test-CxpaZoneToken -Headers @{ 'x-zone-token' = @() } @common
            [pscustomobject]@{ Method = 'GET'; Headers = @{ 'X-Zone-Token' = $t } } | Test-CxpaZoneToken @common
            """, connect: false, ("t", token));
        NoErrors(r);
        Assert.Equal(9, r.Output.Count);
        Assert.Equal(true, r.Output[8].BaseObject); // a request object from the pipeline binds -Headers by property name
        Assert.Equal(new object[] { true, true, true, true }, r.Output.Take(4).Select(o => o.BaseObject).ToArray());
        Assert.Equal(true, r.Output[6].BaseObject); // a SecureString header value
        Assert.Equal(false, r.Output[7].BaseObject);
        var missing = Is("ZoneTokenResult", r.Output[4].BaseObject);
        Assert.False(missing.IsValid);
        Assert.Equal("Empty", missing.Reason);
        Assert.Equal(false, r.Output[5].BaseObject);
    }

    [Fact]
    public void TestCxpaZoneToken_takes_several_tokens_from_the_pipeline()
    {
        var r = Run("""
            $a = New-CxpaZoneToken -Secret $secret -Audience $aud -UserId $user -AgentId 42 -AsPlainText
            $b = New-CxpaZoneToken -Secret $secret -Audience $aud -UserId $user -AgentId 43 -AsPlainText
            $a, 'garbage', $b | Test-CxpaZoneToken -Secret $secret -Audience $aud
            $a, $b | Test-CxpaZoneToken -Secret $secret -Audience $aud -PassThru | ForEach-Object AgentId
            """, connect: false);
        NoErrors(r);
        Assert.Equal(new object[] { true, false, true, 42L, 43L }, r.Output.Select(o => o.BaseObject).ToArray());
    }

    [Fact]
    public void NewCxpaZoneToken_gives_a_SecureString_by_default_that_Test_accepts()
    {
        var r = Run("""
            $s = New-CxpaZoneToken -Secret $secret -Audience $aud -UserId $user -AgentId 42
            $p = New-CxpaZoneToken -Secret $secret -Audience $aud -UserId $user -AgentId 42 -AsPlainText
            $s; $p
            Test-CxpaZoneToken -Token $s -Secret $secret -Audience $aud
            $s | Test-CxpaZoneToken -Secret $secret -Audience $aud
            Test-CxpaZoneToken -Token $p -Secret $secret -Audience $aud
            """, connect: false);
        NoErrors(r);
        Assert.Equal(5, r.Output.Count);
        var secure = Assert.IsType<SecureString>(r.Output[0].BaseObject);
        var plain = Assert.IsType<string>(r.Output[1].BaseObject);
        Assert.Equal(3, plain.Split('.').Length);
        Assert.Equal(3, Reveal(secure).Split('.').Length);
        Assert.Equal(new object[] { true, true, true }, r.Output.Skip(2).Select(o => o.BaseObject).ToArray());
    }

    [Fact]
    public void NewCxpaZoneToken_Lifetime_sets_the_expiry()
    {
        var before = DateTimeOffset.UtcNow;
        var r = Run("""
            New-CxpaZoneToken -Secret $secret -Audience $aud -UserId $user -AgentId 42 -Lifetime '00:10:00' -AsPlainText | Test-CxpaZoneToken -Secret $secret -Audience $aud -PassThru
            New-CxpaZoneToken -Secret $secret -Audience $aud -UserId $user -AgentId 42 -Lifetime ([TimeSpan]::FromHours(2)) | Test-CxpaZoneToken -Secret $secret -Audience $aud -PassThru
            New-CxpaZoneToken -Secret $secret -Audience $aud -UserId $user -AgentId 42 | Test-CxpaZoneToken -Secret $secret -Audience $aud -PassThru
            """, connect: false);
        NoErrors(r);
        var after = DateTimeOffset.UtcNow;
        var expected = new[] { TimeSpan.FromMinutes(10), TimeSpan.FromHours(2), TimeSpan.FromMinutes(5) };
        Assert.Equal(3, r.Output.Count);
        for (int i = 0; i < 3; i++)
        {
            var res = (dynamic)r.Output[i].BaseObject;
            Assert.True(res.IsValid);
            Assert.InRange((DateTimeOffset)res.ExpiresAt, before + expected[i] - TimeSpan.FromSeconds(2), after + expected[i] + TimeSpan.FromSeconds(2));
        }

        var bad = Run("New-CxpaZoneToken -Secret $secret -Audience $aud -UserId $user -AgentId 42 -Lifetime '-00:01:00'", connect: false);
        var err = AnyError(bad);
        Assert.NotNull(err);
        Assert.StartsWith("InvalidLifetime,", err!.FullyQualifiedErrorId);
        Assert.Empty(bad.Output);
    }

    #endregion

    #region Zone mode of the run cmdlets

    [Fact]
    public void Zone_token_starts_waits_reads_and_saves_through_the_zone_endpoints_without_caching()
    {
        var dir = Directory.CreateTempSubdirectory("cxpa-zone-").FullName;
        try
        {
            var since = LastSequence;
            var r = Run("""
                $run = Start-CxpaRun -BaseUrl $url -ZoneToken $t42 -InputObject @{ topic = 'zone' }
                $run
                $done = Start-CxpaRun -BaseUrl $url -ZoneToken $t42 -InputObject @{ topic = 'waited' } -Wait
                $done
                Get-CxpaRun -BaseUrl $url -ZoneToken $t42 -RunId $run.RunId
                Wait-CxpaRun -BaseUrl $url -ZoneToken $t42 -RunId $run.RunId -TimeoutSec 30
                Save-CxpaRunOutput -BaseUrl $url -ZoneToken $t43 -InputObject @{ topic = 'Q3' } -Path $dir
                """, connect: false, ("t42", Mint(42)), ("t43", Mint(43)), ("dir", dir));
            NoErrors(r);
            Assert.Equal(5, r.Output.Count);
            var started = r.Output[0];
            Assert.Equal(42L, Prop(started, "AgentId"));
            long id = (long)Prop(started, "RunId")!;
            Assert.True(_emu.Server.State.TryGetRun(id, out var stored));
            Assert.Equal("zone", stored.Snapshot().InputData?["topic"]?.GetValue<string>());
            Assert.Equal(UserId, stored.Snapshot().CreatedBy);
            Assert.Equal("completed", Prop(r.Output[1], "Status"));
            Assert.Equal(42L, Prop(r.Output[1], "AgentId"));
            Assert.Equal(id, Prop(r.Output[2], "RunId"));
            Assert.Equal(id, Prop(r.Output[3], "RunId"));
            Assert.Equal("completed", Prop(r.Output[3], "Status"));
            var file = Assert.IsType<FileInfo>(r.Output[4].BaseObject);
            Assert.Equal(256 * 1024, new FileInfo(file.FullName).Length);

            var sent = RequestsSince(since);
            Assert.NotEmpty(sent);
            Assert.All(sent, e => Assert.StartsWith("/api/zones/agents/", e.Path));
            Assert.All(sent, e => Assert.Equal("no-store", e.CacheControl));
            Assert.Contains(sent, e => e.Method == "POST" && e.Path == "/api/zones/agents/42/runs");
            Assert.Contains(sent, e => e.Method == "POST" && e.Path == "/api/zones/agents/42/runs/trigger-and-wait");
            Assert.Contains(sent, e => e.Method == "GET" && e.Path == $"/api/zones/agents/42/runs/{id}");
            Assert.Contains(sent, e => e.Method == "POST" && e.Path == "/api/zones/agents/43/runs/trigger-and-download");
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void Zone_token_for_another_agent_is_PermissionDenied()
    {
        var r = Run("Start-CxpaRun -BaseUrl $url -ZoneToken $t -AgentId 43", connect: false, ("t", Mint(42)));
        var err = Assert.Single(r.Errors);
        Assert.StartsWith("Forbidden,", err.FullyQualifiedErrorId);
        Assert.Equal(ErrorCategory.PermissionDenied, err.CategoryInfo.Category);
        Assert.Empty(r.Output);
        Assert.Equal(403, _emu.Server.Requests.Last!.Status);
        Assert.Equal("/api/zones/agents/43/runs", _emu.Server.Requests.Last!.Path);
    }

    [Fact]
    public void Expired_zone_token_is_AuthenticationError()
    {
        var token = Expired();
        var r = Run("Start-CxpaRun -BaseUrl $url -ZoneToken $t; Get-CxpaCredential hubspot -BaseUrl $url -ZoneToken $t", connect: false, ("t", token));
        Assert.Equal(2, r.Errors.Count);
        Assert.All(r.Errors, err =>
        {
            Assert.StartsWith("Unauthorized,", err.FullyQualifiedErrorId);
            Assert.Equal(ErrorCategory.AuthenticationError, err.CategoryInfo.Category);
        });
        Assert.Empty(r.Output);
        Assert.DoesNotContain(token, r.AllText());
    }

    [Fact]
    public void ConnectCxpa_ZoneToken_makes_the_zone_the_default()
    {
        var since = LastSequence;
        var r = Run("""
            $env:CXPA_INGEST_KEY = $null
            Connect-Cxpa -BaseUrl $url -ZoneToken $t
            (Get-CxpaConnection).AuthKind
            $run = Start-CxpaRun -InputObject @{ via = 'connect' } -Wait
            $run.Status
            $run.AgentId
            (Get-CxpaCredential hubspot).Type
            """, connect: false, ("t", Mint(42)));
        NoErrors(r);
        Assert.Equal(new object[] { "ZoneToken", "completed", 42L, "oauth" }, r.Output.Select(o => o.BaseObject is Enum e ? e.ToString() : o.BaseObject).ToArray());
        var sent = RequestsSince(since);
        Assert.Equal(2, sent.Count);
        Assert.All(sent, e => { Assert.StartsWith("/api/zones/agents/42/", e.Path); Assert.Equal("no-store", e.CacheControl); });
    }

    #endregion

    #region Credentials

    [Fact]
    public void GetCxpaCredential_zone_form_gives_typed_credentials_with_secrets_hidden()
    {
        var r = Run("""
            'hubspot', 'openai', 'ftp', 'legacy' | ForEach-Object { Get-CxpaCredential -IntegrationKey $_ -BaseUrl $url -ZoneToken $t }
            """, connect: false, ("t", Mint(42)));
        NoErrors(r);
        Assert.Equal(4, r.Output.Count);

        var oauth = Is("OAuthCredential", r.Output[0].BaseObject);
        Assert.Equal("oauth", oauth.Type);
        Assert.Equal("hubspot", oauth.Name);
        Assert.Equal("demo-hubspot-access-token", Reveal(oauth.AccessToken));
        Assert.Equal(new[] { "crm.objects.contacts.read", "crm.objects.contacts.write" }, (string[])oauth.Scopes);
        Assert.Equal(new DateTimeOffset(2030, 1, 1, 0, 0, 0, TimeSpan.Zero), oauth.ExpiresAt);

        var api = Is("ApiKeyCredential", r.Output[1].BaseObject);
        Assert.Equal("sk-demo-openai-key", Reveal(api.ApiKey));
        Assert.Equal("x-api-key", api.HeaderName);

        var basic = Is("BasicCredential", r.Output[2].BaseObject);
        Assert.Equal("demo", basic.UserName);
        Assert.Equal("demo-ftp-password", Reveal(basic.Password));
        Assert.Equal("demo", basic.Credential.UserName);
        Assert.Equal("demo-ftp-password", basic.Credential.GetNetworkCredential().Password);

        var generic = Is("GenericCredential", r.Output[3].BaseObject);
        Assert.Equal("saml", generic.Type);
        Assert.Equal(new[] { "assertion", "idp", "expires_at" }, ((System.Collections.IDictionary)generic.Fields).Keys.Cast<string>().ToArray());
        Assert.Equal(CredentialSecrets[3], Reveal(generic.Fields["assertion"]));

        foreach (var s in CredentialSecrets) Assert.DoesNotContain(s, r.AllText());
    }

    [Fact]
    public void GetCxpaCredential_AsPlainText_gives_strings_and_the_PSCredential_works()
    {
        var r = Run("""
            $o = Get-CxpaCredential hubspot -BaseUrl $url -ZoneToken $t -AsPlainText
            $o.AccessToken
            (Get-CxpaCredential openai -BaseUrl $url -ZoneToken $t -AsPlainText).ApiKey
            $b = Get-CxpaCredential ftp -BaseUrl $url -ZoneToken $t -AsPlainText
            $b.Password
            $b.Credential.GetNetworkCredential().Password
            (Get-CxpaCredential legacy -BaseUrl $url -ZoneToken $t -AsPlainText).Fields['idp']
            """, connect: false, ("t", Mint(42)));
        NoErrors(r);
        Assert.Equal(new object[] { "demo-hubspot-access-token", "sk-demo-openai-key", "demo-ftp-password", "demo-ftp-password", "https://idp.example.com/saml" },
            r.Output.Select(o => o.BaseObject).ToArray());
    }

    [Fact]
    public void GetCxpaCredential_unknown_integration_is_ObjectNotFound()
    {
        var r = Run("Get-CxpaCredential salesforce -BaseUrl $url -ZoneToken $t", connect: false, ("t", Mint(42)));
        var err = Assert.Single(r.Errors);
        Assert.StartsWith("NotFound,", err.FullyQualifiedErrorId);
        Assert.Equal(ErrorCategory.ObjectNotFound, err.CategoryInfo.Category);
        Assert.Contains("salesforce", err.ToString());
        Assert.Empty(r.Output);
    }

    [Fact]
    public void GetCxpaCredential_runtime_form_from_a_trigger_payload_by_parameters_and_by_pipeline()
    {
        var r = Run(PayloadFunction + """
            $run = Start-CxpaRun -AgentId 48 -InputObject @{ job = 'creds' }
            $p = Get-TriggerPayload $run.RunId
            Get-CxpaCredential -ConnectionId conn_hubspot -RunId $p.RunId -AgentApiKey $p.AgentApiKey -CredentialsToken $p.CredentialsToken
            $p | Get-CxpaCredential -ConnectionId conn_ftp
            $p | Get-CxpaCredential -ConnectionId conn_openai -AsPlainText
            """);
        NoErrors(r);
        Assert.Equal(3, r.Output.Count);
        var oauth = Is("OAuthCredential", r.Output[0].BaseObject);
        Assert.Equal("conn_hubspot", oauth.Name);
        Assert.Equal("demo-hubspot-access-token", Reveal(oauth.AccessToken));
        var basic = Is("BasicCredential", r.Output[1].BaseObject);
        Assert.Equal("demo-ftp-password", basic.Credential.GetNetworkCredential().Password);
        Assert.Equal("sk-demo-openai-key", Is("ApiKeyCredential", r.Output[2].BaseObject).ApiKey);
        var resolves = _emu.Server.Requests.Find("GET", "/api/credentials/conn_hubspot/resolve");
        Assert.True(resolves[^1].HasAuthorization);
        Assert.True(resolves[^1].Headers.ContainsKey("x-credentials-token"));
    }

    [Fact]
    public void GetCxpaCredential_runtime_form_with_a_registered_run()
    {
        var r = Run("""
            $reg = Register-CxpaRun -AgentId 48 -ExternalRunId ('ext-' + [guid]::NewGuid()) -AsPlainText
            Get-CxpaCredential -ConnectionId conn_hubspot -RunId $reg.RunId -AgentApiKey 'cxpa_demo_agent_48' -CredentialsToken $reg.CredentialsToken
            $secure = Register-CxpaRun -AgentId 48 -ExternalRunId ('ext-' + [guid]::NewGuid())
            Get-CxpaCredential -ConnectionId conn_openai -RunId $secure.RunId -AgentApiKey 'cxpa_demo_agent_48' -CredentialsToken $secure.CredentialsToken
            """);
        NoErrors(r);
        Is("OAuthCredential", r.Output[0].BaseObject);
        Assert.Equal("sk-demo-openai-key", Reveal(Is("ApiKeyCredential", r.Output[1].BaseObject).ApiKey));
    }

    [Fact]
    public void GetCxpaCredential_with_a_wrong_credentials_token_is_AuthenticationError()
    {
        var wrong = ZoneTokens.CreateHs256(Encoding.UTF8.GetBytes(OtherSecret), new Dictionary<string, object?> { ["runId"] = 1L, ["agentId"] = 48L, ["exp"] = DateTimeOffset.UtcNow.AddHours(1).ToUnixTimeSeconds() });
        var r = Run(PayloadFunction + """
            $p = Get-TriggerPayload (Start-CxpaRun -AgentId 48).RunId
            Get-CxpaCredential -ConnectionId conn_hubspot -RunId $p.RunId -AgentApiKey $p.AgentApiKey -CredentialsToken $wrong -Verbose -Debug
            Get-CxpaCredential -ConnectionId conn_hubspot -RunId $p.RunId -AgentApiKey $p.AgentApiKey -CredentialsToken 'not-a-token'
            """, vars: ("wrong", wrong));
        Assert.Equal(2, r.Errors.Count);
        Assert.All(r.Errors, err =>
        {
            Assert.StartsWith("Unauthorized,", err.FullyQualifiedErrorId);
            Assert.Equal(ErrorCategory.AuthenticationError, err.CategoryInfo.Category);
        });
        Assert.Empty(r.Output);
        Assert.DoesNotContain(wrong, r.AllText());
        Assert.DoesNotContain("cxpa_demo_agent_48", r.AllText());
    }

    #endregion

    #region Send-CxpaRunEvent

    [Fact]
    public void SendCxpaRunEvent_drives_a_run_through_started_output_waiting_and_complete()
    {
        var r = Run(PayloadFunction + """
            $run = Start-CxpaRun -AgentId 48 -InputObject @{ job = 'lifecycle' }
            $p = Get-TriggerPayload $run.RunId
            $p | Send-CxpaRunEvent -Started
            (Get-CxpaRun -AgentId 48 -RunId $p.RunId).Status
            $p | Send-CxpaRunEvent -Output @{ step = 1; note = 'halfway' } -Outputs 3
            (Get-CxpaRun -AgentId 48 -RunId $p.RunId).Status
            $p | Send-CxpaRunEvent -Waiting -TokenId 'approval-1' -Description 'Manager approval'
            (Get-CxpaRun -AgentId 48 -RunId $p.RunId).Status
            $p | Send-CxpaRunEvent -Complete -Output @{ step = 2; result = 'done' } -Outputs 4
            $final = Get-CxpaRun -AgentId 48 -RunId $p.RunId
            $final.Status
            $final.Output.result
            $final.Outputs
            """);
        NoErrors(r);
        var o = r.Output;
        Assert.Equal(10, o.Count);
        Assert.Equal(new[] { "started", "output", "waiting", "complete" }, new[] { o[0], o[2], o[4], o[6] }.Select(x => (string)Prop(x, "Event")!).ToArray());
        Assert.All(new[] { o[0], o[2], o[4], o[6] }, x => Assert.Equal(true, Prop(x, "Ok")));
        Assert.Equal(new[] { "running", "running", "waiting", "completed" }, new[] { o[0], o[2], o[4], o[6] }.Select(x => (string)Prop(x, "Status")!).ToArray());
        Assert.Equal(new object[] { "running", "running", "waiting", "completed", "done" }, new[] { o[1], o[3], o[5], o[7], o[8] }.Select(x => x.BaseObject).ToArray());
        Assert.Equal(4L, Convert.ToInt64(o[9].BaseObject));
    }

    [Fact]
    public void SendCxpaRunEvent_Complete_without_Output_keeps_the_last_intermediate_output()
    {
        var r = Run(PayloadFunction + """
            $p = Get-TriggerPayload (Start-CxpaRun -AgentId 48).RunId
            $null = $p | Send-CxpaRunEvent -Output @{ rows = 7 } -Outputs 1
            ($p | Send-CxpaRunEvent -Complete).Status
            $run = Get-CxpaRun -AgentId 48 -RunId $p.RunId
            $run.Output.rows
            $run.Outputs
            """);
        NoErrors(r);
        Assert.Equal(new object[] { "completed", 7L, 1L }, r.Output.Select(o => o.BaseObject is int i ? (long)i : o.BaseObject).ToArray());
    }

    [Fact]
    public void SendCxpaRunEvent_Fail_records_message_name_and_stack()
    {
        var r = Run(PayloadFunction + """
            $p = Get-TriggerPayload (Start-CxpaRun -AgentId 48).RunId
            $null = $p | Send-CxpaRunEvent -Started
            $p | Send-CxpaRunEvent -Fail -Message 'Upstream said no' -Name 'UpstreamError' -Stack 'at Invoke-Thing, line 3'
            $run = Get-CxpaRun -AgentId 48 -RunId $p.RunId -ErrorAction SilentlyContinue
            $run.Status
            $run.Error
            """);
        NoErrors(r);
        Assert.Equal("fail", Prop(r.Output[0], "Event"));
        Assert.Equal("failed", Prop(r.Output[0], "Status"));
        Assert.Equal("failed", r.Output[1].BaseObject);
        Assert.Equal("Upstream said no", r.Output[2].BaseObject);
        long id = (long)Prop(r.Output[0], "RunId")!;
        Assert.True(_emu.Server.State.TryGetRun(id, out var stored));
        var error = stored.Snapshot().Metadata?["error"];
        Assert.Equal("UpstreamError", error?["name"]?.GetValue<string>());
        Assert.Equal("at Invoke-Thing, line 3", error?["stack"]?.GetValue<string>());
    }

    [Fact]
    public void SendCxpaRunEvent_ErrorRecord_from_a_catch_block_fails_the_run_with_its_message()
    {
        var r = Run(PayloadFunction + """
            $p = Get-TriggerPayload (Start-CxpaRun -AgentId 48).RunId
            try { throw 'boom' } catch { $p | Send-CxpaRunEvent -ErrorRecord $_ }
            (Get-CxpaRun -AgentId 48 -RunId $p.RunId).Error
            """);
        NoErrors(r);
        Assert.Equal("failed", Prop(r.Output[0], "Status"));
        Assert.Equal("boom", r.Output[1].BaseObject);
        long id = (long)Prop(r.Output[0], "RunId")!;
        Assert.True(_emu.Server.State.TryGetRun(id, out var stored));
        Assert.Equal("failed", stored.Status);
        Assert.False(string.IsNullOrEmpty(stored.Snapshot().Metadata?["error"]?["name"]?.GetValue<string>()));
    }

    [Fact]
    public void SendCxpaRunEvent_on_a_terminal_run_is_a_Conflict_naming_the_run()
    {
        var r = Run(PayloadFunction + """
            $p = Get-TriggerPayload (Start-CxpaRun -AgentId 48).RunId
            $null = $p | Send-CxpaRunEvent -Complete -Output @{ ok = $true }
            $p | Send-CxpaRunEvent -Started
            $p.RunId
            """);
        Assert.Null(r.Thrown);
        long id = Convert.ToInt64(Assert.Single(r.Output).BaseObject);
        var err = Assert.Single(r.Errors);
        Assert.StartsWith("Conflict,", err.FullyQualifiedErrorId);
        Assert.Equal(ErrorCategory.InvalidOperation, err.CategoryInfo.Category);
        Assert.Contains(id.ToString(), err.ErrorDetails.Message);
    }

    [Fact]
    public void ConnectCxpa_AgentApiKey_makes_the_runtime_the_default()
    {
        var r = Run(PayloadFunction + """
            $p = Get-TriggerPayload (Start-CxpaRun -AgentId 48).RunId
            Disconnect-Cxpa
            $env:CXPA_INGEST_KEY = $null
            Connect-Cxpa -BaseUrl $url -AgentApiKey $p.AgentApiKey -RunId $p.RunId -CredentialsToken $p.CredentialsToken
            Send-CxpaRunEvent -Started
            (Get-CxpaCredential -ConnectionId conn_hubspot).Type
            Send-CxpaRunEvent -Complete -Output @{ n = 1 }
            """);
        NoErrors(r);
        Assert.Equal(3, r.Output.Count);
        Assert.Equal("running", Prop(r.Output[0], "Status"));
        Assert.Equal("oauth", r.Output[1].BaseObject);
        Assert.Equal("completed", Prop(r.Output[2], "Status"));
    }

    [Fact]
    public void SendCxpaRunEvent_WhatIf_sends_nothing()
    {
        var setup = Run(PayloadFunction + "$p = Get-TriggerPayload (Start-CxpaRun -AgentId 48).RunId; $p.RunId; $p.AgentApiKey");
        NoErrors(setup);
        long id = Convert.ToInt64(setup.Output[0].BaseObject);
        var agentKey = (string)setup.Output[1].BaseObject;
        var before = _emu.Server.Requests.Total;
        var r = Run("""
            Send-CxpaRunEvent -RunId $id -AgentApiKey $ak -Started -WhatIf
            Send-CxpaRunEvent -RunId $id -AgentApiKey $ak -Complete -Output @{ a = 1 } -WhatIf
            Send-CxpaRunEvent -RunId $id -AgentApiKey $ak -Fail -Message 'x' -WhatIf
            """, vars: new (string, object?)[] { ("id", id), ("ak", agentKey) });
        NoErrors(r);
        Assert.Empty(r.Output);
        Assert.Equal(before, _emu.Server.Requests.Total);
        Assert.True(_emu.Server.State.TryGetRun(id, out var stored));
        Assert.Equal("queued", stored.Status);
    }

    #endregion

    #region Secret hygiene

    [Fact]
    public void Zone_forms_with_Verbose_and_Debug_never_show_the_token_or_credential_secrets()
    {
        var token = Mint(42);
        var expired = Expired();
        var r = Run("""
            $VerbosePreference = 'Continue'; $DebugPreference = 'Continue'
            Test-CxpaZoneToken -Token $t -Secret $secret -Audience $aud -PassThru -Verbose -Debug
            Test-CxpaZoneToken -Token $x -Secret $secret -Audience $aud -Verbose -Debug
            Test-CxpaZoneToken -Headers @{ 'x-zone-token' = $x } -Secret $secret -Audience $aud -PassThru -Verbose
            Connect-Cxpa -BaseUrl $url -ZoneToken $t -Verbose -PassThru
            Get-CxpaConnection
            Start-CxpaRun -ZoneToken $t -InputObject @{ a = 1 } -Wait -Verbose -Debug
            Get-CxpaCredential hubspot -ZoneToken $t -Verbose -Debug
            Get-CxpaCredential openai -ZoneToken $t -Verbose -Debug
            Get-CxpaCredential ftp -ZoneToken $t -Verbose -Debug
            Get-CxpaCredential legacy -ZoneToken $t -Verbose -Debug
            Start-CxpaRun -ZoneToken $x -Verbose -Debug
            Start-CxpaRun -ZoneToken $t -AgentId 43 -Verbose -Debug
            Get-CxpaCredential nope -ZoneToken $t -Verbose -Debug
            """, connect: false, ("t", token), ("x", expired));
        Assert.Null(r.Thrown);
        Assert.Equal(3, r.Errors.Count);
        Assert.NotEmpty(r.Verbose);
        var text = r.AllText();
        Assert.DoesNotContain(token, text);
        Assert.DoesNotContain(expired, text);
        // Neither the signature nor the payload segment alone.
        Assert.DoesNotContain(token.Split('.')[2], text);
        Assert.DoesNotContain(token.Split('.')[1], text);
        Assert.DoesNotContain(ZoneSecret, text);
        foreach (var s in CredentialSecrets) Assert.DoesNotContain(s, text);
        foreach (var o in r.Output)
            foreach (var p in o.Properties)
            {
                object? v;
                try { v = p.Value; } catch { continue; }
                Assert.DoesNotContain(token, v?.ToString() ?? "");
            }
    }

    [Fact]
    public void Runtime_forms_with_Verbose_and_Debug_never_show_the_agent_key_credentials_token_or_secrets()
    {
        var r = Run(PayloadFunction + """
            $p = Get-TriggerPayload (Start-CxpaRun -AgentId 48).RunId
            $p.CredentialsToken
            $VerbosePreference = 'Continue'; $DebugPreference = 'Continue'
            $p | Send-CxpaRunEvent -Started -Verbose -Debug
            'conn_hubspot', 'conn_openai', 'conn_ftp', 'conn_legacy' | ForEach-Object { $p | Get-CxpaCredential -ConnectionId $_ -Verbose -Debug }
            Get-CxpaCredential -ConnectionId conn_hubspot -RunId $p.RunId -AgentApiKey $p.AgentApiKey -CredentialsToken 'wrong.token.here' -Verbose -Debug
            Get-CxpaCredential -ConnectionId conn_nope -RunId $p.RunId -AgentApiKey $p.AgentApiKey -CredentialsToken $p.CredentialsToken -Verbose -Debug
            Send-CxpaRunEvent -RunId $p.RunId -AgentApiKey 'wrong-agent-key-value-123' -Started -Verbose -Debug
            $p | Send-CxpaRunEvent -Output @{ step = 1 } -Outputs 1 -Verbose -Debug
            try { throw 'boom' } catch { $p | Send-CxpaRunEvent -ErrorRecord $_ -Verbose -Debug }
            $p | Send-CxpaRunEvent -Started -Verbose -Debug
            Connect-Cxpa -BaseUrl $url -AgentApiKey $p.AgentApiKey -RunId $p.RunId -CredentialsToken $p.CredentialsToken -PassThru -Verbose
            Get-CxpaConnection
            """);
        Assert.Null(r.Thrown);
        var credentialsToken = (string)r.Output[0].BaseObject;
        Assert.Equal(3, credentialsToken.Split('.').Length);
        r.Output.RemoveAt(0); // the script printed it on purpose, to know it
        Assert.Equal(4, r.Errors.Count); // 401 bad token, 404 no connection, 401 bad key, 409 terminal
        Assert.NotEmpty(r.Verbose);
        var text = r.AllText();
        Assert.DoesNotContain(credentialsToken, text);
        Assert.DoesNotContain(credentialsToken.Split('.')[2], text);
        Assert.DoesNotContain("cxpa_demo_agent_48", text);
        Assert.DoesNotContain("wrong-agent-key-value-123", text);
        Assert.DoesNotContain("wrong.token.here", text);
        foreach (var s in CredentialSecrets) Assert.DoesNotContain(s, text);
    }

    #endregion
}
