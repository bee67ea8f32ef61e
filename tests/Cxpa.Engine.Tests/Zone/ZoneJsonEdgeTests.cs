using System.Text;
using Cxpa.Engine.Zone;
using Xunit;

namespace Cxpa.Engine.Tests.Zone;

/// <summary>The token JSON reader and writer at their edges: only one object, numbers that are not finite, names given twice or null.</summary>
public sealed class ZoneJsonEdgeTests
{
    private static Dictionary<string, object?>? Parse(string json) => ZoneJson.ParseObject(Encoding.UTF8.GetBytes(json));

    [Theory]
    [InlineData("")]
    [InlineData("[]")]
    [InlineData("1")]
    [InlineData("{} {}")]
    [InlineData("{\"a\":1e999}")]
    [InlineData("{\"a\":-1e999}")]
    [InlineData("{\"a\":[1e999]}")]
    [InlineData("{\"a\":{\"b\":1e400}}")]
    public void Anything_but_one_object_of_finite_values_is_no_object(string json) => Assert.Null(Parse(json));

    [Fact]
    public void Values_keep_their_kinds()
    {
        var o = Parse("{\"s\":\"x\",\"i\":5,\"d\":1.5,\"t\":true,\"f\":false,\"n\":null,\"o\":{\"k\":[1,\"y\"]}}")!;
        Assert.Equal("x", o["s"]);
        Assert.Equal(5L, o["i"]);
        Assert.Equal(1.5, o["d"]);
        Assert.Equal(true, o["t"]);
        Assert.Equal(false, o["f"]);
        Assert.Null(o["n"]);
        Assert.True(o.ContainsKey("n"));
        var inner = Assert.IsType<Dictionary<string, object?>>(o["o"]);
        Assert.Equal(new object?[] { 1L, "y" }, Assert.IsAssignableFrom<IEnumerable<object?>>(inner["k"]));
    }

    [Fact]
    public void A_claim_given_twice_or_without_a_name_is_refused()
    {
        var twice = Assert.Throws<ArgumentException>(() => ZoneJson.WriteObject(new[] { new KeyValuePair<string, object?>("sub", "a"), new KeyValuePair<string, object?>("sub", "b") }));
        Assert.Equal("The claim 'sub' is given twice.", twice.Message);
        var unnamed = Assert.Throws<ArgumentException>(() => ZoneJson.WriteObject(new[] { new KeyValuePair<string, object?>(null!, "a") }));
        Assert.Equal("A claim name is null.", unnamed.Message);
        Assert.Equal("{\"a\":1,\"b\":[true,null]}", Encoding.UTF8.GetString(ZoneJson.WriteObject(new[] { new KeyValuePair<string, object?>("a", 1), new KeyValuePair<string, object?>("b", new object?[] { true, null }) })));
    }
}
