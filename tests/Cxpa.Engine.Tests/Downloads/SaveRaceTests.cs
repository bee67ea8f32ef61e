using Cxpa.Engine.Downloads;
using Cxpa.Engine.Tests.Support;
using Xunit;

namespace Cxpa.Engine.Tests.Downloads;

/// <summary>Saves that race for one name, and temporary files created and registered in one step.</summary>
[Collection(MutdlTempFilesCollection.Name)]
public sealed class SaveRaceTests : MutdlDownloadTestBase
{
    [Fact]
    public async Task A_name_taken_between_the_check_and_the_move_is_not_overwritten_and_the_file_lands_under_the_next_name()
    {
        var data = MutdlBody.Pattern(5000);
        using var a = Answer(new MutdlBody(data), data.Length);
        var taken = new List<string>();
        a.BeforeMove = name =>
        {
            // Two other saves take the chosen names first, as parallel saves into one folder do.
            if (taken.Count < 2)
            {
                File.WriteAllText(name, "other save " + taken.Count);
                taken.Add(Path.GetFileName(name));
            }
        };

        var saved = await a.SaveAsync(Dir, "q3 report.pdf", false, new DownloadProgress(), default);

        Assert.Equal(new[] { "q3 report.pdf", "q3 report (1).pdf" }, taken);
        Assert.Equal(Path.Combine(Dir, "q3 report (2).pdf"), saved.Path);
        Assert.Equal(data, File.ReadAllBytes(saved.Path));
        Assert.Equal("other save 0", File.ReadAllText(Path.Combine(Dir, "q3 report.pdf")));
        Assert.Equal("other save 1", File.ReadAllText(Path.Combine(Dir, "q3 report (1).pdf")));
        Assert.Equal(new[] { "q3 report (1).pdf", "q3 report (2).pdf", "q3 report.pdf" }, Names());
        AssertNothingRegistered();
    }

    [Fact]
    public async Task Eight_saves_of_one_name_at_once_all_land_under_distinct_names()
    {
        var data = MutdlBody.Pattern(3000);
        var answers = Enumerable.Range(0, 8).Select(_ => Answer(new MutdlBody(data), data.Length)).ToArray();
        try
        {
            var saved = await Task.WhenAll(answers.Select(a => Task.Run(() => a.SaveAsync(Dir, "same.pdf", false, new DownloadProgress(), default))));
            Assert.Equal(8, saved.Select(s => s.Path).Distinct().Count());
            Assert.Equal(8, Names().Length);
            Assert.DoesNotContain(Names(), n => n.EndsWith(FileNames.TempSuffix, StringComparison.Ordinal));
            Assert.All(saved, s => Assert.Equal(data, File.ReadAllBytes(s.Path)));
        }
        finally
        {
            foreach (var a in answers) a.Dispose();
        }
        AssertNothingRegistered();
    }

    [Fact]
    public void The_move_without_overwrite_refuses_an_existing_name_and_keeps_both_files()
    {
        var from = Path.Combine(Dir, FileNames.TempName());
        var to = Path.Combine(Dir, "taken.pdf");
        File.WriteAllText(from, "new");
        File.WriteAllText(to, "old");
        Assert.Throws<IOException>(() => NoOverwriteMove.Move(from, to));
        Assert.Equal("new", File.ReadAllText(from));
        Assert.Equal("old", File.ReadAllText(to));

        var free = Path.Combine(Dir, "free.pdf");
        NoOverwriteMove.Move(from, free);
        Assert.False(File.Exists(from));
        Assert.Equal("new", File.ReadAllText(free));
    }

    [Fact]
    public async Task With_Force_a_name_taken_meanwhile_is_replaced()
    {
        var data = MutdlBody.Pattern(100);
        using var a = Answer(new MutdlBody(data), data.Length);
        a.BeforeMove = name => File.WriteAllText(name, "other");
        var saved = await a.SaveAsync(Dir, "r.pdf", true, new DownloadProgress(), default);
        Assert.Equal(Path.Combine(Dir, "r.pdf"), saved.Path);
        Assert.Equal(data, File.ReadAllBytes(saved.Path));
        Assert.Equal(new[] { "r.pdf" }, Names());
    }

    [Fact]
    public void Create_registers_the_file_it_creates_and_a_failed_create_registers_nothing()
    {
        var p = Path.Combine(Dir, FileNames.TempName());
        using (var fs = TempFiles.Create(p, null, FileShare.Delete, FileOptions.None))
        {
            Assert.True(File.Exists(p));
            Assert.Contains(p, TempFiles.Current);
            Assert.Throws<IOException>(() => TempFiles.Create(p, null, FileShare.Delete, FileOptions.None));
        }
        TempFiles.Unregister(p);
        File.Delete(p);
        Assert.Throws<DirectoryNotFoundException>(() => TempFiles.Create(Path.Combine(Dir, "missing", "x.partial"), null, FileShare.None, FileOptions.None));
        AssertNothingRegistered();
        Assert.Equal("path", Assert.Throws<ArgumentNullException>(() => TempFiles.Create(null!, null, FileShare.None, FileOptions.None)).ParamName);
    }

    [Fact]
    public void Once_the_process_is_exiting_Create_creates_nothing()
    {
        TempFiles.Prepare();
        var running = Path.Combine(Dir, FileNames.TempName());
        using var cts = new CancellationTokenSource();
        var fs = TempFiles.Create(running, cts, FileShare.Delete, FileOptions.None);
        try
        {
            TempFiles.Shutdown();
            Assert.True(cts.IsCancellationRequested);
            Assert.False(File.Exists(running));
            var late = Path.Combine(Dir, FileNames.TempName());
            Assert.Throws<OperationCanceledException>(() => TempFiles.Create(late, null, FileShare.None, FileOptions.None));
            Assert.False(File.Exists(late));
            Assert.Empty(Names());
            Assert.Throws<OperationCanceledException>(() => DownloadFolder.Probe(Dir));
            Assert.Empty(Names());
        }
        finally
        {
            fs.Dispose();
            typeof(TempFiles).GetField("_closed", System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Static)!.SetValue(null, false);
        }
        AssertNothingRegistered();
    }
}
