using Bus.ServiceDefaults.Messaging;
using Microsoft.Extensions.Options;

namespace Bus.MediaService;

/// <summary>
/// Turns a task's path into a file under <see cref="MediaOptions.StorageRoot"/>. A leading <c>/</c> means the root;
/// <c>..</c> and symbolic links may be used only while they stay inside it — anything that would leave it is a
/// <see cref="PermanentTaskException"/>, decided on the real file system, link by link.
/// </summary>
public sealed class StorageRoot
{
    private const int MaxLinkHops = 40;
    private readonly string _root;

    public StorageRoot(IOptions<MediaOptions> options)
    {
        var configured = Path.GetFullPath(options.Value.StorageRoot);
        Directory.CreateDirectory(configured);
        // The root itself may be a link (a mounted volume): everything is compared against where it really is.
        _root = Path.TrimEndingDirectorySeparator(RealDirectory(configured));
    }

    public string Root => _root;

    /// <summary>The full path of <paramref name="path"/> inside the root, with every symbolic link on the way resolved.</summary>
    /// <exception cref="PermanentTaskException">The path is empty, malformed, or leads outside the root.</exception>
    public string Resolve(string path, string field)
    {
        if (string.IsNullOrWhiteSpace(path) || path.Any(c => c == '\0' || char.IsControl(c)))
            throw new PermanentTaskException($"{field} '{Quote(path)}' is not a usable path");
        var segments = path.Split('/', StringSplitOptions.RemoveEmptyEntries);
        if (segments.Length == 0)
            throw new PermanentTaskException($"{field} '{Quote(path)}' names the storage root, not a file");
        if (segments.Contains(".."))
            throw new PermanentTaskException($"{field} '{Quote(path)}' contains '..': paths must stay inside the storage root");

        var current = _root;
        var hops = 0;
        var pending = new Stack<string>(segments.Reverse());
        while (pending.TryPop(out var segment))
        {
            if (segment == ".")
                continue;
            var next = Path.Combine(current, segment);
            var info = new FileInfo(next);
            if (info.LinkTarget is { } target)
            {
                if (++hops > MaxLinkHops)
                    throw new PermanentTaskException($"{field} '{Quote(path)}' has too many levels of symbolic links");
                // Walk the link's target the same way: absolute targets must lie under the root, relative ones start beside the link.
                var absolute = Path.IsPathRooted(target) ? Path.GetFullPath(target) : Path.GetFullPath(Path.Combine(current, target));
                if (!IsInside(absolute))
                    throw new PermanentTaskException($"{field} '{Quote(path)}' leads outside the storage root through a symbolic link");
                foreach (var part in Path.GetRelativePath(_root, absolute).Split(Path.DirectorySeparatorChar, StringSplitOptions.RemoveEmptyEntries).Reverse())
                    pending.Push(part);
                current = _root;
                if (pending.Count > 0 && pending.Peek() == ".")
                    pending.Pop();
                continue;
            }
            current = next;
        }
        if (!IsInside(current) || current == _root)
            throw new PermanentTaskException($"{field} '{Quote(path)}' is not a file inside the storage root");
        return current;
    }

    /// <summary>How a full path inside the root is shown in results: relative to the root, with a leading <c>/</c>.</summary>
    public string ToTaskPath(string fullPath) => "/" + Path.GetRelativePath(_root, fullPath).Replace(Path.DirectorySeparatorChar, '/');

    private bool IsInside(string fullPath) =>
        fullPath == _root || fullPath.StartsWith(_root + Path.DirectorySeparatorChar, StringComparison.Ordinal);

    private static string RealDirectory(string path)
    {
        var info = new DirectoryInfo(path);
        return info.ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? info.FullName;
    }

    private static string Quote(string? value) =>
        value is null ? "" : value.Length <= 200 ? value : value[..200] + "…";
}
