extern alias maintenance;
using maintenance::Bus.MaintenanceService;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Bus.UnitTests.Maintenance;

/// <summary>On the real file system: a temporary storage root, and a directory outside it that a link points into.</summary>
public sealed class ExpiredFilesTests : IDisposable
{
    private static readonly DateTime Old = DateTime.UtcNow.AddDays(-30);

    private readonly string _root = Path.Combine(Path.GetTempPath(), $"bus-expired-{Guid.NewGuid():N}");
    private readonly string _outside = Path.Combine(Path.GetTempPath(), $"bus-outside-{Guid.NewGuid():N}");

    public ExpiredFilesTests()
    {
        Directory.CreateDirectory(_root);
        Directory.CreateDirectory(_outside);
    }

    [Fact]
    public void Old_files_and_old_empty_directories_go_new_ones_and_everything_behind_a_link_stay()
    {
        var oldFile = Write("exports/old.csv", Old, bytes: 10);
        var oldNested = Write("uploads/2026/11/old.jpg", Old, bytes: 20);
        var fresh = Write("exports/fresh.csv", DateTime.UtcNow, bytes: 5);
        var emptyOld = Directory.CreateDirectory(Path.Combine(_root, "empty-old"));
        Directory.SetLastWriteTimeUtc(emptyOld.FullName, Old);
        var emptyNew = Directory.CreateDirectory(Path.Combine(_root, "empty-new"));
        var outsideFile = Path.Combine(_outside, "precious.txt");
        File.WriteAllText(outsideFile, "keep");
        File.SetLastWriteTimeUtc(outsideFile, Old);
        Directory.CreateSymbolicLink(Path.Combine(_root, "link-out"), _outside);
        var fileLink = File.CreateSymbolicLink(Path.Combine(_root, "file-link"), outsideFile);

        var result = Assert.Single(Sweep(TimeSpan.FromDays(7)));

        Assert.Equal(("media", 2L, 30L, 1L, 0L, (string?)null), (result.Root, result.FilesDeleted, result.BytesDeleted, result.DirectoriesDeleted, result.Errors, result.Skipped));
        Assert.False(File.Exists(oldFile));
        Assert.False(File.Exists(oldNested));
        Assert.True(File.Exists(fresh));
        Assert.False(Directory.Exists(emptyOld.FullName));
        Assert.True(Directory.Exists(emptyNew.FullName));
        Assert.True(File.Exists(outsideFile));
        Assert.True(Directory.Exists(Path.Combine(_root, "link-out")));
        Assert.NotNull(new FileInfo(fileLink.FullName).LinkTarget);
        Assert.True(Directory.Exists(_root));
    }

    [Fact]
    public void A_missing_root_is_reported_not_created()
    {
        Directory.Delete(_root);

        var result = Assert.Single(Sweep(TimeSpan.FromDays(1)));

        Assert.Equal("not a directory", result.Skipped);
        Assert.False(Directory.Exists(_root));
    }

    private IReadOnlyList<FileCleanupResult> Sweep(TimeSpan maxAge) =>
        new ExpiredFiles(Options.Create(new MaintenanceOptions { Files = { ["media"] = new FileRootOptions { Path = _root, MaxAge = maxAge } } }),
            TimeProvider.System, NullLogger<ExpiredFiles>.Instance).Clean(CancellationToken.None);

    private string Write(string relative, DateTime lastWrite, int bytes)
    {
        var path = Path.Combine(_root, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllBytes(path, new byte[bytes]);
        File.SetLastWriteTimeUtc(path, lastWrite);
        return path;
    }

    public void Dispose()
    {
        if (Directory.Exists(_root))
            Directory.Delete(_root, recursive: true);
        Directory.Delete(_outside, recursive: true);
    }
}
