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
}
