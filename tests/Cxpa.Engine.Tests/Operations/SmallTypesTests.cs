using System.Security;
using System.Text.Json;
using Cxpa.Engine.Json;
using Cxpa.Engine.Models;
using Cxpa.Engine.Operations;
using Cxpa.Engine.Zone;
using Xunit;

namespace Cxpa.Engine.Tests.Operations;

/// <summary>The small types at their edges: the defaults of the models, what a What-if text says of a body, run rows that are not objects, and secrets.</summary>
public sealed class SmallTypesTests
{
    [Fact]
    public void Models_start_with_empty_text_never_null()
    {
        Assert.Equal("", new CredentialData().Type);
        Assert.Empty(new CredentialData().Fields);
        Assert.Equal("", new DownloadedFile().Path);
        Assert.Equal("", new RegisteredRun().ExternalRunId);
        Assert.Equal("", new ZoneTokenDescriptor().Audience);
        Assert.Equal("", new ZoneTokenValidationResult().Message);
    }

    [Fact]
    public void A_body_is_summarized_by_its_first_eight_key_names_never_its_values()
    {
        Dictionary<string, object?> Keys(int n) => Enumerable.Range(1, n).ToDictionary(i => "k" + i, i => (object?)("v" + i));
        Assert.Equal("no input", InputSummary.Of(null));
        Assert.Equal("an empty object", InputSummary.Of(new Dictionary<string, object?>()));
        Assert.Equal("an object with keys k1, k2, k3, k4, k5, k6, k7, k8 (values not shown)", InputSummary.Of(Keys(8)));
        Assert.Equal("an object with keys k1, k2, k3, k4, k5, k6, k7, k8, … (9 keys) (values not shown)", InputSummary.Of(Keys(9)));
        Assert.Equal("an object with keys a, b (values not shown)", InputSummary.Of(new JsonText("{\"a\":\"secret\",\"b\":2}")));
        Assert.Equal("an empty object", InputSummary.Of(new JsonText("{}")));
        Assert.Equal("Int32", InputSummary.Of(5));
    }

    [Fact]
    public void A_run_row_must_be_an_object_and_a_trigger_answer_may_name_the_run_id_or_id()
    {
        using var doc = JsonDocument.Parse("[1]");
        Assert.Equal("A run row must be a JSON object.", Assert.Throws<JsonException>(() => RunReader.FromJson(doc.RootElement, DictionaryObjectFactory.Instance)).Message);
        using var byId = JsonDocument.Parse("{\"id\":\"55\",\"status\":\"queued\"}");
        var run = RunReader.FromTriggerAnswer(byId.RootElement, 42, null, DictionaryObjectFactory.Instance);
        Assert.Equal(55, run.RunId);
        Assert.Equal("queued", run.Status);
        using var both = JsonDocument.Parse("{\"runId\":56,\"id\":1}");
        Assert.Equal(56, RunReader.FromTriggerAnswer(both.RootElement, 42, null, DictionaryObjectFactory.Instance).RunId);
        using var bad = JsonDocument.Parse("{\"id\":\"x\"}");
        Assert.Equal(0, RunReader.FromTriggerAnswer(bad.RootElement, 42, null, DictionaryObjectFactory.Instance).RunId);
    }

    [Fact]
    public void A_secret_needs_a_value_is_read_only_and_reveals_only_on_request()
    {
        Assert.Equal("value", Assert.Throws<ArgumentNullException>(() => Secret.FromString(null!)).ParamName);
        Assert.Equal("value", Assert.Throws<ArgumentNullException>(() => Secret.FromSecureString(null!)).ParamName);
        var s = Secret.FromString("abc");
        Assert.Equal(3, s.Length);
        Assert.Equal("abc", s.Reveal());
        Assert.True(s.ToSecureString().Length == 3);
        var ss = new SecureString();
        ss.AppendChar('x');
        var copy = Secret.FromSecureString(ss);
        ss.AppendChar('y');
        Assert.Equal("x", copy.Reveal());
        Assert.Equal("", Secret.FromString("").Reveal());
    }

    [Theory]
    [InlineData("")]
    [InlineData("a")]
    [InlineData("with\0nul and \uD83D\uDE00 a pair, é")]
    [InlineData(null)] // a zone-token-sized text, made below
    public void Text_becomes_a_read_only_SecureString_with_every_character_as_given(string? text)
    {
        text ??= new string('t', 4096) + "." + new string('u', 250);
        var secret = Secret.FromString(text);
        Assert.Equal(text.Length, secret.Length);
        Assert.Equal(text, secret.Reveal());
        var copy = secret.ToSecureString();
        Assert.Equal(text.Length, copy.Length);
    }
}
