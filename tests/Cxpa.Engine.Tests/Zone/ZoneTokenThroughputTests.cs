using System.Diagnostics;
using Cxpa.Engine.Zone;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using Xunit;
using Xunit.Abstractions;
using static Cxpa.Engine.Tests.Zone.ZoneTestTokens;

namespace Cxpa.Engine.Tests.Zone;

/// <summary>Reports validation throughput next to a raw JsonWebTokenHandler loop. Informational: no timing assertion.</summary>
public class ZoneTokenThroughputTests
{
    private readonly ITestOutputHelper _output;

    public ZoneTokenThroughputTests(ITestOutputHelper output) => _output = output;

    [Fact]
    public async Task Validate_throughput_against_a_raw_handler_loop()
    {
        const int count = 5_000;
        var tokens = new string[count];
        var now = DateTimeOffset.UtcNow;
        for (int i = 0; i < count; i++)
            tokens[i] = ZoneTokens.Mint(ZoneSecret, new ZoneTokenDescriptor { Audience = Audience, AgentId = i, UserId = "u-" + i, OrgSlug = "acme", AgentSlug = "bot", IssuedAt = now });

        var handler = new JsonWebTokenHandler();
        var parameters = new TokenValidationParameters
        {
            IssuerSigningKey = new SymmetricSecurityKey(ZoneSecret), ValidAudience = Audience, ValidateIssuer = false, ValidAlgorithms = new[] { "HS256" },
        };

        double raw = 0, ours = 0;
        for (int round = 0; round < 3; round++) // the first round warms up
        {
            var watch = Stopwatch.StartNew();
            int valid = 0;
            foreach (var token in tokens) if ((await handler.ValidateTokenAsync(token, parameters)).IsValid) valid++;
            raw = count / watch.Elapsed.TotalSeconds;
            Assert.Equal(count, valid);

            watch.Restart();
            valid = 0;
            foreach (var token in tokens) if (ZoneTokens.Validate(token, ZoneSecret, Audience, Tolerance, now).IsValid) valid++;
            ours = count / watch.Elapsed.TotalSeconds;
            Assert.Equal(count, valid);
        }
        _output.WriteLine($"raw JsonWebTokenHandler: {raw:F0} tokens/s; ZoneTokens.Validate: {ours:F0} tokens/s; ratio {ours / raw:F2}");
    }
}
