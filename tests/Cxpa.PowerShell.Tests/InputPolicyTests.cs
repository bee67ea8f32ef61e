using System.Collections;
using System.Collections.Specialized;
using System.Diagnostics;
using System.Management.Automation;
using System.Numerics;
using System.Reflection;
using System.Runtime.Loader;

namespace Cxpa.PowerShell.Tests;

/// <summary>
/// The input policy of -InputObject, -Metadata and -Output, through the module's own InputConverter (loaded by importing the
/// staged module, in its load context) and the engine's JsonTree that writes the request body: plain data becomes the
/// expected JSON; anything else, at any depth, is refused with its path and type.
/// </summary>
public sealed class InputPolicyTests
{
    private static readonly Lazy<(MethodInfo ToObject, MethodInfo ToValue, MethodInfo Serialize)> Api = new(() =>
    {
        var r = PowerShellHost.Run("(Get-Command Start-CxpaRun).ImplementingType.Assembly");
        Assert.Null(r.Thrown);
        var cmdlets = (Assembly)r.Single().BaseObject;
        var converter = cmdlets.GetType("Cxpa.PowerShell.Internal.InputConverter", throwOnError: true)!;
        var engine = AssemblyLoadContext.GetLoadContext(cmdlets)!.LoadFromAssemblyName(cmdlets.GetReferencedAssemblies().Single(a => a.Name == "Cxpa.Engine"));
        var tree = engine.GetType("Cxpa.Engine.Json.JsonTree", throwOnError: true)!;
        return (converter.GetMethod("ToJsonObject")!, converter.GetMethod("ToJsonValue")!, tree.GetMethod("SerializeToString")!);
    });

    private static object? Invoke(MethodInfo m, params object?[] args)
    {
        try { return m.Invoke(null, args); }
        catch (TargetInvocationException ex) when (ex.InnerException != null) { throw ex.InnerException; }
    }

    /// <summary>The JSON body field a value becomes: -InputObject/-Metadata take an object, -Output any value.</summary>
    private static string Json(object? value, string parameter = "InputObject")
    {
        var plain = Invoke(parameter == "Output" ? Api.Value.ToValue : Api.Value.ToObject, value, parameter);
        return (string)Invoke(Api.Value.Serialize, plain)!;
    }

    private static (string Message, string Path) Refused(object? value, string parameter = "InputObject")
    {
        var ex = Assert.ThrowsAny<ArgumentException>(() => Json(value, parameter));
        Assert.Equal("InputPolicyException", ex.GetType().Name);
        return (ex.Message, (string)ex.GetType().GetProperty("Path")!.GetValue(ex)!);
    }

    private static OrderedDictionary Ordered(params (object Key, object? Value)[] entries)
    {
        var d = new OrderedDictionary();
        foreach (var (k, v) in entries) d.Add(k, v);
        return d;
    }

    private static PSObject Custom(params (string Name, object? Value)[] props)
    {
        var o = new PSObject();
        foreach (var (n, v) in props) o.Properties.Add(new PSNoteProperty(n, v));
        return o;
    }

    /// <summary>n dictionaries nested under key "a", the innermost holding a = 1 (a value n levels down).</summary>
    private static Hashtable Nest(int n)
    {
        var h = new Hashtable { ["a"] = 1 };
        for (var i = 1; i < n; i++) h = new Hashtable { ["a"] = h };
        return h;
    }

    public sealed class Widget
    {
        public int Size { get; set; } = 3;
        public string Name { get; set; } = "w";
    }

    public enum Color { Red = 1, Green = 2 }

    // ---- accepted ----

    [Fact]
    public void Every_plain_scalar_type_becomes_its_documented_JSON()
    {
        var input = Ordered(
            ("s", "text"), ("c", 'x'), ("t", true), ("f", false), ("n", null),
            ("i8", (sbyte)-8), ("u8", (byte)8), ("i16", (short)-16), ("u16", (ushort)16), ("i32", -32), ("u32", 32u),
            ("i64", long.MinValue), ("u64", ulong.MaxValue), ("big", BigInteger.Pow(2, 70)),
            ("f32", 1.5f), ("f64", 0.1), ("dec", 1.10m),
            ("dt", new DateTime(2026, 1, 2, 3, 4, 5, DateTimeKind.Utc)),
            ("dto", new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.FromHours(2))),
            ("g", new Guid("0f8fad5b-d9cb-469f-a165-70867728950e")),
            ("e", Color.Green), ("flags", FileAttributes.ReadOnly | FileAttributes.Hidden),
            ("ts", new TimeSpan(1, 2, 3, 4, 500)), ("u", new Uri("https://example.com/a?b=1")));
        // The writer escapes + as \u002B (any JSON reader decodes it): the offset is +02:00.
        Assert.Equal(
            "{\"s\":\"text\",\"c\":\"x\",\"t\":true,\"f\":false,\"n\":null,"
            + "\"i8\":-8,\"u8\":8,\"i16\":-16,\"u16\":16,\"i32\":-32,\"u32\":32,"
            + "\"i64\":-9223372036854775808,\"u64\":18446744073709551615,\"big\":1180591620717411303424,"
            + "\"f32\":1.5,\"f64\":0.1,\"dec\":1.10,"
            + "\"dt\":\"2026-01-02T03:04:05.0000000Z\",\"dto\":\"2026-01-02T03:04:05.0000000\\u002B02:00\","
            + "\"g\":\"0f8fad5b-d9cb-469f-a165-70867728950e\",\"e\":\"Green\",\"flags\":\"ReadOnly, Hidden\","
            + "\"ts\":\"1.02:03:04.5000000\",\"u\":\"https://example.com/a?b=1\"}",
            Json(input));
    }

    [Fact]
    public void Dictionaries_custom_objects_and_every_kind_of_list_nest()
    {
        var input = Ordered(
            ("arr", new object?[] { 1, "two", null, new object[] { 3, new[] { 4, 5 } } }),
            ("list", new List<string> { "a", "b" }),
            ("al", new ArrayList { 1.5, true }),
            ("dict", new Dictionary<string, int> { ["k"] = 7 }),
            ("ht", new Hashtable { ["only"] = Custom(("deep", new[] { Ordered(("x", 1)) })) }),
            ("obj", Custom(("name", "n"), ("when", new DateTime(2026, 5, 6, 0, 0, 0, DateTimeKind.Utc)))),
            ("empty", new object[0]),
            ("bytes", new byte[] { 1, 2 }));
        Assert.Equal(
            "{\"arr\":[1,\"two\",null,[3,[4,5]]],\"list\":[\"a\",\"b\"],\"al\":[1.5,true],\"dict\":{\"k\":7},"
            + "\"ht\":{\"only\":{\"deep\":[{\"x\":1}]}},\"obj\":{\"name\":\"n\",\"when\":\"2026-05-06T00:00:00.0000000Z\"},"
            + "\"empty\":[],\"bytes\":[1,2]}",
            Json(input));
    }

    [Fact]
    public void A_PSObject_around_a_plain_value_is_unwrapped_and_its_note_properties_are_not_sent()
    {
        var dated = PSObject.AsPSObject(new DateTime(2026, 3, 4, 5, 6, 7, DateTimeKind.Utc));
        dated.Properties.Add(new PSNoteProperty("DisplayHint", "DateTime")); // what Get-Date adds
        var line = PSObject.AsPSObject("a line");
        line.Properties.Add(new PSNoteProperty("PSPath", "C:\\file.txt")); // what Get-Content adds
        line.Properties.Add(new PSNoteProperty("ReadCount", 1));
        var input = Ordered(("five", PSObject.AsPSObject(5)), ("date", dated), ("line", line),
            ("list", PSObject.AsPSObject(new object[] { PSObject.AsPSObject("x") })), ("ht", PSObject.AsPSObject(new Hashtable { ["k"] = PSObject.AsPSObject(true) })));
        Assert.Equal("{\"five\":5,\"date\":\"2026-03-04T05:06:07.0000000Z\",\"line\":\"a line\",\"list\":[\"x\"],\"ht\":{\"k\":true}}", Json(input));
    }

    [Fact]
    public void JSON_text_stays_JSON_where_documented_and_text_elsewhere()
    {
        Assert.Equal("{\"a\":[1,2]}", Json("{\"a\":[1,2]}"));
        Assert.Equal("{\"a\":1}", Json(PSObject.AsPSObject("{\"a\":1}"), "Metadata"));
        Assert.Equal("{\"b\":true}", Json("{\"b\":true}", "Output"));
        Assert.Equal("\"{not json\"", Json("{not json", "Output"));
        Assert.Equal("\"plain\"", Json("plain", "Output"));
        Assert.Equal("[1,\"x\"]", Json(new object[] { 1, "x" }, "Output"));
        Assert.Equal("{\"s\":\"{\\u0022a\\u0022:1}\"}", Json(new Hashtable { ["s"] = "{\"a\":1}" })); // nested text is text
        Assert.Equal("null", Json(null, "Output"));
    }

    [Fact]
    public void The_same_dictionary_twice_side_by_side_is_not_a_cycle()
    {
        var shared = new Hashtable { ["v"] = 1 };
        Assert.Equal("{\"a\":{\"v\":1},\"b\":[{\"v\":1},{\"v\":1}]}", Json(Ordered(("a", shared), ("b", new[] { shared, shared }))));
    }

    [Fact]
    public void Nesting_of_exactly_the_limit_is_sent()
    {
        var json = Json(Nest(64));
        Assert.EndsWith("{\"a\":1" + new string('}', 64), json);
    }

    // ---- refused ----

    public static TheoryData<string, string> NotPlain => new()
    {
        { "process", "System.Diagnostics.Process" },
        { "file", "System.IO.FileInfo" },
        { "scriptblock", "System.Management.Automation.ScriptBlock" },
        { "widget", "Cxpa.PowerShell.Tests.InputPolicyTests+Widget" },
        { "wrapped-process", "System.Diagnostics.Process" },
    };

    private static object Make(string kind) => kind switch
    {
        "process" => Process.GetCurrentProcess(),
        "file" => new FileInfo(typeof(InputPolicyTests).Assembly.Location),
        "scriptblock" => ScriptBlock.Create("Get-Date"),
        "widget" => new Widget(),
        "wrapped-process" => PSObject.AsPSObject(Process.GetCurrentProcess()),
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    [Theory]
    [MemberData(nameof(NotPlain))]
    public void A_non_plain_object_at_depth_1_of_a_dictionary_is_refused_with_its_path_and_type(string kind, string type)
    {
        var (message, path) = Refused(new Hashtable { ["p"] = Make(kind) });
        Assert.Equal("input.p", path);
        Assert.Equal($"-InputObject: input.p: {type} is not plain data (use a hashtable or [pscustomobject] with the fields to send).", message);
    }

    [Theory]
    [MemberData(nameof(NotPlain))]
    public void A_non_plain_object_at_depth_5_of_dictionaries_and_custom_objects_is_refused_with_its_path(string kind, string type)
    {
        var input = new Hashtable { ["a"] = Custom(("b", new Hashtable { ["c d"] = new Dictionary<string, object> { ["e"] = new Hashtable { ["p"] = Make(kind) } } })) };
        var (message, path) = Refused(input, "Metadata");
        Assert.Equal("metadata.a.b['c d'].e.p", path);
        Assert.Equal($"-Metadata: metadata.a.b['c d'].e.p: {type} is not plain data (use a hashtable or [pscustomobject] with the fields to send).", message);
    }

    [Theory]
    [MemberData(nameof(NotPlain))]
    public void A_non_plain_object_in_arrays_is_refused_with_its_index_path(string kind, string type)
    {
        var (m1, p1) = Refused(new object[] { 1, Make(kind) }, "Output");
        Assert.Equal("output[1]", p1);
        Assert.StartsWith($"-Output: output[1]: {type} is not plain data", m1);
        var (m5, p5) = Refused(new object[] { new object[] { new List<object> { new ArrayList { new object[] { "x", "y", Make(kind) } } } } }, "Output");
        Assert.Equal("output[0][0][0][0][2]", p5);
        Assert.StartsWith($"-Output: output[0][0][0][0][2]: {type} is not plain data", m5);
        var (_, mixed) = Refused(new Hashtable { ["items"] = new object[] { 1, 2, Custom(("p", Make(kind))) } });
        Assert.Equal("input.items[2].p", mixed);
    }

    [Fact]
    public void A_non_plain_object_at_the_top_is_refused_with_the_root_as_path()
    {
        var (message, path) = Refused(Process.GetCurrentProcess());
        Assert.Equal("input", path);
        Assert.Equal("-InputObject: input: System.Diagnostics.Process is not plain data (use a hashtable or [pscustomobject] with the fields to send).", message);
        var (m2, p2) = Refused(new Widget(), "Output");
        Assert.Equal("output", p2);
        Assert.StartsWith("-Output: output: Cxpa.PowerShell.Tests.InputPolicyTests+Widget is not plain data", m2);
    }

    [Fact]
    public void A_scalar_or_array_where_an_object_is_needed_says_what_is_needed()
    {
        var (message, path) = Refused(42, "Metadata");
        Assert.Equal("metadata", path);
        Assert.Equal("-Metadata must be a hashtable, a PSCustomObject or JSON text of an object, not System.Int32.", message);
        Assert.StartsWith("-InputObject: The JSON text must be an object", Refused("[1,2]").Message);
    }

    [Fact]
    public void Keys_that_are_the_same_JSON_name_are_refused_naming_both()
    {
        var (message, path) = Refused(Ordered((1, "a"), ("1", "b")));
        Assert.Equal("input", path);
        Assert.Equal("-InputObject: input: the keys 1 (System.Int32) and '1' (System.String) are both the JSON name \"1\"; keep one.", message);

        var (m2, p2) = Refused(new Hashtable { ["x"] = Ordered(('a', 1), ("a", 2)) }, "Output");
        Assert.Equal("output.x", p2);
        Assert.Equal("-Output: output.x: the keys a (System.Char) and 'a' (System.String) are both the JSON name \"a\"; keep one.", m2);

        // A Hashtable's order is its own: both keys are named whichever comes first.
        var (m3, _) = Refused(new Hashtable { [1L] = "a", ["1"] = "b" });
        Assert.Contains("1 (System.Int64)", m3);
        Assert.Contains("'1' (System.String)", m3);
    }

    [Fact]
    public void Keys_that_are_not_text_or_whole_numbers_are_refused()
    {
        var (message, path) = Refused(new Hashtable { ["m"] = new Hashtable { [1.5] = "x" } });
        Assert.Equal("input.m", path);
        Assert.Equal("-InputObject: input.m: a key of type System.Double is not text or a whole number; use text keys.", message);
    }

    [Fact]
    public void Nesting_past_the_limit_names_the_shortened_path()
    {
        var (message, path) = Refused(Nest(65));
        Assert.Equal("input.a.a.a … .a.a.a", path);
        Assert.Equal("-InputObject: input.a.a.a … .a.a.a is nested deeper than 64 levels; send a flatter value.", message);
    }

    [Fact]
    public void A_dictionary_a_list_or_a_custom_object_that_contains_itself_is_a_cycle_not_a_stack_overflow()
    {
        var h = new Hashtable { ["name"] = "loop" };
        h["self"] = h;
        var (m1, p1) = Refused(h, "Output");
        Assert.Equal("output.self", p1);
        Assert.Equal("-Output: output.self contains itself (a cycle); send a copy without the loop.", m1);

        var l = new ArrayList { 1 };
        l.Add(new Hashtable { ["back"] = l });
        Assert.Equal("output[1].back", Refused(l, "Output").Path);

        var o = Custom(("n", 1));
        o.Properties.Add(new PSNoteProperty("me", new object[] { o }));
        Assert.Equal("input.me[0]", Refused(o).Path);
    }

    [Fact]
    public void NaN_and_infinity_are_refused_not_sent_as_null()
    {
        var (message, path) = Refused(new Hashtable { ["x"] = new object[] { double.NaN } });
        Assert.Equal("input.x[0]", path);
        Assert.Equal("-InputObject: input.x[0]: NaN has no JSON form (send null or text).", message);
        Assert.Equal("output.y", Refused(new Hashtable { ["y"] = float.PositiveInfinity }, "Output").Path);
    }

    [Fact]
    public void A_SecureString_is_refused_with_its_path_and_never_its_value()
    {
        using var secret = new System.Security.SecureString();
        foreach (var c in "hidden-value") secret.AppendChar(c);
        var (message, path) = Refused(new Hashtable { ["creds"] = new Hashtable { ["password"] = secret } });
        Assert.Equal("input.creds.password", path);
        Assert.StartsWith("-InputObject: input.creds.password: a SecureString cannot be sent as JSON", message);
        Assert.DoesNotContain("hidden-value", message);
    }
}
