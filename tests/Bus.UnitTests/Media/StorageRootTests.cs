extern alias media;
using Bus.ServiceDefaults.Messaging;
using media::Bus.MediaService;
using Microsoft.Extensions.Options;

namespace Bus.UnitTests.Media;

public sealed class StorageRootTests : IDisposable
{
    private readonly string _sandbox = Directory.CreateTempSubdirectory("bus-storage-").FullName;
    private readonly string _root;
    private readonly StorageRoot _storage;

    public StorageRootTests()
    {
        _root = Path.Combine(_sandbox, "root");
        Directory.CreateDirectory(Path.Combine(_root, "uploads"));
        File.WriteAllText(Path.Combine(_sandbox, "secret.txt"), "outside");
        _storage = new StorageRoot(Options.Create(new MediaOptions { StorageRoot = _root }));
    }

    public void Dispose() => Directory.Delete(_sandbox, recursive: true);

    [Fact]
    public void A_leading_slash_means_the_storage_root_not_the_machines_root()
    {
        Assert.Equal(Path.Combine(_root, "uploads", "image.jpg"), _storage.Resolve("/uploads/image.jpg", "imagePath"));
        Assert.Equal(Path.Combine(_root, "uploads", "image.jpg"), _storage.Resolve("uploads/image.jpg", "imagePath"));
        Assert.Equal("/uploads/image.jpg", _storage.ToTaskPath(_storage.Resolve("/uploads/image.jpg", "imagePath")));
    }

    [Theory]
    [InlineData("/../secret.txt")]
    [InlineData("uploads/../../secret.txt")]
    [InlineData("/etc/../../secret.txt")]
    public void A_path_with_dot_dot_is_a_permanent_error(string path)
    {
        var error = Assert.Throws<PermanentTaskException>(() => _storage.Resolve(path, "imagePath"));
        Assert.Contains("'..'", error.Message);
    }

    [Theory]
    [InlineData("")]
    [InlineData("/")]
    [InlineData("uploads/a\0b.jpg")]
    public void An_empty_or_malformed_path_is_a_permanent_error(string path) =>
        Assert.Throws<PermanentTaskException>(() => _storage.Resolve(path, "imagePath"));

    [Fact]
    public void A_symlink_to_a_file_outside_the_root_is_refused()
    {
        File.CreateSymbolicLink(Path.Combine(_root, "uploads", "escape.jpg"), Path.Combine(_sandbox, "secret.txt"));

        var error = Assert.Throws<PermanentTaskException>(() => _storage.Resolve("/uploads/escape.jpg", "imagePath"));
        Assert.Contains("symbolic link", error.Message);
    }

    [Fact]
    public void A_symlinked_directory_leading_outside_the_root_is_refused_for_reading_and_writing()
    {
        Directory.CreateSymbolicLink(Path.Combine(_root, "etc"), "../..");

        Assert.Throws<PermanentTaskException>(() => _storage.Resolve("/etc/secret.txt", "imagePath"));
        Assert.Throws<PermanentTaskException>(() => _storage.Resolve("/etc/new/output.jpg", "outputPath"));
    }

    [Fact]
    public void A_relative_symlink_that_stays_inside_the_root_is_followed()
    {
        File.WriteAllText(Path.Combine(_root, "uploads", "real.jpg"), "x");
        Directory.CreateSymbolicLink(Path.Combine(_root, "latest"), "uploads");

        Assert.Equal(Path.Combine(_root, "uploads", "real.jpg"), _storage.Resolve("/latest/real.jpg", "imagePath"));
    }

    [Fact]
    public void A_chain_of_links_that_ends_outside_the_root_is_refused()
    {
        Directory.CreateSymbolicLink(Path.Combine(_root, "outside"), _sandbox);
        File.CreateSymbolicLink(Path.Combine(_root, "uploads", "hop.jpg"), "../outside/secret.txt");

        Assert.Throws<PermanentTaskException>(() => _storage.Resolve("/uploads/hop.jpg", "imagePath"));
    }
}
