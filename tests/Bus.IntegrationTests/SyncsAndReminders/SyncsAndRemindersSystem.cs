using System.Net.Http.Json;
using System.Text.Json;
using Bus.IntegrationTests.Infrastructure;
using Npgsql;

namespace Bus.IntegrationTests.SyncsAndReminders;

[CollectionDefinition(Name)]
public sealed class SyncsAndRemindersCollection : ICollectionFixture<SyncsAndRemindersSystem>
{
    public const string Name = "syncs and reminders system";
}

/// <summary>
/// The Gateway, IntegrationService and Scheduler as real processes on real RabbitMQ (a virtual host of their own) and
/// PostgreSQL (a fresh database), with the partners' readings APIs on a loopback <see cref="FakePartner"/>.
/// Queue <c>integration</c> retries quickly here: one retry, two redeliveries.
/// </summary>
public sealed class SyncsAndRemindersSystem : IAsyncLifetime
{
    public const int PageSize = 2;
    public const int AttemptsBeforeFailure = 2 * 3;

    private readonly List<ServiceProcess> _services = [];

    public string VirtualHost { get; } = $"bus-test-{Guid.NewGuid():N}"[..21];
    public HttpClient Gateway { get; } = new HttpClient { Timeout = TimeSpan.FromSeconds(30) }.WithRole();
    public RabbitManagement Rabbit { get; } = new();
    public FakePartner Partner { get; private set; } = null!;
    public string Database { get; private set; } = "";

    public async Task InitializeAsync()
    {
        Partner = await FakePartner.StartAsync();
        await Rabbit.CreateVirtualHostAsync(VirtualHost);
        Database = await TestEnvironment.CreateDatabaseAsync("bus_syncs");

        var settings = Settings();
        await ServiceProcess.RunToCompletionAsync("services/Gateway", "Bus.Gateway", settings, "migrate");
        await ServiceProcess.RunToCompletionAsync("services/IntegrationService", "Bus.IntegrationService", settings, "migrate");
        await ServiceProcess.RunToCompletionAsync("services/Scheduler", "Bus.Scheduler", settings, "migrate");

        var (integrationPort, schedulerPort, gatewayPort) = (FreePort.Next(), FreePort.Next(), FreePort.Next());
        _services.Add(ServiceProcess.Start("services/IntegrationService", "Bus.IntegrationService", settings, "--urls", $"http://127.0.0.1:{integrationPort}"));
        _services.Add(ServiceProcess.Start("services/Scheduler", "Bus.Scheduler", settings, "--urls", $"http://127.0.0.1:{schedulerPort}"));
        _services.Add(ServiceProcess.Start("services/Gateway", "Bus.Gateway", settings, "--urls", $"http://127.0.0.1:{gatewayPort}"));
        Gateway.BaseAddress = new Uri($"http://127.0.0.1:{gatewayPort}");
        await _services[0].WaitUntilReadyAsync(integrationPort);
        await _services[1].WaitUntilReadyAsync(schedulerPort);
        await _services[2].WaitUntilReadyAsync(gatewayPort);
    }

    private Dictionary<string, string> Settings()
    {
        var settings = TestEnvironment.ProcessSettings(VirtualHost, Database);
        foreach (var source in new[] { "serpram", "ayt" })
        {
            settings[$"Integration__Syncs__{source}__Url"] = Partner.UrlOf(source);
            settings[$"Integration__Syncs__{source}__AuthHeader"] = "X-Api-Key";
            settings[$"Integration__Syncs__{source}__AuthValue"] = FakePartner.ApiKey;
            settings[$"Integration__Syncs__{source}__PageSize"] = PageSize.ToString();
        }
        settings["Queues__integration__RetryIntervals__0"] = "00:00:00.100";
        settings["Queues__integration__RedeliveryIntervals__0"] = "00:00:00.200";
        settings["Queues__integration__RedeliveryIntervals__1"] = "00:00:00.200";
        return settings;
    }

    public Task<Guid> SubmitAsync(string type, object data) => Gateway.SubmitTaskAsync(type, data);

    public Task<JsonElement> GetTaskAsync(Guid taskId) => Gateway.GetTaskAsync(taskId);

    /// <summary>Polls <c>GET /tasks/{id}</c> until the task is <paramref name="status"/>; fails when it ends otherwise or the wait runs out.</summary>
    public Task<JsonElement> WaitForAsync(Guid taskId, string status) =>
        Gateway.WaitForTaskAsync(taskId, status, TimeSpan.FromSeconds(60), _services);

    /// <summary><c>GET /tasks?parentId=</c>: the tasks a parent submitted.</summary>
    public async Task<IReadOnlyList<JsonElement>> ChildrenOfAsync(Guid parentId)
    {
        var page = await Gateway.GetFromJsonAsync<JsonElement>($"/tasks?parentId={parentId}&limit=200");
        return [.. page.GetProperty("items").EnumerateArray().Select(t => t.Clone())];
    }

    public async Task<T?> ScalarAsync<T>(string sql, params (string Name, object Value)[] parameters)
    {
        await using var connection = new NpgsqlConnection(Database);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        foreach (var (name, value) in parameters)
            command.Parameters.AddWithValue(name, value);
        return await command.ExecuteScalarAsync() is T result ? result : default;
    }

    public Task<DateTime?> WatermarkAsync(string source) =>
        ScalarAsync<DateTime?>("SELECT watermark FROM integration.sync_watermarks WHERE source = @source", ("source", source));

    public async Task<long> ReadingCountAsync(string source) =>
        await ScalarAsync<long>("SELECT count(*) FROM integration.readings WHERE source = @source", ("source", source));

    public async Task DisposeAsync()
    {
        foreach (var service in _services)
            await service.DisposeAsync();
        await Partner.DisposeAsync();
        await Rabbit.DeleteVirtualHostAsync(VirtualHost);
        await TestEnvironment.DropDatabaseAsync(Database);
        Rabbit.Dispose();
        Gateway.Dispose();
    }
}
