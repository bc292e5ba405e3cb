namespace Bus.Tests;

/// <summary>The checkout the tests run from: the directory above the test binaries that holds Bus.sln.</summary>
public static class TestRepository
{
    public static string Root { get; } = Find();

    private static string Find()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "Bus.sln")))
            directory = directory.Parent;
        return directory?.FullName ?? throw new InvalidOperationException("Bus.sln not found above " + AppContext.BaseDirectory);
    }
}
