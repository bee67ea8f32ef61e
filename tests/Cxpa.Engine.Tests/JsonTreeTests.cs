using System.Collections;
using System.Text;
using Cxpa.Engine.Json;
using Cxpa.Engine.Zone;
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

    private static string Claim(object? value) =>
        Encoding.UTF8.GetString(ZoneJson.WriteObject(new Dictionary<string, object?> { ["c"] = value }));

    public static TheoryData<object?, string, string> SharedScalars() => new()
    {
        { "t\u00e9xt\"", "\"t\\u00E9xt\\u0022\"", "{\"c\":\"t\\u00E9xt\\u0022\"}" },
        { 'x', "\"x\"", "{\"c\":\"x\"}" },
        { (byte)7, "7", "{\"c\":7}" },
        { ulong.MaxValue, "18446744073709551615", "{\"c\":18446744073709551615}" },
        { 1.5m, "1.5", "{\"c\":1.5}" },
        { new DateTime(2026, 1, 2, 3, 4, 5, DateTimeKind.Utc), "\"2026-01-02T03:04:05.0000000Z\"", "{\"c\":\"2026-01-02T03:04:05.0000000Z\"}" },
        { DayOfWeek.Monday, "\"Monday\"", "{\"c\":\"Monday\"}" },
        { new List<object?> { 1L, null, true }, "[1,null,true]", "{\"c\":[1,null,true]}" },
    };

    [Theory]
    [MemberData(nameof(SharedScalars))]
    public void Bodies_and_claims_write_plain_values_alike(object? value, string body, string claims)
    {
        Assert.Equal(body, JsonTree.SerializeToString(value));
        Assert.Equal(claims, Claim(value));
    }

    [Fact]
    public void Bodies_are_lenient_where_claims_refuse()
    {
        Assert.Equal("null", JsonTree.SerializeToString(double.NaN));
        Assert.Equal("{\"1\":2}", JsonTree.SerializeToString(new Hashtable { [1] = 2 }));
        Assert.Equal("\"http://x.test/a b\"", JsonTree.SerializeToString(new Uri("http://x.test/a b")));
        Assert.Equal("\"1.02:03:04\"", JsonTree.SerializeToString(new TimeSpan(1, 2, 3, 4)));
        Assert.Equal("{\"a\":1}", JsonTree.SerializeToString(new JsonText("{\"a\":1}")));
        Assert.Equal("\"System.Object\"", JsonTree.SerializeToString(new object()));

        Assert.Equal("The claim 'c' is not a finite number.", Assert.Throws<ArgumentException>(() => Claim(double.NaN)).Message);
        Assert.Equal("The claim 'c' is not a finite number.", Assert.Throws<ArgumentException>(() => Claim(float.PositiveInfinity)).Message);
        Assert.Equal("The claim 'c' holds a dictionary with a key that is not a string.", Assert.Throws<ArgumentException>(() => Claim(new Hashtable { [1] = 2 })).Message);
        foreach (var v in new object[] { new Uri("http://x.test/"), TimeSpan.Zero, new JsonText("{}"), new System.Numerics.BigInteger(5), new object() })
            Assert.StartsWith($"The claim 'c' has a value of type {v.GetType().FullName}, which is not a plain JSON value", Assert.Throws<ArgumentException>(() => Claim(v)).Message);
    }

    [Fact]
    public void A_float_is_widened_in_bodies_and_kept_short_in_claims()
    {
        Assert.Equal("0.10000000149011612", JsonTree.SerializeToString(0.1f));
        Assert.Equal("{\"c\":0.1}", Claim(0.1f));
    }

    [Fact]
    public void Nesting_limits_name_their_subject()
    {
        object deep = 1L;
        for (var i = 0; i < JsonTree.MaxDepth + 1; i++) deep = new List<object?> { deep };
        Assert.Equal($"The value is nested deeper than {JsonTree.MaxDepth} levels (or refers to itself).", Assert.Throws<ArgumentException>(() => JsonTree.Serialize(deep)).Message);
        Assert.Equal($"The claim 'c' is nested deeper than {JsonTree.MaxDepth} levels (a cycle?).", Assert.Throws<ArgumentException>(() => Claim(deep)).Message);
    }

    [Fact]
    public void IsScalar_is_what_the_writer_writes_by_type()
    {
        foreach (var v in new object[] { "s", 'c', true, 1, 1L, ulong.MaxValue, 1.5f, double.NaN, 2m, new System.Numerics.BigInteger(3),
                     DateTime.UnixEpoch, DateTimeOffset.UnixEpoch, Guid.Empty, new Uri("http://x.test/"), TimeSpan.Zero, DayOfWeek.Friday, new JsonText("{}") })
            Assert.True(JsonTree.IsScalar(v), v.GetType().FullName);
        foreach (var v in new object?[] { null, new object(), new List<int>(), new Hashtable(), new int[0] })
            Assert.False(JsonTree.IsScalar(v), v?.GetType().FullName ?? "null");
    }
}
