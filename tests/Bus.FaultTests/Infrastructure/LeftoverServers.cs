using System.Diagnostics;

namespace Bus.FaultTests.Infrastructure;

/// <summary>
/// The servers a suite run left behind when its test host was killed before it could stop them: found by their folder
/// (named after the test host's process id, which no longer runs), stopped by the process ids they recorded, deleted.
/// </summary>
public static class LeftoverServers
{
    public const string Prefix = "bus-faults-";

    public static async Task StopAsync(string temp)
    {
        foreach (var folder in Directory.GetDirectories(temp, Prefix + "*"))
        {
            var owner = Path.GetFileName(folder)[Prefix.Length..].Split('-')[0];
            if (!int.TryParse(owner, out var pid) || IsRunning(pid))
                continue;
            Kill(Path.Combine(folder, "rabbitmq", "rabbitmq.pid"));
            Kill(Path.Combine(folder, "postgres", "data", "postmaster.pid"));
            await Task.Delay(500);
            Directory.Delete(folder, recursive: true);
        }
    }

    private static bool IsRunning(int pid) => Directory.Exists($"/proc/{pid}");

    /// <summary>Kills the process whose id is the first line of <paramref name="pidFile"/>, if it still runs.</summary>
    private static void Kill(string pidFile)
    {
        if (!File.Exists(pidFile) || !int.TryParse(File.ReadLines(pidFile).FirstOrDefault()?.Trim(), out var pid) || !IsRunning(pid))
            return;
        try
        {
            using var process = Process.GetProcessById(pid);
            process.Kill(entireProcessTree: true);
        }
        catch (Exception exception) when (exception is ArgumentException or InvalidOperationException or System.ComponentModel.Win32Exception)
        {
            // Already gone.
        }
    }
}
