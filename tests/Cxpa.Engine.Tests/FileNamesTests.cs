using System.Text;
using Cxpa.Engine.Downloads;
using Xunit;

namespace Cxpa.Engine.Tests;

public sealed class FileNamesTests
{
    [Theory]
    [InlineData("attachment; filename=\"q3.pdf\"", "q3.pdf")]
    [InlineData("attachment; filename=q3.pdf", "q3.pdf")]
    [InlineData("attachment; filename=\"plain.pdf\"; filename*=UTF-8''R%C3%A9sum%C3%A9%20Q3.pdf", "Résumé Q3.pdf")]
    [InlineData("attachment; filename*=UTF-8''%E6%8A%A5%E5%91%8A.xlsx; filename=\"fallback.xlsx\"", "报告.xlsx")]
    [InlineData("attachment; filename*=ISO-8859-1''caf%E9.txt", "café.txt")]
    [InlineData("attachment; filename=\"../../etc/passwd\"", "passwd")]
    [InlineData("attachment; filename=\"..\\\\..\\\\Windows\\\\win.ini\"", "win.ini")]
    [InlineData("attachment; filename=\"C:evil.txt\"", "C_evil.txt")]
    [InlineData("attachment; filename=\"..\"", "download")]
    [InlineData("attachment; filename=\".hidden\"", "hidden")]
    [InlineData("attachment; filename=\"CON\"", "_CON")]
    [InlineData("attachment; filename=\"nul.txt\"", "_nul.txt")]
    [InlineData("attachment; filename=\"COM1.pdf\"", "_COM1.pdf")]
    [InlineData("attachment; filename=\"a<b>c|d?e*f.pdf\"", "a_b_c_d_e_f.pdf")]
    [InlineData("attachment; filename=\"tab\there.pdf\"", "tab_here.pdf")]
    [InlineData("attachment; filename=\"report\u202Efdp.exe\"", "report_fdp.exe")]
    [InlineData("attachment; filename=\"trailing. . \"", "trailing")]
    public void Content_disposition_names_are_safe(string header, string expected)
        => Assert.Equal(expected, FileNames.FromContentDisposition(header));

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("inline")]
    [InlineData("attachment")]
    public void No_name_gives_null(string? header) => Assert.Null(FileNames.FromContentDisposition(header));

    [Fact]
    public void Long_names_are_cut_keeping_the_extension()
    {
        var name = FileNames.Sanitize(new string('a', 500) + ".pdf");
        Assert.Equal(200, name.Length);
        Assert.EndsWith(".pdf", name);
    }

    [Fact]
    public void Combined_paths_stay_inside_the_directory()
    {
        var dir = Path.GetTempPath();
        Assert.StartsWith(Path.GetFullPath(dir), FileNames.CombineInside(dir, "x.pdf"));
        Assert.Throws<CxpaDownloadException>(() => FileNames.CombineInside(dir, "../x.pdf"));
        Assert.Throws<CxpaDownloadException>(() => FileNames.CombineInside(dir, "/etc/passwd"));
    }

    [Fact]
    public void Free_name_counts_up()
    {
        var dir = Directory.CreateTempSubdirectory("cxpa-free-").FullName;
        try
        {
            var p = Path.Combine(dir, "r.pdf");
            File.WriteAllText(p, "");
            Assert.Equal(Path.Combine(dir, "r (1).pdf"), FileNames.FreeName(p));
            File.WriteAllText(Path.Combine(dir, "r (1).pdf"), "");
            Assert.Equal(Path.Combine(dir, "r (2).pdf"), FileNames.FreeName(p));
        }
        finally { Directory.Delete(dir, true); }
    }

    private static int Bytes(string s) => Encoding.UTF8.GetByteCount(s);

    private static void AssertWellFormed(string s)
    {
        for (var i = 0; i < s.Length; i++)
        {
            if (char.IsHighSurrogate(s[i])) { Assert.True(i + 1 < s.Length && char.IsLowSurrogate(s[i + 1]), $"a lone high surrogate at {i}"); i++; }
            else Assert.False(char.IsLowSurrogate(s[i]), $"a lone low surrogate at {i}");
        }
    }

    [Fact]
    public void A_filename_star_of_200_e_acute_is_cut_to_255_UTF8_bytes_keeping_the_extension()
    {
        var encoded = string.Concat(Enumerable.Repeat("%C3%A9", 200));
        var name = FileNames.FromContentDisposition($"attachment; filename*=UTF-8''{encoded}.pdf")!;
        Assert.True(Bytes(name) <= 255, $"{Bytes(name)} bytes");
        Assert.EndsWith(".pdf", name);
        Assert.Equal(new string('é', (255 - 4) / 2) + ".pdf", name);
    }

    [Theory]
    [InlineData("报", 300)]           // 3 bytes each
    [InlineData("\U0001F4C8", 150)]  // an emoji: 4 bytes, a surrogate pair
    [InlineData("e\u0301", 150)]     // e + a combining acute: one text element, 3 bytes
    public void Long_multi_byte_names_fit_255_bytes_on_a_character_boundary_keeping_the_extension(string unit, int count)
    {
        var name = FileNames.Sanitize(string.Concat(Enumerable.Repeat(unit, count)) + ".xlsx");
        Assert.True(Bytes(name) <= 255, $"{Bytes(name)} bytes");
        Assert.True(Bytes(name) > 255 - Bytes(unit) - 5, $"cut too short: {Bytes(name)} bytes");
        Assert.EndsWith(".xlsx", name);
        AssertWellFormed(name);
        var stem = name.Substring(0, name.Length - 5);
        Assert.Equal(0, stem.Length % unit.Length);
        Assert.Equal(string.Concat(Enumerable.Repeat(unit, stem.Length / unit.Length)), stem);
    }

    [Fact]
    public void Names_that_fit_are_kept_as_they_are()
    {
        var name = new string('é', 100) + ".pdf";
        Assert.Equal(name, FileNames.Sanitize(name));
        Assert.Equal(name, FileNames.Fit(name));
    }

    [Fact]
    public void Temporary_names_are_short_recognisable_and_fresh()
    {
        var a = FileNames.TempName();
        var b = FileNames.TempName();
        Assert.Matches("^\\.cxpa-[0-9a-f]{8}\\.partial$", a);
        Assert.Equal(22, Bytes(a));
        Assert.NotEqual(a, b);
    }

    [Fact]
    public void The_collision_suffix_fits_255_bytes_too()
    {
        var dir = Directory.CreateTempSubdirectory("cxpa-free-").FullName;
        try
        {
            var name = FileNames.Sanitize(new string('é', 300) + ".pdf");
            Assert.True(Bytes(name) >= 250, $"{Bytes(name)} bytes");
            var p = Path.Combine(dir, name);
            File.WriteAllText(p, "");
            var free = Path.GetFileName(FileNames.FreeName(p));
            Assert.True(Bytes(free) <= 255, $"{Bytes(free)} bytes");
            Assert.EndsWith(" (1).pdf", free);
            File.WriteAllText(Path.Combine(dir, free), "");
            Assert.EndsWith(" (2).pdf", FileNames.FreeName(p));
        }
        finally { Directory.Delete(dir, true); }
    }
}
