using System.Net.Http.Json;
using System.Text.Json;
using Bus.IntegrationTests.Infrastructure;
using Npgsql;

namespace Bus.IntegrationTests.Integration;

[CollectionDefinition(Name)]
public sealed class IntegrationSystemCollection : ICollectionFixture<IntegrationSystem>
{
    public const string Name = "integration system";
}

/// <summary>
/// The Gateway, IntegrationService and the Scheduler (for redeliveries) as real processes on real RabbitMQ (a virtual
/// host of their own) and PostgreSQL (a fresh database), with a local partner standing in for Slack and the SMS provider. Only <see
/// cref="PartnerServer.AllowedAddress"/> is allow-listed: 127.0.0.1 and localhost stay refused. Short back-offs:
/// 2 retries 50 ms apart inside an attempt, breakers that open after five failures for <see cref="BreakDuration"/>,
/// Slack's 3 attempts 200 ms apart.
/// </summary>
public sealed class IntegrationSystem : IAsyncLifetime
{
    public const string SlackPath = "/slack/webhook";
    public const string SmsPath = "/sms/messages";
    public const string SmsCredential = "Bearer sms-provider-credential-7f3a";
    public static readonly TimeSpan BreakDuration = TimeSpan.FromSeconds(8);

    private readonly List<ServiceProcess> _services = [];
    private int _gatewayPort;
    private int _integrationPort;
    private int _schedulerPort;

    public string VirtualHost { get; } = $"bus-test-{Guid.NewGuid():N}"[..21];
    public HttpClient Gateway { get; } = new HttpClient { Timeout = TimeSpan.FromSeconds(30) }.WithRole();
    public RabbitManagement Rabbit { get; } = new();
    public string Database { get; private set; } = "";
    /// <summary>The partner whose URLs are in the configuration: Slack's webhook (<see cref="SlackPath"/>) and the SMS provider (<see cref="SmsPath"/>).</summary>
    public PartnerServer ConfiguredPartner { get; private set; } = null!;
    public IReadOnlyList<ServiceProcess> Services => _services;

    public async Task InitializeAsync()
    {
        ConfiguredPartner = await PartnerServer.StartAsync();
        await Rabbit.CreateVirtualHostAsync(VirtualHost);
        Database = await TestEnvironment.CreateDatabaseAsync("bus_integration");

        var settings = Settings();
        await ServiceProcess.RunToCompletionAsync("services/Gateway", "Bus.Gateway", settings, "migrate");
        await ServiceProcess.RunToCompletionAsync("services/IntegrationService", "Bus.IntegrationService", settings, "migrate");
        await ServiceProcess.RunToCompletionAsync("services/Scheduler", "Bus.Scheduler", settings, "migrate");

        _integrationPort = FreePort.Next();
        _gatewayPort = FreePort.Next();
        _schedulerPort = FreePort.Next();
        _services.Add(ServiceProcess.Start("services/IntegrationService", "Bus.IntegrationService", settings, "--urls", $"http://127.0.0.1:{_integrationPort}"));
        _services.Add(ServiceProcess.Start("services/Gateway", "Bus.Gateway", settings, "--urls", $"http://127.0.0.1:{_gatewayPort}"));
        _services.Add(ServiceProcess.Start("services/Scheduler", "Bus.Scheduler", settings, "--urls", $"http://127.0.0.1:{_schedulerPort}"));
        Gateway.BaseAddress = new Uri($"http://127.0.0.1:{_gatewayPort}");
        await _services[0].WaitUntilReadyAsync(_integrationPort);
        await _services[1].WaitUntilReadyAsync(_gatewayPort);
        await _services[2].WaitUntilReadyAsync(_schedulerPort);
    }

    public Dictionary<string, string> Settings()
    {
        var settings = TestEnvironment.ProcessSettings(VirtualHost, Database);
        settings["Encryption__Key"] = TestSecrets.EncryptionKey;
        settings["Integration__Outbound__AllowedHosts__0"] = PartnerServer.AllowedAddress;
        settings["Integration__Outbound__MaxRetryAttempts"] = "2";
        settings["Integration__Outbound__RetryDelay"] = "00:00:00.050";
        settings["Integration__Outbound__AttemptTimeout"] = "00:00:05";
        settings["Integration__Outbound__CircuitBreaker__BreakDuration"] = BreakDuration.ToString("c");
        settings["Integration__Slack__WebhookUrl"] = ConfiguredPartner.Address + SlackPath;
        settings["Integration__Sms__Url"] = ConfiguredPartner.Address + SmsPath;
        settings["Integration__Sms__AuthHeaderValue"] = SmsCredential;
        settings["Integration__Slack__TaskLinkBase"] = "https://bus.example.com/tasks/";
        settings["Integration__Slack__AttemptDelay"] = "00:00:00.200";
        settings["Queues__integration__RetryIntervals__0"] = "00:00:00.200";
        string[] redeliveries = ["00:00:01", "00:00:02", "00:00:04", "00:00:08", "00:00:08"];
        for (var i = 0; i < redeliveries.Length; i++)
            settings[$"Queues__integration__RedeliveryIntervals__{i}"] = redeliveries[i];
        return settings;
    }

    public Task<Guid> SubmitAsync(string type, object data) => Gateway.SubmitTaskAsync(type, data);

    public Task<JsonElement> GetTaskAsync(Guid taskId) => Gateway.GetTaskAsync(taskId);

    /// <summary>Polls <c>GET /tasks/{id}</c> until the task is Completed, Failed or Cancelled; fails if it is not <paramref name="status"/>.</summary>
    public Task<JsonElement> WaitForAsync(Guid taskId, string status, TimeSpan? timeout = null) =>
        Gateway.WaitForTaskAsync(taskId, status, timeout ?? TimeSpan.FromSeconds(60), _services);

    /// <summary>Polls until <paramref name="condition"/> holds; fails with <paramref name="what"/> and the logs after <paramref name="timeout"/>.</summary>
    public async Task UntilAsync(Func<Task<bool>> condition, string what, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(60));
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
                throw new Xunit.Sdk.XunitException($"timed out waiting until {what}; logs: {LogPaths}");
            await Task.Delay(100);
        }
    }

    public string LogPaths => string.Join(", ", _services.Select(s => s.LogPath));

    /// <summary>What every process of the system has written so far.</summary>
    public string Logs() => string.Join("\n", _services.Select(s => ReadShared(s.LogPath)));

    public string IntegrationLog() => ReadShared(_services[0].LogPath);

    /// <summary>The row of <c>integration.dead_letter_alerts</c> for a failed task: (alerted, alert task id), or null.</summary>
    public async Task<(bool Found, Guid? AlertTaskId)> DeadLetterAlertAsync(Guid taskId)
    {
        await using var connection = new NpgsqlConnection(Database);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT alert_task_id FROM integration.dead_letter_alerts WHERE task_id = @taskId", connection);
        command.Parameters.AddWithValue("taskId", taskId);
        await using var reader = await command.ExecuteReaderAsync();
        if (!await reader.ReadAsync())
            return (false, null);
        return (true, reader.IsDBNull(0) ? null : reader.GetGuid(0));
    }

    public IReadOnlyList<PartnerRequest> SlackMessagesAbout(Guid taskId) =>
        [.. ConfiguredPartner.ReceivedAt(SlackPath).Where(r => r.Body.Contains(taskId.ToString(), StringComparison.Ordinal))];

    private static string ReadShared(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    public async Task DisposeAsync()
    {
        foreach (var service in _services)
            await service.DisposeAsync();
        await ConfiguredPartner.DisposeAsync();
        await Rabbit.DeleteVirtualHostAsync(VirtualHost);
        await TestEnvironment.DropDatabaseAsync(Database);
        Rabbit.Dispose();
        Gateway.Dispose();
    }
}
