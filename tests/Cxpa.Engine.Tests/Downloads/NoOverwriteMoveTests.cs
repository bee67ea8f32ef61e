using Cxpa.Engine.Downloads;
using Xunit;

namespace Cxpa.Engine.Tests.Downloads;

/// <summary>The move into a name that must not exist: it moves to a free name, and refuses a taken one, leaving both files as they were.</summary>
public sealed class NoOverwriteMoveTests : IDisposable
{
    private readonly string _dir = Directory.CreateDirectory(Path.Combine(Path.GetTempPath(), "cxpa-move-" + Guid.NewGuid().ToString("N"))).FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void A_free_name_gets_the_file_and_the_temporary_name_is_gone()
    {
        var from = Path.Combine(_dir, "a.partial");
        var to = Path.Combine(_dir, "a.pdf");
        File.WriteAllText(from, "whole");
        NoOverwriteMove.Move(from, to);
        Assert.False(File.Exists(from));
        Assert.Equal("whole", File.ReadAllText(to));
    }

    [Fact]
    public void A_taken_name_is_refused_and_both_files_stay_as_they_were()
    {
        var from = Path.Combine(_dir, "b.partial");
        var to = Path.Combine(_dir, "b.pdf");
        File.WriteAllText(from, "new");
        File.WriteAllText(to, "old");
        var ex = Assert.ThrowsAny<IOException>(() => NoOverwriteMove.Move(from, to));
        if (!OperatingSystem.IsWindows()) Assert.Equal($"The file '{to}' exists.", ex.Message);
        Assert.Equal("new", File.ReadAllText(from));
        Assert.Equal("old", File.ReadAllText(to));
    }
}
