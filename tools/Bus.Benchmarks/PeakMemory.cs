namespace Bus.Benchmarks;

/// <summary>
/// Peak resident memory of the processes a scenario ran in: Linux's high-water mark (VmHWM in /proc/&lt;pid&gt;/status),
/// reset at the start of each scenario by writing 5 to /proc/&lt;pid&gt;/clear_refs, so each figure is that scenario's own.
/// </summary>
public sealed class PeakMemory(IReadOnlyDictionary<string, int> processes)
{
    /// <summary>False where the kernel refused the reset: the figures are then peaks since each process started.</summary>
    public bool ResetWorks { get; private set; } = true;

    public void Reset()
    {
        foreach (var pid in processes.Values)
        {
            try
            {
                File.WriteAllText($"/proc/{pid}/clear_refs", "5");
            }
            catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
            {
                ResetWorks = false;
            }
        }
    }

    /// <summary>Megabytes per process name; a process that is gone is left out.</summary>
    public IReadOnlyDictionary<string, double> Read()
    {
        var peaks = new SortedDictionary<string, double>(StringComparer.Ordinal);
        foreach (var (name, pid) in processes)
        {
            if (StatusField(pid, "VmHWM:") is { } kilobytes)
                peaks[name] = Math.Round(kilobytes / 1024.0, 1);
        }
        return peaks;
    }

    private static long? StatusField(int pid, string field)
    {
        try
        {
            var line = File.ReadLines($"/proc/{pid}/status").FirstOrDefault(l => l.StartsWith(field, StringComparison.Ordinal));
            return line is null ? null : long.Parse(line[field.Length..].Trim().Split(' ')[0]);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
