using System.Globalization;
using Bus.IntegrationTests.Infrastructure;

namespace Bus.IntegrationTests.Scheduler;

/// <summary>Scheduler tests start and kill real processes and measure timing: they run one class at a time.</summary>
[CollectionDefinition(Name)]
public sealed class SchedulerProcessesCollection
{
    public const string Name = "scheduler processes";
}

/// <summary>
/// A virtual host and a fresh database of their own, and any number of Scheduler processes started from the build
/// output as scripts/run starts them, with check-ins short enough that a dead replica is noticed within seconds.
/// </summary>
public sealed class SchedulerTestSystem : IAsyncDisposable
{
    private readonly List<ServiceProcess> _schedulers = [];
    private readonly Dictionary<ServiceProcess, string> _urls = [];

    private SchedulerTestSystem(string connectionString)
    {
        ConnectionString = connectionString;
    }

    public string VirtualHost { get; } = $"bus-sched-{Guid.NewGuid():N}"[..22];

    public string ConnectionString { get; }

    /// <summary>
    /// Short enough for a refused send to be retried within a test, long enough that a publisher confirm slowed by a
    /// busy machine does not time out after RabbitMQ took the message (which sends it twice, as it would in production).
    /// </summary>
    public TimeSpan SendTimeout { get; } = TimeSpan.FromSeconds(5);

    public RabbitManagement Rabbit { get; } = new();

    public IReadOnlyList<ServiceProcess> Schedulers => _schedulers;

    public static async Task<SchedulerTestSystem> CreateAsync(bool migrate = true)
    {
        var system = new SchedulerTestSystem(await TestEnvironment.CreateDatabaseAsync("bus_sched"));
        await system.Rabbit.CreateVirtualHostAsync(system.VirtualHost);
        if (migrate)
            await system.MigrateAsync();
        return system;
    }

    /// <summary>The environment a Scheduler process gets; <see cref="Configuration"/> is the same for an in-test host.</summary>
    public Dictionary<string, string> Settings() =>
        Configuration().ToDictionary(setting => setting.Key.Replace(":", "__"), setting => setting.Value!);

    public Dictionary<string, string?> Configuration() => new()
    {
        ["RabbitMq:Host"] = TestEnvironment.RabbitHost,
        ["RabbitMq:Port"] = TestEnvironment.RabbitPort.ToString(CultureInfo.InvariantCulture),
        ["RabbitMq:VirtualHost"] = VirtualHost,
        ["RabbitMq:Username"] = TestEnvironment.RabbitUser,
        ["RabbitMq:Password"] = TestEnvironment.RabbitPassword,
        ["Postgres:ConnectionString"] = ConnectionString,
        ["Scheduler:CheckinInterval"] = "00:00:01",
        ["Scheduler:CheckinMisfireThreshold"] = "00:00:02",
        ["Scheduler:IdleWaitTime"] = "00:00:02",
        ["Scheduler:SendTimeout"] = SendTimeout.ToString("c", CultureInfo.InvariantCulture),
        ["Logging:LogLevel:Bus.Scheduler"] = "Debug",
    };

    public Task MigrateAsync() =>
        ServiceProcess.RunToCompletionAsync("services/Scheduler", "Bus.Scheduler", Process(Settings()), "migrate");

    /// <summary>Starts one more Scheduler and waits until its /health/ready answers 200 (bus, PostgreSQL and Quartz).</summary>
    public async Task<ServiceProcess> StartSchedulerAsync()
    {
        var port = FreePort.Next();
        var urls = $"http://127.0.0.1:{port}";
        var scheduler = ServiceProcess.Start("services/Scheduler", "Bus.Scheduler", Process(Settings()), "--urls", urls);
        _schedulers.Add(scheduler);
        _urls[scheduler] = urls;
        await scheduler.WaitUntilReadyAsync(port, TimeSpan.FromSeconds(45));
        return scheduler;
    }

    /// <summary>SIGKILL, as a node that dies: no graceful hand-over of anything it had claimed.</summary>
    public async Task KillSchedulerAsync(ServiceProcess scheduler)
    {
        _schedulers.Remove(scheduler);
        await scheduler.DisposeAsync();
    }

    /// <summary>
    /// SIGTERM, as Kubernetes stops a pod, then waits for the process to exit. ServiceProcess only kills, so the
    /// process is found by the unique <c>--urls</c> it was started with.
    /// </summary>
    public async Task StopSchedulerGracefullyAsync(ServiceProcess scheduler, TimeSpan timeout)
    {
        var pid = Directory.EnumerateDirectories("/proc")
            .Select(Path.GetFileName)
            .Where(name => name!.All(char.IsDigit))
            .FirstOrDefault(name =>
            {
                try
                {
                    return File.ReadAllText($"/proc/{name}/cmdline").Replace('\0', ' ').Contains(_urls[scheduler], StringComparison.Ordinal);
                }
                catch (IOException)
                {
                    return false;
                }
            }) ?? throw new InvalidOperationException($"no process runs {_urls[scheduler]}");
        using (var kill = System.Diagnostics.Process.Start("kill", ["-TERM", pid]))
            await kill.WaitForExitAsync();

        var deadline = DateTime.UtcNow + timeout;
        while (!scheduler.HasExited)
        {
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"the Scheduler did not stop within {timeout.TotalSeconds} s of SIGTERM; log: {scheduler.LogPath}");
            await Task.Delay(50);
        }
        await KillSchedulerAsync(scheduler);
    }

    /// <summary>Every replica, as <see cref="KillSchedulerAsync"/> does.</summary>
    public async Task KillSchedulersAsync()
    {
        foreach (var scheduler in _schedulers)
            await scheduler.DisposeAsync();
        _schedulers.Clear();
    }

    public string Logs => string.Join(", ", _schedulers.Select(s => s.LogPath));

    public async ValueTask DisposeAsync()
    {
        await KillSchedulersAsync();
        await Rabbit.DeleteVirtualHostAsync(VirtualHost);
        await TestEnvironment.DropDatabaseAsync(ConnectionString);
        Rabbit.Dispose();
    }

    private static Dictionary<string, string> Process(Dictionary<string, string> settings)
    {
        settings["ASPNETCORE_ENVIRONMENT"] = "Testing";
        return settings;
    }
}
