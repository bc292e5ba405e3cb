using Microsoft.Extensions.Options;

namespace Bus.MaintenanceService;

/// <summary>What one cleanup removed under one storage root; <c>Errors</c> counts entries that could not be removed.</summary>
public sealed record FileCleanupResult(string Root, long FilesDeleted, long BytesDeleted, long DirectoriesDeleted, long Errors, string? Skipped = null);

/// <summary>
/// Deletes the files under each configured root (<see cref="MaintenanceOptions.Files"/>) last written longer ago than the
/// root's max age, then the directories that are left empty and are as old. Symbolic links are neither followed nor
/// deleted, so nothing outside a root is ever touched; the root itself always stays.
/// </summary>
public sealed class ExpiredFiles(IOptions<MaintenanceOptions> options, TimeProvider time, ILogger<ExpiredFiles> logger)
{
    public IReadOnlyList<FileCleanupResult> Clean(CancellationToken cancellationToken) =>
        [.. options.Value.Files.OrderBy(f => f.Key, StringComparer.Ordinal).Select(f => CleanRoot(f.Key, f.Value, cancellationToken))];

    private FileCleanupResult CleanRoot(string name, FileRootOptions root, CancellationToken cancellationToken)
    {
        var path = Path.GetFullPath(root.Path);
        var directory = new DirectoryInfo(path);
        if (!directory.Exists || directory.LinkTarget is not null)
        {
            logger.LogWarning("Storage root {Root} ({Path}) is not a directory: nothing to clean there", name, path);
            return new FileCleanupResult(name, 0, 0, 0, 0, Skipped: "not a directory");
        }

        var sweep = new Sweep(time.GetUtcNow().UtcDateTime - root.MaxAge, logger, cancellationToken);
        sweep.Directory(directory, isRoot: true);
        logger.LogInformation("Storage root {Root}: deleted {Files} file(s) ({Bytes} bytes) and {Directories} empty director(ies) older than {MaxAge}; {Errors} error(s)",
            name, sweep.Files, sweep.Bytes, sweep.Directories, root.MaxAge, sweep.Errors);
        return new FileCleanupResult(name, sweep.Files, sweep.Bytes, sweep.Directories, sweep.Errors);
    }

    private sealed class Sweep(DateTime cutoff, ILogger logger, CancellationToken cancellationToken)
    {
        public long Files { get; private set; }
        public long Bytes { get; private set; }
        public long Directories { get; private set; }
        public long Errors { get; private set; }

        public void Directory(DirectoryInfo directory, bool isRoot)
        {
            foreach (var entry in Entries(directory))
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (entry.LinkTarget is not null)
                    continue;
                if (entry is DirectoryInfo child)
                    Directory(child, isRoot: false);
                else if (entry is FileInfo file && file.LastWriteTimeUtc < cutoff)
                {
                    var length = file.Length;
                    if (TryDelete(file))
                    {
                        Files++;
                        Bytes += length;
                    }
                }
            }

            directory.Refresh();
            if (!isRoot && directory.LastWriteTimeUtc < cutoff && !Entries(directory).Any() && TryDelete(directory))
                Directories++;
        }

        private IEnumerable<FileSystemInfo> Entries(DirectoryInfo directory)
        {
            try
            {
                return directory.EnumerateFileSystemInfos().ToList();
            }
            catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
            {
                Errors++;
                logger.LogWarning("Could not list {Directory}: {Error}", directory.FullName, exception.Message);
                return [];
            }
        }

        private bool TryDelete(FileSystemInfo entry)
        {
            try
            {
                entry.Delete();
                return true;
            }
            catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
            {
                Errors++;
                logger.LogWarning("Could not delete {Path}: {Error}", entry.FullName, exception.Message);
                return false;
            }
        }
    }
}
