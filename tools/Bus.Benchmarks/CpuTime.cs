using System.Globalization;

namespace Bus.Benchmarks;

/// <summary>
/// CPU time (user + system, from /proc/&lt;pid&gt;/stat) that each part of the system used during a scenario, per item:
/// the benchmark's services and this process by pid, RabbitMQ, PostgreSQL (every server process) and Redis by name. On a
/// machine where everything shares the cores, this says where a task's cost goes; the rate alone does not. A process
/// that exits during the scenario is not counted (pooled PostgreSQL connections keep their backends).
/// </summary>
public sealed class CpuTime(IReadOnlyDictionary<string, int> services)
{
    /// <summary>The kernel reports /proc times in USER_HZ, which is 100 on every Linux architecture .NET runs on.</summary>
    private const double MillisecondsPerTick = 10;

    private static readonly (string Part, string Command)[] Servers =
        [("rabbitmq", "beam.smp"), ("postgres", "postgres"), ("redis", "redis-server")];

    /// <summary>The parts' CPU ticks now: the start of a scenario, for <see cref="PerItemSince"/>.</summary>
    public Reading Read()
    {
        var ticks = new Dictionary<int, (string Part, long Ticks)>();
        foreach (var (part, pid) in services)
        {
            if (Ticks(pid) is { } used)
                ticks[pid] = (part, used);
        }
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(directory), out var pid) || ticks.ContainsKey(pid))
                continue;
            var command = Command(pid);
            foreach (var (part, name) in Servers)
            {
                if (command == name && Ticks(pid) is { } used)
                    ticks[pid] = (part, used);
            }
        }
        return new Reading(ticks);
    }

    /// <summary>Milliseconds of CPU per item for each part since <paramref name="start"/>, and their sum without "bench".</summary>
    public IReadOnlyDictionary<string, double> PerItemSince(Reading start, int items)
    {
        var perPart = new SortedDictionary<string, double>(StringComparer.Ordinal);
        foreach (var (pid, (part, ticksNow)) in Read().Ticks)
        {
            var used = ticksNow - (start.Ticks.TryGetValue(pid, out var before) ? before.Ticks : 0);
            perPart[part] = perPart.GetValueOrDefault(part) + used * MillisecondsPerTick / Math.Max(items, 1);
        }
        var result = perPart.ToDictionary(p => p.Key, p => Math.Round(p.Value, 2));
        result["total without bench"] = Math.Round(perPart.Where(p => p.Key != "bench").Sum(p => p.Value), 2);
        return result;
    }

    public sealed record Reading(IReadOnlyDictionary<int, (string Part, long Ticks)> Ticks);

    private static string? Command(int pid)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid}/comm").Trim();
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>utime + stime: fields 14 and 15 of /proc/&lt;pid&gt;/stat, counted after the command name's closing parenthesis.</summary>
    private static long? Ticks(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            return long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
        {
            return null;
        }
    }
}
