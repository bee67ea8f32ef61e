using System.Text;
using Cxpa.Engine.Downloads;
using Xunit;

namespace Cxpa.Engine.Tests.Downloads;

/// <summary>The edges of FileNames: RFC 5987 decoding, where a name is cut, which extension is kept, the folder check.</summary>
public sealed class FileNamesRulesTests
{
    [Theory]
    [InlineData("attachment; filename*=UTF-8''a%4", "a%4")]
    [InlineData("attachment; filename*=UTF-8''a%zz.txt", "a%zz.txt")]
    [InlineData("attachment; filename*=UTF-8''%FF%FE.txt; filename=\"fallback.txt\"", "fallback.txt")]
    [InlineData("attachment; filename*=iso-8859-1''caf%E9.txt", "café.txt")]
    [InlineData("attachment; filename*=UTF-8'only-two-parts.txt; filename=\"fb.txt\"", "fb.txt")]
    [InlineData("attachment; filename=\"a\\\"b.txt\"", "a_b.txt")]
    [InlineData("attachment; filename=\"/etc.txt\"", "etc.txt")]
    [InlineData("attachment; filename=\"x\u202Dy.txt\"", "x_y.txt")]
    public void Edge_headers_give_safe_names(string header, string expected)
        => Assert.Equal(expected, FileNames.FromContentDisposition(header));

    [Fact]
    public void Fit_needs_a_name_and_keeps_one_that_fits_exactly()
    {
        Assert.Throws<ArgumentNullException>(() => FileNames.Fit(null!));
        var bytes255 = new string('a', 254) + ".";
        Assert.Equal(bytes255, FileNames.Fit(bytes255));
        var chars200 = new string('a', 199) + ".";
        Assert.Equal(chars200, FileNames.Fit(chars200, 255, 200));
        Assert.Equal(new string('a', 255), FileNames.Fit(new string('a', 255) + "b"));
    }

    [Fact]
    public void A_cut_keeps_an_extension_up_to_32_bytes_and_drops_a_longer_one()
    {
        var ext32 = "." + new string('e', 31);
        var kept = FileNames.Fit(new string('a', 300) + ext32);
        Assert.Equal(new string('a', 255 - 32) + ext32, kept);
        var ext33 = "." + new string('e', 32);
        Assert.Equal(new string('a', 255), FileNames.Fit(new string('a', 300) + ext33));
    }

    [Fact]
    public void A_cut_by_characters_keeps_the_extension_only_when_it_is_at_most_half_the_room()
    {
        Assert.Equal("abcd.xyz", FileNames.Fit("abcdefgh.xyz", 255, 8));
        Assert.Equal("abcdefg", FileNames.Fit("abcdefgh.xyz", 255, 7));
    }

    [Fact]
    public void A_name_of_dots_only_becomes_download()
    {
        Assert.Equal("download", FileNames.Fit(new string('.', 300)));
        Assert.Equal(255, Encoding.UTF8.GetByteCount(FileNames.Fit(new string('a', 300) + ".pdf")));
    }

    [Fact]
    public void A_sibling_folder_that_shares_the_prefix_is_outside()
    {
        var root = Path.Combine(Path.GetTempPath(), "cxpa-mutdl-inside");
        var ex = Assert.Throws<CxpaDownloadException>(() => FileNames.CombineInside(root, "../cxpa-mutdl-inside-sibling/a.pdf"));
        Assert.Equal($"The file name '../cxpa-mutdl-inside-sibling/a.pdf' does not stay inside '{root}'.", ex.Message);
        Assert.Equal(Path.Combine(root, "a.pdf"), FileNames.CombineInside(root + Path.DirectorySeparatorChar, "a.pdf"));
        Assert.Throws<CxpaDownloadException>(() => FileNames.CombineInside(root, "."));
    }

    [Theory]
    [InlineData("report.pdf", "attachment; filename=\"report.pdf\"; filename*=UTF-8''report.pdf")]
    [InlineData("Az09 %~!#$&+-.^_`.txt", "attachment; filename=\"Az09 _~!#$&+-.^_`.txt\"; filename*=UTF-8''Az09%20%25~!#$&+-.^_`.txt")]
    [InlineData("caf\u00e9 \u20ac.pdf", "attachment; filename=\"caf_ _.pdf\"; filename*=UTF-8''caf%C3%A9%20%E2%82%AC.pdf")]
    [InlineData("a\"b=c;d'e@f(g).csv", "attachment; filename=\"a_b=c;d'e@f(g).csv\"; filename*=UTF-8''a_b%3Dc%3Bd%27e%40f%28g%29.csv")]
    [InlineData("x\r\ny.pdf", "attachment; filename=\"x__y.pdf\"; filename*=UTF-8''x__y.pdf")]
    public void An_attachment_header_has_an_ascii_fallback_and_the_utf8_name_percent_encoded(string name, string header)
        => Assert.Equal(header, FileNames.AttachmentHeader(name));

    [Fact]
    public void A_header_value_loses_every_control_character_and_null_stays_null()
    {
        Assert.Null(FileNames.HeaderSafe(null));
        Assert.Equal("ab cd", FileNames.HeaderSafe("a\r\nb \tc\u0085d\u007f"));
        Assert.Equal("text/plain; charset=\u00e9", FileNames.HeaderSafe("text/plain; charset=\u00e9"));
    }

    [Fact]
    public void A_free_name_next_to_a_bare_file_name_stays_in_the_current_folder()
    {
        var name = "cxpa-free-" + Guid.NewGuid().ToString("N") + ".txt";
        Assert.Equal(Path.GetFileNameWithoutExtension(name) + " (1).txt", FileNames.FreeName(name));
    }
}
