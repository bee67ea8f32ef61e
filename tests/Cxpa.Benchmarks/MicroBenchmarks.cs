using System.Text;
using BenchmarkDotNet.Attributes;
using Cxpa.Emulator;
using Cxpa.Engine.Json;
using Cxpa.Engine.Zone;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Cxpa.Benchmarks;

/// <summary>
/// Engine-level micro benchmarks (no PowerShell, no process), where BenchmarkDotNet fits:
/// dotnet run -c Release --project tests/Cxpa.Benchmarks -- --micro [BenchmarkDotNet options, e.g. --job short]
/// </summary>
[MemoryDiagnoser]
public class MicroBenchmarks
{
    private readonly byte[] _secret = Encoding.UTF8.GetBytes(EmulatorConfig.DemoZoneSecret);
    private string _token = "";
    private readonly JsonWebTokenHandler _handler = new() { MapInboundClaims = false };
    private TokenValidationParameters _tvp = null!;
    private readonly Dictionary<string, object?> _body = new() { ["input"] = new Dictionary<string, object?> { ["url"] = "https://example.com", ["n"] = 3 }, ["timeoutMs"] = 300000 };

    [GlobalSetup]
    public void Setup()
    {
        _token = ZoneTokens.Mint(_secret, new ZoneTokenDescriptor { Audience = EmulatorConfig.DemoZoneAudience, UserId = EmulatorConfig.DemoUserId, AgentId = 42, Lifetime = TimeSpan.FromHours(2) });
        _tvp = new TokenValidationParameters
        {
            IssuerSigningKey = new SymmetricSecurityKey(_secret), ValidAudience = EmulatorConfig.DemoZoneAudience, ValidateIssuer = false,
            ValidAlgorithms = new[] { SecurityAlgorithms.HmacSha256 }, ClockSkew = TimeSpan.FromSeconds(5),
        };
    }

    [Benchmark(Baseline = true)]
    public bool RawJsonWebTokenHandler() => _handler.ValidateTokenAsync(_token, _tvp).GetAwaiter().GetResult().IsValid;

    [Benchmark]
    public bool ZoneTokensValidate() => ZoneTokens.Validate(_token, _secret, EmulatorConfig.DemoZoneAudience, TimeSpan.FromSeconds(5)).IsValid;

    [Benchmark]
    public bool ZoneTokensValidateVerdictOnly() => ZoneTokens.Validate(_token, _secret, EmulatorConfig.DemoZoneAudience, TimeSpan.FromSeconds(5), withClaims: false).IsValid;

    [Benchmark]
    public bool ZoneTokensReadUnverified() => ZoneTokens.ReadUnverified(_token) != null;

    [Benchmark]
    public int JsonTreeSerializeBody() => JsonTree.Serialize(_body).Length;
}
