using Cxpa.Engine.Downloads;
using Xunit;

namespace Cxpa.Engine.Tests.Downloads;

/// <summary>Content-Disposition read as RFC 6266 parameters, and the characters and names a saved name must not keep.</summary>
public sealed class ContentDispositionTests
{
    [Theory]
    [InlineData("attachment; x=\"filename=evil.exe\"")]
    [InlineData("attachment; xfilename=\"evil.exe\"")]
    [InlineData("attachment; x=\"a; filename=evil.exe\"")]
    [InlineData("attachment; myfilename*=UTF-8''evil.exe")]
    [InlineData("attachment; filenames=evil.exe")]
    [InlineData("attachment; \"filename=evil.exe\"")]
    public void A_filename_inside_another_parameter_gives_no_name(string header)
        => Assert.Null(FileNames.FromContentDisposition(header));

    [Theory]
    [InlineData("attachment; x=\"filename=evil.exe\"; filename=\"good.pdf\"", "good.pdf")]
    [InlineData("attachment; xfilename=\"evil.exe\"; filename=good.pdf", "good.pdf")]
    [InlineData("attachment; title=\"a;b\"; filename=\"good.pdf\"", "good.pdf")]
    [InlineData("attachment; filename=\"semi;colon.pdf\"", "semi;colon.pdf")]
    [InlineData("attachment; FILENAME = \"spaced.pdf\"", "spaced.pdf")]
    [InlineData("attachment; filename=\"first.pdf\"; filename=\"second.pdf\"", "first.pdf")]
    [InlineData("attachment; filename=\"plain.pdf\"; x=\"filename*=UTF-8''evil.exe\"", "plain.pdf")]
    [InlineData("attachment;filename=\"a\\\\b.pdf\"", "b.pdf")]
    [InlineData("attachment; broken; filename=ok.pdf", "ok.pdf")]
    public void Only_a_parameter_named_filename_gives_the_name(string header, string expected)
        => Assert.Equal(expected, FileNames.FromContentDisposition(header));

    [Theory]
    [InlineData("a\u202Ab.txt", "a_b.txt")]
    [InlineData("a\u202Bb.txt", "a_b.txt")]
    [InlineData("a\u202Cb.txt", "a_b.txt")]
    [InlineData("a\u2066b.txt", "a_b.txt")]
    [InlineData("a\u2067b.txt", "a_b.txt")]
    [InlineData("a\u2068b.txt", "a_b.txt")]
    [InlineData("a\u2069b.txt", "a_b.txt")]
    [InlineData("a\u200Eb.txt", "a_b.txt")]
    [InlineData("a\u200Fb.txt", "a_b.txt")]
    [InlineData("a\u061Cb.txt", "a_b.txt")]
    [InlineData("in\u200Bvisible.txt", "invisible.txt")]
    [InlineData("bom\uFEFF.txt", "bom.txt")]
    public void Bidi_controls_are_replaced_and_zero_width_characters_removed(string name, string expected)
        => Assert.Equal(expected, FileNames.Sanitize(name));

    [Theory]
    [InlineData("\u200B")]
    [InlineData("\u200B\u200C\u200D")]
    [InlineData("\u2060\uFEFF")]
    [InlineData("\u200D \u200C")]
    [InlineData("\u200C.\u200D")]
    public void A_name_of_zero_width_characters_only_becomes_download(string name)
        => Assert.Equal("download", FileNames.Sanitize(name));

    [Theory]
    [InlineData("CON .txt", "_CON .txt")]
    [InlineData("con. .txt", "_con. .txt")]
    [InlineData("NUL  .tar.gz", "_NUL  .tar.gz")]
    [InlineData("LPT1 ", "_LPT1")]
    [InlineData("COM3 . .log", "_COM3 . .log")]
    [InlineData("CONTROL.txt", "CONTROL.txt")]
    [InlineData("CON x.txt", "CON x.txt")]
    public void Reserved_device_names_followed_by_spaces_or_dots_are_renamed(string name, string expected)
        => Assert.Equal(expected, FileNames.Sanitize(name));

    [Fact]
    public void An_emoji_joined_by_ZWJ_keeps_its_joiner()
        => Assert.Equal("\U0001F468\u200D\U0001F4BB.txt", FileNames.Sanitize("\U0001F468\u200D\U0001F4BB.txt"));
}
