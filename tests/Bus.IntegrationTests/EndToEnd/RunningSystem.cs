using System.Net.Http.Json;
using System.Text.Json;
using Bus.IntegrationTests.Email;
using Bus.IntegrationTests.Infrastructure;

namespace Bus.IntegrationTests.EndToEnd;

[CollectionDefinition(Name)]
public sealed class RunningSystemCollection : ICollectionFixture<RunningSystem>
{
    public const string Name = "running system";
}

/// <summary>
/// The Gateway, EmailService and Scheduler as real processes on real RabbitMQ (a virtual host of their own) and PostgreSQL
/// (a fresh database), sending to a real SMTP server on loopback behind a gate the tests can close.
/// </summary>
public sealed class RunningSystem : IAsyncLifetime
{
    /// <summary>EmailService's back-off here: one in-memory retry inside two redeliveries through the Scheduler.</summary>
    public static readonly TimeSpan[] EmailRetryIntervals = [TimeSpan.FromMilliseconds(100)];
    public static readonly TimeSpan[] EmailRedeliveryIntervals = [TimeSpan.FromMilliseconds(500), TimeSpan.FromSeconds(1)];

    /// <summary>How many attempts a message that always fails gets before it lands in <c>email_error</c>.</summary>
    public static int EmailAttemptsBeforeError => (EmailRetryIntervals.Length + 1) * (EmailRedeliveryIntervals.Length + 1);

    private readonly List<ServiceProcess> _services = [];
    private string _database = "";
    private int _gatewayPort;
    private int _emailPort;
    private int _schedulerPort;

    public string VirtualHost { get; } = $"bus-test-{Guid.NewGuid():N}"[..21];
    /// <summary>The Gateway's API as an admin (<see cref="GatewayAs"/> for another role).</summary>
    public HttpClient Gateway { get; } = new HttpClient { Timeout = TimeSpan.FromSeconds(30) }.WithRole();

    /// <summary>A new client of the Gateway with a token for <paramref name="role"/>; dispose it.</summary>
    public HttpClient GatewayAs(string role) =>
        new HttpClient { BaseAddress = Gateway.BaseAddress, Timeout = Gateway.Timeout }.WithRole(role);
    public RabbitManagement Rabbit { get; } = new();
    public TestSmtpServer Smtp { get; private set; } = null!;
    public SmtpGate SmtpGate { get; private set; } = null!;
    public IReadOnlyList<ServiceProcess> Services => _services;

    /// <summary>Where each process listens, for what the Gateway's API does not cover (<c>/metrics</c>).</summary>
    public Uri EmailServiceAddress => new($"http://127.0.0.1:{_emailPort}");
    public Uri SchedulerAddress => new($"http://127.0.0.1:{_schedulerPort}");
    public string DatabaseConnectionString => _database;

    public async Task InitializeAsync()
    {
        await Rabbit.CreateVirtualHostAsync(VirtualHost);
        _database = await TestEnvironment.CreateDatabaseAsync("bus_e2e");
        Smtp = await TestSmtpServer.StartAsync();
        SmtpGate = SmtpGate.Open(Smtp.Port);

        var settings = Settings();
        await ServiceProcess.RunToCompletionAsync("services/Gateway", "Bus.Gateway", settings, "migrate");
        await ServiceProcess.RunToCompletionAsync("services/EmailService", "Bus.EmailService", settings, "migrate");
        await ServiceProcess.RunToCompletionAsync("services/Scheduler", "Bus.Scheduler", settings, "migrate");

        _emailPort = FreePort.Next();
        _schedulerPort = FreePort.Next();
        _gatewayPort = FreePort.Next();
        _services.Add(StartEmailService());
        _services.Add(StartGateway());
        _services.Add(StartScheduler());
        Gateway.BaseAddress = new Uri($"http://127.0.0.1:{_gatewayPort}");

        await _services[0].WaitUntilReadyAsync(_emailPort);
        await _services[1].WaitUntilReadyAsync(_gatewayPort);
        await _services[2].WaitUntilReadyAsync(_schedulerPort);
    }

    /// <summary>Kills the Gateway process and starts a new one on the same port: nothing may live only in its memory.</summary>
    public async Task RestartGatewayAsync()
    {
        await _services[1].DisposeAsync();
        _services[1] = StartGateway();
        await _services[1].WaitUntilReadyAsync(_gatewayPort);
    }

    /// <summary>Kills the only Scheduler; what it had scheduled must wait in PostgreSQL until <see cref="StartSchedulerAsync"/>.</summary>
    public async Task StopSchedulerAsync() => await _services[2].DisposeAsync();

    public async Task StartSchedulerAsync()
    {
        _services[2] = StartScheduler();
        await _services[2].WaitUntilReadyAsync(_schedulerPort);
    }

    /// <summary>Kills the only EmailService (as KEDA scales a worker to zero): its queue keeps what is sent meanwhile.</summary>
    public async Task StopEmailServiceAsync() => await _services[0].DisposeAsync();

    public async Task StartEmailServiceAsync()
    {
        _services[0] = StartEmailService();
        await _services[0].WaitUntilReadyAsync(_emailPort);
    }

    private ServiceProcess StartEmailService() =>
        ServiceProcess.Start("services/EmailService", "Bus.EmailService", Settings(), "--urls", $"http://127.0.0.1:{_emailPort}");

    private ServiceProcess StartScheduler() =>
        ServiceProcess.Start("services/Scheduler", "Bus.Scheduler", Settings(), "--urls", $"http://127.0.0.1:{_schedulerPort}");

    private ServiceProcess StartGateway() =>
        ServiceProcess.Start("services/Gateway", "Bus.Gateway", Settings(), "--urls", $"http://127.0.0.1:{_gatewayPort}");

    public async Task DisposeAsync()
    {
        foreach (var service in _services)
            await service.DisposeAsync();
        await SmtpGate.DisposeAsync();
        await Smtp.DisposeAsync();
        await Rabbit.DeleteVirtualHostAsync(VirtualHost);
        await TestEnvironment.DropDatabaseAsync(_database);
        Rabbit.Dispose();
        Gateway.Dispose();
    }

    /// <summary>The environment every process of this system gets, as scripts/run would set it.</summary>
    public Dictionary<string, string> Settings()
    {
        var settings = TestEnvironment.ProcessSettings(VirtualHost, _database);
        settings["Smtp__Host"] = "127.0.0.1";
        settings["Smtp__Port"] = SmtpGate.Port.ToString();
        settings["Smtp__Security"] = "None";
        settings["Smtp__From"] = "bus@localhost";
        foreach (var (key, value) in Dashboard.DashboardUsers.ProcessSettings)
            settings[key] = value;
        for (var i = 0; i < EmailRetryIntervals.Length; i++)
            settings[$"Queues__email__RetryIntervals__{i}"] = EmailRetryIntervals[i].ToString("c");
        for (var i = 0; i < EmailRedeliveryIntervals.Length; i++)
            settings[$"Queues__email__RedeliveryIntervals__{i}"] = EmailRedeliveryIntervals[i].ToString("c");
        return settings;
    }

    public async Task<HttpResponseMessage> SubmitAsync(object body) =>
        await Gateway.PostAsJsonAsync("/tasks", body);

    public static async Task<Guid> TaskIdOf(HttpResponseMessage response)
    {
        using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return document.RootElement.GetProperty("taskId").GetGuid();
    }

    /// <summary>Polls <c>GET /tasks/{id}</c> until the task reaches <paramref name="status"/>; fails with its last answer.</summary>
    public async Task<JsonElement> WaitForStatusAsync(Guid taskId, string status, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(60));
        var last = "(no answer)";
        while (DateTime.UtcNow < deadline)
        {
            var response = await Gateway.GetAsync($"/tasks/{taskId}");
            last = $"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}";
            if (response.IsSuccessStatusCode)
            {
                var task = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();
                if (task.GetProperty("status").GetString() == status)
                    return task;
            }
            await Task.Delay(100);
        }
        throw new TimeoutException($"task {taskId} did not reach {status}; last answer: {last}; logs: {string.Join(", ", _services.Select(s => s.LogPath))}");
    }

    /// <summary>The EmailService's ledger row for a task (status and last error), or null when it never tried.</summary>
    public async Task<(string Status, string? LastError)?> DeliveryOf(Guid taskId)
    {
        await using var connection = new Npgsql.NpgsqlConnection(_database);
        await connection.OpenAsync();
        await using var command = new Npgsql.NpgsqlCommand("SELECT status, last_error FROM email.deliveries WHERE task_id = @id", connection);
        command.Parameters.AddWithValue("id", taskId);
        await using var reader = await command.ExecuteReaderAsync();
        return await reader.ReadAsync() ? (reader.GetString(0), reader.IsDBNull(1) ? null : reader.GetString(1)) : null;
    }

    /// <summary>
    /// The messages of <paramref name="taskId"/> in <c>email_error</c>, once there is one: the task is Failed as soon as
    /// MassTransit publishes the fault, and the message reaches the error queue a moment later.
    /// </summary>
    public async Task<IReadOnlyList<QueuedMessage>> WaitForErrorQueueMessagesAsync(Guid taskId)
    {
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (true)
        {
            var found = (await Rabbit.PeekAsync(VirtualHost, "email_error", 500)).Where(m => m.Payload.Contains(taskId.ToString())).ToList();
            if (found.Count > 0 || DateTime.UtcNow > deadline)
                return found;
            await Task.Delay(200);
        }
    }

    public IReadOnlyList<ReceivedMail> MailsWithSubject(string subject) =>
        Smtp.Received.Where(m => m.Message.Subject == subject).ToList();
}
