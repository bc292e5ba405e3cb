using Bus.IntegrationTests.Email;
using Bus.IntegrationTests.Infrastructure;

namespace Bus.FaultTests.Infrastructure;

/// <summary>
/// The system every scenario runs on: the Gateway, the Scheduler and two EmailService replicas as real processes, on
/// the suite's private RabbitMQ (a virtual host of their own) and PostgreSQL (a fresh database), sending to an SMTP
/// listener on loopback that counts every mail and can hold or slow conversations. Any process can be killed
/// (SIGKILL) and started again. Each replica sends from its own address, <see cref="SenderOf"/>, so every mail says
/// which replica sent it.
/// </summary>
public sealed class FaultSystem : IAsyncDisposable
{
    public const int EmailReplicas = 2;
    /// <summary>Per replica: 5 messages at a time, RabbitMQ prefetch 10 (the shipped defaults).</summary>
    public const int EmailConcurrency = 5;

    private readonly PrivateServers _servers;
    private readonly int _gatewayPort = FreePort.Next();
    private readonly int _schedulerPort = FreePort.Next();
    private readonly int[] _emailPorts = [.. Enumerable.Range(0, EmailReplicas).Select(_ => FreePort.Next())];
    private readonly ServiceProcess?[] _emailServices = new ServiceProcess?[EmailReplicas];
    private ServiceProcess? _gateway;
    private ServiceProcess? _scheduler;

    private FaultSystem(PrivateServers servers)
    {
        _servers = servers;
        VirtualHost = $"faults-{Guid.NewGuid():N}"[..20];
        Gateway = new HttpClient { Timeout = TimeSpan.FromSeconds(30) }.WithRole();
        Gateway.BaseAddress = new Uri($"http://127.0.0.1:{_gatewayPort}");
    }

    public string VirtualHost { get; }
    public string DatabaseConnectionString { get; private set; } = "";
    /// <summary>The same database for the test's own reads, without pooling: a pooled connection dies with a PostgreSQL restart.</summary>
    public string LedgerConnectionString => new Npgsql.NpgsqlConnectionStringBuilder(DatabaseConnectionString) { Pooling = false }.ConnectionString;
    public TestSmtpServer Smtp { get; private set; } = null!;
    /// <summary>Holds conversations when the client names its sender: nothing of the message has been sent yet.</summary>
    public MailValve AtMailFrom { get; } = new();
    /// <summary>Holds conversations once the whole message is in, before the relay's 250.</summary>
    public MailValve BeforeAccept { get; } = new();
    /// <summary>Holds replica 0's conversations only, at MAIL FROM: a replica whose every task is stuck on a slow relay.</summary>
    public MailValve ReplicaZeroAtMailFrom { get; } = new();
    /// <summary>The Gateway's API as an admin.</summary>
    public HttpClient Gateway { get; }
    public PrivateRabbitMq Rabbit => _servers.Rabbit;
    public PrivatePostgres Postgres => _servers.Postgres;
    public IEnumerable<string> LogPaths =>
        new[] { _gateway, _scheduler }.Concat(_emailServices).OfType<ServiceProcess>().Select(s => s.LogPath);

    public static string SenderOf(int replica) => $"replica{replica}@faults.test";

    public static async Task<FaultSystem> StartAsync(PrivateServers servers)
    {
        var system = new FaultSystem(servers);
        try
        {
            await system.InitializeAsync();
        }
        catch (Exception)
        {
            await system.DisposeAsync();
            throw;
        }
        return system;
    }

    private async Task InitializeAsync()
    {
        await Rabbit.AddVirtualHostAsync(VirtualHost);
        DatabaseConnectionString = await Postgres.CreateDatabaseAsync($"faults_{Guid.NewGuid():N}");
        Smtp = await TestSmtpServer.StartAsync(hooks: new SmtpHooks(OnMailFromAsync, BeforeAccept.BeforeAccept));

        var settings = Settings();
        await Task.WhenAll(
            ServiceProcess.RunToCompletionAsync("services/Gateway", "Bus.Gateway", settings, "migrate"),
            ServiceProcess.RunToCompletionAsync("services/EmailService", "Bus.EmailService", settings, "migrate"),
            ServiceProcess.RunToCompletionAsync("services/Scheduler", "Bus.Scheduler", settings, "migrate"));

        // The Gateway first: it declares the task queues the workers bind to.
        await StartGatewayAsync();
        await Task.WhenAll(Enumerable.Range(0, _emailServices.Length).Select(StartEmailServiceAsync).Append(StartSchedulerAsync()));
    }

    public async Task StartGatewayAsync()
    {
        _gateway = ServiceProcess.Start("services/Gateway", "Bus.Gateway", Settings(), "--urls", $"http://127.0.0.1:{_gatewayPort}");
        await _gateway.WaitUntilReadyAsync(_gatewayPort);
    }

    /// <summary>SIGKILL: no shutdown hook runs, whatever was in its memory is gone.</summary>
    public async Task KillGatewayAsync() => await Kill(_gateway);

    private async Task OnMailFromAsync(string sender, CancellationToken cancellationToken)
    {
        if (sender == SenderOf(0))
            await ReplicaZeroAtMailFrom.AtMailFrom(sender, cancellationToken);
        await AtMailFrom.AtMailFrom(sender, cancellationToken);
    }

    public async Task StartEmailServiceAsync(int replica)
    {
        var settings = Settings();
        settings["Smtp__From"] = SenderOf(replica);
        // MassTransit logs a message it moves to <queue>_skipped ("SKIP <address> <message id>") only at Debug: the rare
        // skipped SendEmail copy after a broker restart (README, Reliability) is otherwise not traceable to its task.
        settings["Logging__LogLevel__MassTransit"] = "Debug";
        _emailServices[replica] = ServiceProcess.Start("services/EmailService", "Bus.EmailService", settings, "--urls", $"http://127.0.0.1:{_emailPorts[replica]}");
        await _emailServices[replica]!.WaitUntilReadyAsync(_emailPorts[replica]);
    }

    public async Task KillEmailServiceAsync(int replica) => await Kill(_emailServices[replica]);

    private async Task StartSchedulerAsync()
    {
        _scheduler = ServiceProcess.Start("services/Scheduler", "Bus.Scheduler", Settings(), "--urls", $"http://127.0.0.1:{_schedulerPort}");
        await _scheduler.WaitUntilReadyAsync(_schedulerPort);
    }

    private static async Task Kill(ServiceProcess? service)
    {
        // ServiceProcess ends a process with Process.Kill: SIGKILL on Linux.
        if (service is not null)
            await service.DisposeAsync();
    }

    /// <summary>
    /// The environment of every process: as the integration tests set it, pointed at the private servers, with the
    /// timeouts shortened so a fault costs seconds, not minutes.
    /// </summary>
    private Dictionary<string, string> Settings()
    {
        var settings = TestEnvironment.ProcessSettings(VirtualHost, DatabaseConnectionString);
        settings["RabbitMq__Host"] = "127.0.0.1";
        settings["RabbitMq__Port"] = Rabbit.Port.ToString();
        settings["RabbitMq__Username"] = PrivateRabbitMq.User;
        settings["RabbitMq__Password"] = PrivateRabbitMq.Password;
        // No management plugin on the private node: queue statistics are simply unavailable, as the Gateway allows.
        settings["RabbitMq__ManagementPort"] = _servers.ClosedPort.ToString();
        settings["Redis__ConnectionString"] = TestEnvironment.RedisConnectionString;
        settings["Redis__KeyPrefix"] = $"{VirtualHost}:";
        settings["Smtp__Host"] = "127.0.0.1";
        settings["Smtp__Port"] = Smtp.Port.ToString();
        settings["Smtp__Security"] = "None";
        settings["Smtp__From"] = "gateway@faults.test";
        settings["Queues__email__ConcurrencyLimit"] = EmailConcurrency.ToString();
        settings["Queues__email__PrefetchCount"] = (2 * EmailConcurrency).ToString();
        settings["Smtp__TimeoutSeconds"] = "90";
        settings["Gateway__SubmitTimeout"] = "00:00:10";
        settings["Tasks__ClaimTimeout"] = "00:00:10";
        settings["Queues__email__RetryIntervals__0"] = "00:00:00.200";
        string[] redeliveries = ["00:00:01", "00:00:02", "00:00:05", "00:00:10", "00:00:20"];
        for (var i = 0; i < redeliveries.Length; i++)
            settings[$"Queues__email__RedeliveryIntervals__{i}"] = redeliveries[i];
        return settings;
    }

    public async ValueTask DisposeAsync()
    {
        await Kill(_gateway);
        await Kill(_scheduler);
        foreach (var service in _emailServices)
            await Kill(service);
        if (Smtp is not null)
            await Smtp.DisposeAsync();
        Gateway.Dispose();
        try
        {
            await Rabbit.DeleteVirtualHostAsync(VirtualHost);
        }
        catch (InvalidOperationException)
        {
            // The node is stopped with the rest of the suite's servers anyway.
        }
    }
}
