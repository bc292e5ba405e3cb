using Bus.ServiceDefaults.Messaging;
using Microsoft.Extensions.Options;

namespace Bus.ExportService;

/// <summary>
/// Turns a path from a task into a real path inside <see cref="ExportOptions.StorageRoot"/> ("/" is the root).
/// <c>..</c> is refused outright, and every existing component is resolved through its symbolic links, so a link
/// that leads out of the root is refused too. Each refusal is a <see cref="PermanentTaskException"/>.
/// </summary>
public sealed class StoragePaths
{
    public StoragePaths(IOptions<ExportOptions> options)
    {
        Directory.CreateDirectory(options.Value.StorageRoot);
        Root = ResolveExisting(Path.GetFullPath(options.Value.StorageRoot));
    }

    /// <summary>The root with its own links resolved.</summary>
    public string Root { get; }

    /// <summary>An existing, non-empty regular file to read.</summary>
    public string ExistingFile(string requested, string field)
    {
        var path = Resolve(requested, field);
        var info = new FileInfo(path);
        if (!info.Exists)
            throw new PermanentTaskException(Directory.Exists(path) ? $"{field} '{requested}' is a directory, not a file" : $"{field} '{requested}' does not exist");
        if (info.Length == 0)
            throw new PermanentTaskException($"{field} '{requested}' is an empty file (0 bytes)");
        return path;
    }

    /// <summary>Where to write: its directory is created (inside the root) if missing.</summary>
    public string OutputFile(string requested, string field)
    {
        var path = Resolve(requested, field);
        if (Directory.Exists(path))
            throw new PermanentTaskException($"{field} '{requested}' is a directory, not a file");
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        return path;
    }

    private string Resolve(string requested, string field)
    {
        if (string.IsNullOrWhiteSpace(requested) || requested.Any(char.IsControl))
            throw new PermanentTaskException($"{field} must be a file path under the storage root");
        var segments = requested.Replace('\\', '/').Split('/', StringSplitOptions.RemoveEmptyEntries);
        if (segments.Any(s => s == ".."))
            throw new PermanentTaskException($"{field} '{requested}' contains '..': paths must stay inside the storage root");
        if (segments.Length == 0 || segments[^1] == ".")
            throw new PermanentTaskException($"{field} '{requested}' does not name a file");

        var resolved = ResolveExisting(Path.Combine([Root, .. segments.Where(s => s != ".")]));
        if (!IsInsideRoot(resolved))
            throw new PermanentTaskException($"{field} '{requested}' resolves outside the storage root (through a symbolic link)");
        return resolved;
    }

    private bool IsInsideRoot(string path) =>
        path.StartsWith(Root.EndsWith('/') ? Root : Root + "/", StringComparison.Ordinal);

    /// <summary>The path with every existing component's links followed (like realpath); a missing tail is kept as written.</summary>
    private static string ResolveExisting(string fullPath)
    {
        var current = Path.GetPathRoot(fullPath)!;
        var parts = fullPath[current.Length..].Split('/', StringSplitOptions.RemoveEmptyEntries);
        for (var i = 0; i < parts.Length; i++)
        {
            var candidate = Path.Combine(current, parts[i]);
            FileSystemInfo info = Directory.Exists(candidate) ? new DirectoryInfo(candidate) : new FileInfo(candidate);
            if (info.LinkTarget is not null)
            {
                var target = info.ResolveLinkTarget(returnFinalTarget: true)
                    ?? throw new PermanentTaskException($"'{parts[i]}' is a symbolic link that cannot be resolved");
                candidate = ResolveExisting(Path.GetFullPath(target.FullName));
            }
            current = candidate;
        }
        return current;
    }
}
