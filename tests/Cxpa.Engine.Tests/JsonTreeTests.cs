using System.Collections;
using Cxpa.Engine.Json;
using Xunit;

namespace Cxpa.Engine.Tests;

public sealed class JsonTreeTests
{
    [Fact]
    public void Round_trips_plain_values()
    {
        var value = new Dictionary<string, object?>
        {
            ["s"] = "x", ["i"] = 42, ["l"] = long.MaxValue, ["d"] = 1.5, ["m"] = 2.25m, ["b"] = true, ["n"] = null,
            ["a"] = new object?[] { 1, "two", new Hashtable { ["k"] = "v" } },
            ["g"] = Guid.Empty, ["t"] = new DateTimeOffset(2026, 11, 23, 10, 0, 0, TimeSpan.Zero),
        };
        var json = JsonTree.SerializeToString(value);
        var back = (Dictionary<string, object?>)JsonTree.Parse(json)!;
        Assert.Equal("x", back["s"]);
        Assert.Equal(42L, back["i"]);
        Assert.Equal(long.MaxValue, back["l"]);
        Assert.Equal(1.5m, back["d"]);
        Assert.Equal(true, back["b"]);
        Assert.Null(back["n"]);
        var arr = (object?[])back["a"]!;
        Assert.Equal("two", arr[1]);
        Assert.Equal("v", ((Dictionary<string, object?>)arr[2]!)["k"]);
        Assert.Equal("00000000-0000-0000-0000-000000000000", back["g"]);
        Assert.Equal("2026-11-23T10:00:00.0000000+00:00", back["t"]);
    }

    [Fact]
    public void Self_reference_is_an_argument_error_not_a_stack_overflow()
    {
        var h = new Hashtable();
        h["self"] = h;
        Assert.Throws<ArgumentException>(() => JsonTree.Serialize(h));
    }

    [Theory]
    [InlineData("{\"a\":1}", true)]
    [InlineData("  { }  ", true)]
    [InlineData("[1]", false)]
    [InlineData("\"s\"", false)]
    [InlineData("{", false)]
    [InlineData("nope", false)]
    public void JsonText_accepts_only_an_object(string text, bool ok)
    {
        if (ok) Assert.Equal(text, new JsonText(text).Text);
        else Assert.Throws<ArgumentException>(() => new JsonText(text));
    }

    [Fact]
    public void Secret_never_prints_itself()
    {
        var s = Secret.FromString("top-secret-value");
        Assert.Equal("********", s.ToString());
        Assert.Equal("top-secret-value", s.Reveal());
        Assert.Equal(16, s.Length);
    }
}
