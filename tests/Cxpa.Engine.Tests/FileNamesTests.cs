using Xunit;
using Cxpa.Engine;

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
}
