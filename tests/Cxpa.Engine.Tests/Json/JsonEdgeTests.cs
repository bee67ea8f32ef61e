using System.Collections;
using System.Text.Json;
using Cxpa.Engine.Json;
using Xunit;

namespace Cxpa.Engine.Tests.Json;

/// <summary>
/// The edges of the JSON code: the lenient readers of platform values (numbers as text, 32-bit ranges, booleans, dates,
/// error texts), the kinds named in messages, the key paths a refused answer names, and the one writer's object forms.
/// </summary>
public sealed class JsonEdgeTests
{
    private static JsonElement E(string json) => JsonDocument.Parse(json).RootElement.Clone();

    [Theory]
    [InlineData("5", 5)]
    [InlineData("\"7\"", 7)]
    [InlineData("2147483647", int.MaxValue)]
    [InlineData("-2147483648", int.MinValue)]
    [InlineData("2147483648", null)]
    [InlineData("-2147483649", null)]
    [InlineData("1.5", null)]
    [InlineData("\"x\"", null)]
    [InlineData("true", null)]
    public void Int32_reads_whole_numbers_and_numeric_text_in_range(string json, int? expected)
        => Assert.Equal(expected, JsonRead.Int32(E(json)));

    [Theory]
    [InlineData("9223372036854775807", long.MaxValue)]
    [InlineData("\" 12\"", 12L)]
    [InlineData("\"12x\"", null)]
    [InlineData("null", null)]
    [InlineData("{}", null)]
    public void Int64_reads_numbers_and_integer_text(string json, long? expected)
        => Assert.Equal(expected, JsonRead.Int64(E(json)));

    [Theory]
    [InlineData("253402300800")]
    [InlineData("-62135596801")]
    [InlineData("9223372036854775807")]
    [InlineData("-9223372036854775808")]
    public void Date_outside_what_a_date_can_hold_is_no_date_not_an_exception(string json)
        => Assert.Null(JsonRead.Date(E(json)));

    [Fact]
    public void Member_is_the_value_or_undefined_and_refuses_a_non_object_as_TryGetProperty_does()
    {
        Assert.Equal(7, JsonRead.Member(E("{\"a\":7}"), "a").GetInt32());
        Assert.Equal(JsonValueKind.Null, JsonRead.Member(E("{\"a\":null}"), "a").ValueKind);
        Assert.Equal(JsonValueKind.Undefined, JsonRead.Member(E("{\"a\":7}"), "b").ValueKind);
        Assert.Equal(JsonValueKind.Undefined, JsonRead.Member(E("{\"a\":7}"), "A").ValueKind);
        Assert.Throws<InvalidOperationException>(() => JsonRead.Member(E("[1]"), "a"));
    }

    [Theory]
    [InlineData("true", true)]
    [InlineData("false", false)]
    [InlineData("\"true\"", null)]
    [InlineData("1", null)]
    public void Bool_reads_only_json_booleans(string json, bool? expected) => Assert.Equal(expected, JsonRead.Bool(E(json)));

    [Fact]
    public void Date_reads_text_as_utc_and_numbers_as_unix_seconds()
    {
        Assert.Equal(new DateTimeOffset(2026, 12, 4, 10, 0, 0, TimeSpan.Zero), JsonRead.Date(E("\"2026-12-04T12:00:00+02:00\"")));
        var noZone = JsonRead.Date(E("\"2026-12-04T12:00:00\""));
        Assert.Equal(new DateTimeOffset(2026, 12, 4, 12, 0, 0, TimeSpan.Zero), noZone);
        Assert.Equal(TimeSpan.Zero, noZone!.Value.Offset);
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(1_800_000_000), JsonRead.Date(E("1800000000")));
        Assert.Null(JsonRead.Date(E("\"not a date\"")));
        Assert.Null(JsonRead.Date(E("1.5")));
        Assert.Null(JsonRead.Date(E("true")));
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(253402300799), JsonRead.Date(E("253402300799")));
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(-62135596800), JsonRead.Date(E("-62135596800")));
    }

    [Theory]
    [InlineData("\"boom\"", "boom")]
    [InlineData("{\"message\":\"bad\",\"code\":1}", "bad")]
    [InlineData("{\"message\":5}", "{\"message\":5}")]
    [InlineData("{\"code\":1}", "{\"code\":1}")]
    [InlineData("null", null)]
    [InlineData("42", "42")]
    public void ErrorText_is_the_text_or_an_objects_message_else_the_raw_json(string json, string? expected)
        => Assert.Equal(expected, JsonRead.ErrorText(E(json)));

    [Theory]
    [InlineData("[1]", "an array")]
    [InlineData("\"s\"", "a string")]
    [InlineData("1", "a number")]
    [InlineData("true", "a boolean")]
    [InlineData("false", "a boolean")]
    [InlineData("null", "null")]
    public void Json_text_that_is_not_an_object_is_refused_naming_what_it_is(string text, string kind)
    {
        var ex = Assert.Throws<ArgumentException>(() => new JsonText(text));
        Assert.Equal($"The JSON text must be an object ({{...}}), not {kind}.", ex.Message);
        Assert.Equal("text", Assert.Throws<ArgumentNullException>(() => new JsonText(null!)).ParamName);
        Assert.StartsWith("The text is not valid JSON: ", Assert.Throws<ArgumentException>(() => new JsonText("{")).Message);
        Assert.Equal("{\"a\":1}", new JsonText("{\"a\":1}").ToString());
    }

    [Theory]
    [InlineData("ok_key-1", "$.ok_key-1.x")]
    [InlineData("_", "$._.x")]
    [InlineData("-", "$.-.x")]
    [InlineData("bad key", "$.?.x")]
    [InlineData("caf\u00e9", "$.?.x")]
    [InlineData("", "$.?.x")]
    public void A_string_that_is_not_text_is_named_by_its_path_with_unplain_keys_hidden(string key, string path)
    {
        var json = "{" + JsonSerializer.Serialize(key) + ":{\"x\":\"\\ud800\"}}";
        var ex = Assert.Throws<UnreadableAnswerException>(() => JsonTree.CheckAnswer(E(json), DictionaryObjectFactory.Instance));
        Assert.Equal($"the string at {path} is not text (a lone surrogate or invalid UTF-8).", ex.Message);
    }

    [Fact]
    public void A_key_of_64_characters_is_shown_and_one_of_65_is_not()
    {
        foreach (var (length, shown) in new[] { (64, true), (65, false) })
        {
            var key = new string('k', length);
            var ex = Assert.Throws<UnreadableAnswerException>(() => JsonTree.CheckAnswer(E("{\"" + key + "\":[\"\\udfff\"]}"), DictionaryObjectFactory.Instance));
            Assert.Equal(shown ? $"the string at $.{key}[0] is not text (a lone surrogate or invalid UTF-8)." : "the string at $.?[0] is not text (a lone surrogate or invalid UTF-8).", ex.Message);
        }
        Assert.Equal("factory", Assert.Throws<ArgumentNullException>(() => JsonTree.CheckAnswer(E("{}"), null!)).ParamName);
    }

    [Fact]
    public void The_writer_takes_pairs_json_elements_documents_and_any_dictionary()
    {
        var pairs = new List<KeyValuePair<string, object?>>
        {
            new("a", new List<KeyValuePair<string, object?>> { new("b", 1), new("c", false) }),
            new("d", null),
        };
        Assert.Equal("{\"a\":{\"b\":1,\"c\":false},\"d\":null}", JsonTree.SerializeToString(pairs));
        Assert.Equal("{\"e\":[1,{\"f\":2}]}", JsonTree.SerializeToString(new Dictionary<string, object?> { ["e"] = E("[1,{\"f\":2}]") }));
        using var doc = JsonDocument.Parse("{\"g\":true}");
        Assert.Equal("[{\"g\":true}]", JsonTree.SerializeToString(new object[] { doc }));
        Assert.Equal("{\"1\":\"x\"}", JsonTree.SerializeToString(new Hashtable { [1] = "x" }));
        Assert.Equal(false, JsonTree.Parse("false"));
        Assert.Equal(true, JsonTree.Parse("true"));
    }
}
