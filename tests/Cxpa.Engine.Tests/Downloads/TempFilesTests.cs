using System.Reflection;
using Cxpa.Engine.Downloads;
using Cxpa.Engine.Tests.Support;
using Xunit;

namespace Cxpa.Engine.Tests.Downloads;

/// <summary>
/// TempFiles, the process-wide list of temporary download files: registration, the clean-up that cancels and deletes,
/// and the refusal once the process is exiting. These tests change process-wide state and so run alone.
/// </summary>
[Collection(MutdlTempFilesCollection.Name)]
public sealed class TempFilesTests : MutdlDownloadTestBase
{
    private string NewTemp()
    {
        var p = Path.Combine(Dir, FileNames.TempName());
        File.WriteAllText(p, "partial");
        return p;
    }

    [Fact]
    public void Register_needs_a_path_and_Unregister_takes_null()
    {
        Assert.Equal("path", Assert.Throws<ArgumentNullException>(() => TempFiles.Register(null!, null)).ParamName);
        TempFiles.Unregister(null!);
    }

    [Fact]
    public void A_registered_file_is_listed_until_it_is_unregistered_and_then_left_alone()
    {
        var p = NewTemp();
        TempFiles.Register(p, null);
        Assert.Contains(p, TempFiles.Current);
        TempFiles.Unregister(p);
        Assert.DoesNotContain(p, TempFiles.Current);
        TempFiles.DeleteAll(close: false);
        Assert.True(File.Exists(p));
    }

    [Fact]
    public void The_clean_up_cancels_every_download_deletes_every_file_and_goes_on_past_failures()
    {
        var plain = NewTemp();
        var withSource = NewTemp();
        var disposedSource = NewTemp();
        var throwingSource = NewTemp();
        var folder = Path.Combine(Dir, "a folder, not a file");
        Directory.CreateDirectory(folder);
        using var cts = new CancellationTokenSource();
        var disposed = new CancellationTokenSource();
        disposed.Dispose();
        using var throwing = new CancellationTokenSource();
        throwing.Token.Register(() => throw new InvalidOperationException("a callback failed"));

        TempFiles.Register(folder, null);
        TempFiles.Register(throwingSource, throwing);
        TempFiles.Register(disposedSource, disposed);
        TempFiles.Register(plain, null);
        TempFiles.Register(withSource, cts);

        TempFiles.DeleteAll(close: false);

        Assert.True(cts.IsCancellationRequested);
        Assert.True(throwing.IsCancellationRequested);
        Assert.False(File.Exists(plain));
        Assert.False(File.Exists(withSource));
        Assert.False(File.Exists(disposedSource));
        Assert.False(File.Exists(throwingSource));
        Assert.True(Directory.Exists(folder));
        AssertNothingRegistered();

        // Without close, registrations go on.
        var later = NewTemp();
        TempFiles.Register(later, null);
        Assert.Contains(later, TempFiles.Current);
        TempFiles.Unregister(later);
    }

    [Fact]
    public async Task Once_the_process_is_exiting_a_new_temporary_file_is_deleted_and_refused_and_a_save_leaves_nothing()
    {
        var running = NewTemp();
        using var cts = new CancellationTokenSource();
        TempFiles.Register(running, cts);
        try
        {
            TempFiles.Shutdown();
            Assert.True(cts.IsCancellationRequested);
            Assert.False(File.Exists(running));

            var late = NewTemp();
            var ex = Assert.Throws<OperationCanceledException>(() => TempFiles.Register(late, null));
            Assert.Equal("The process is exiting: the download was not started.", ex.Message);
            Assert.False(File.Exists(late));
            AssertNothingRegistered();

            var data = MutdlBody.Pattern(1000);
            var body = new MutdlBody(data);
            using var a = Answer(body, data.Length);
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => a.SaveAsync(Dir, "late.pdf", false, new DownloadProgress(), default));
            Assert.Empty(Names());
            Assert.Equal(0, body.Reads);
        }
        finally
        {
            // The process is not exiting: open the list again for the other tests.
            typeof(TempFiles).GetField("_closed", BindingFlags.NonPublic | BindingFlags.Static)!.SetValue(null, false);
        }
        var again = NewTemp();
        TempFiles.Register(again, null);
        TempFiles.Unregister(again);
    }

    [Fact]
    public void The_folder_probe_needs_a_folder_and_leaves_nothing_also_in_a_relative_one()
    {
        Assert.Equal("directory", Assert.Throws<ArgumentNullException>(() => DownloadFolder.Probe(null!)).ParamName);
        DownloadFolder.Probe(Path.GetRelativePath(Environment.CurrentDirectory, Dir));
        Assert.Empty(Names());
        Assert.Throws<DirectoryNotFoundException>(() => DownloadFolder.Probe(Path.Combine(Dir, "missing")));
        Assert.Empty(Names());
    }
}
