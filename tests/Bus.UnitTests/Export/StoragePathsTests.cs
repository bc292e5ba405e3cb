extern alias export;
using Bus.ServiceDefaults.Messaging;
using export::Bus.ExportService;
using Microsoft.Extensions.Options;

namespace Bus.UnitTests.Export;

/// <summary>On the real file system: a temporary storage root with links in and out of it.</summary>
public sealed class StoragePathsTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), $"bus-paths-{Guid.NewGuid():N}");
    private readonly string _outside = Path.Combine(Path.GetTempPath(), $"bus-outside-{Guid.NewGuid():N}");
    private readonly StoragePaths _paths;

    public StoragePathsTests()
    {
        Directory.CreateDirectory(Path.Combine(_root, "data"));
        Directory.CreateDirectory(_outside);
        File.WriteAllText(Path.Combine(_root, "data", "file.csv"), "a\r\n1\r\n");
        File.WriteAllText(Path.Combine(_outside, "secret.csv"), "a\r\n1\r\n");
        _paths = new StoragePaths(Options.Create(new ExportOptions { StorageRoot = _root }));
    }

    [Theory]
    [InlineData("/data/file.csv")]
    [InlineData("data/file.csv")]
    [InlineData("//data/./file.csv")]
    public void A_leading_slash_means_the_root(string path) =>
        Assert.Equal(Path.Combine(_paths.Root, "data", "file.csv"), _paths.ExistingFile(path, "filePath"));

    [Theory]
    [InlineData("/data/../data/file.csv")]
    [InlineData("../outside.csv")]
    [InlineData("/data/..\\..\\x.csv")]
    public void A_dot_dot_segment_is_refused(string path)
    {
        var refusal = Assert.Throws<PermanentTaskException>(() => _paths.ExistingFile(path, "filePath"));
        Assert.Contains("'..'", refusal.Message);
    }

    [Fact]
    public void A_link_to_a_directory_outside_the_root_is_refused_for_reading_and_writing()
    {
        Directory.CreateSymbolicLink(Path.Combine(_root, "escape"), _outside);

        Assert.Contains("outside the storage root", Assert.Throws<PermanentTaskException>(() => _paths.ExistingFile("/escape/secret.csv", "filePath")).Message);
        Assert.Contains("outside the storage root", Assert.Throws<PermanentTaskException>(() => _paths.OutputFile("/escape/new.csv", "destination")).Message);
    }

    [Fact]
    public void A_link_to_a_file_outside_the_root_is_refused()
    {
        File.CreateSymbolicLink(Path.Combine(_root, "data", "innocent.csv"), Path.Combine(_outside, "secret.csv"));

        Assert.Throws<PermanentTaskException>(() => _paths.ExistingFile("/data/innocent.csv", "filePath"));
    }

    [Fact]
    public void A_link_that_stays_inside_the_root_is_followed()
    {
        Directory.CreateSymbolicLink(Path.Combine(_root, "latest"), Path.Combine(_root, "data"));

        Assert.Equal(Path.Combine(_paths.Root, "data", "file.csv"), _paths.ExistingFile("/latest/file.csv", "filePath"));
    }

    [Fact]
    public void An_empty_or_missing_file_is_refused_with_its_reason()
    {
        File.WriteAllBytes(Path.Combine(_root, "data", "empty.csv"), []);

        Assert.Contains("empty file", Assert.Throws<PermanentTaskException>(() => _paths.ExistingFile("/data/empty.csv", "filePath")).Message);
        Assert.Contains("does not exist", Assert.Throws<PermanentTaskException>(() => _paths.ExistingFile("/data/none.csv", "filePath")).Message);
        Assert.Contains("is a directory", Assert.Throws<PermanentTaskException>(() => _paths.ExistingFile("/data", "filePath")).Message);
    }

    [Fact]
    public void An_output_gets_its_directory_created_inside_the_root()
    {
        var path = _paths.OutputFile("/exports/2026/11/users.csv", "destination");

        Assert.Equal(Path.Combine(_paths.Root, "exports", "2026", "11", "users.csv"), path);
        Assert.True(Directory.Exists(Path.Combine(_root, "exports", "2026", "11")));
    }

    public void Dispose()
    {
        Directory.Delete(_root, recursive: true);
        Directory.Delete(_outside, recursive: true);
    }
}
