using System.Collections.Concurrent;
using System.Net.Http.Json;
using System.Text.Json;
using Bus.Contracts.Tasks;
using Bus.IntegrationTests.Infrastructure;
using MassTransit;

namespace Bus.IntegrationTests.Media;

[CollectionDefinition(Name)]
public sealed class MediaSystemCollection : ICollectionFixture<MediaSystem>
{
    public const string Name = "media system";
}

/// <summary>
/// The Gateway and MediaService as real processes (like <see cref="EndToEnd.RunningSystem"/>, without e-mail) on a
/// RabbitMQ virtual host and a PostgreSQL database of their own, with a temporary storage root; and a bus of the
/// test's own on that virtual host that sends commands straight to queues and counts every <see cref="TaskCompleted"/>.
/// </summary>
public sealed class MediaSystem : IAsyncLifetime
{
    private readonly List<ServiceProcess> _services = [];
    private string _database = "";
    private int _gatewayPort;
    private IBusControl _bus = null!;

    public string VirtualHost { get; } = $"bus-media-{Guid.NewGuid():N}"[..21];
    public HttpClient Gateway { get; } = new HttpClient { Timeout = TimeSpan.FromSeconds(30) }.WithRole();
    public RabbitManagement Rabbit { get; } = new();
    public int MediaPort { get; private set; }
    public ServiceProcess MediaService => _services[0];

    /// <summary>The configured root; a sibling directory outside it holds what no task may reach.</summary>
    public string StorageRoot { get; }
    public string Outside { get; }
    public string DatabaseConnectionString => _database;

    /// <summary>Every TaskCompleted published on the virtual host, by task id.</summary>
    public ConcurrentDictionary<Guid, int> Completions { get; } = new();

    public MediaSystem()
    {
        var sandbox = Directory.CreateTempSubdirectory("bus-media-e2e-").FullName;
        StorageRoot = Path.Combine(sandbox, "storage");
        Outside = Path.Combine(sandbox, "outside");
        Directory.CreateDirectory(StorageRoot);
        Directory.CreateDirectory(Outside);
    }

    public async Task InitializeAsync()
    {
        await Rabbit.CreateVirtualHostAsync(VirtualHost);
        _database = await TestEnvironment.CreateDatabaseAsync("bus_media");

        var settings = Settings();
        await ServiceProcess.RunToCompletionAsync("services/Gateway", "Bus.Gateway", settings, "migrate");
        await ServiceProcess.RunToCompletionAsync("services/MediaService", "Bus.MediaService", settings, "migrate");

        MediaPort = FreePort.Next();
        _gatewayPort = FreePort.Next();
        _services.Add(ServiceProcess.Start("services/MediaService", "Bus.MediaService", settings, "--urls", $"http://127.0.0.1:{MediaPort}"));
        _services.Add(ServiceProcess.Start("services/Gateway", "Bus.Gateway", settings, "--urls", $"http://127.0.0.1:{_gatewayPort}"));
        Gateway.BaseAddress = new Uri($"http://127.0.0.1:{_gatewayPort}");

        _bus = MassTransit.Bus.Factory.CreateUsingRabbitMq(rabbit =>
        {
            rabbit.Host(TestEnvironment.RabbitHost, (ushort)TestEnvironment.RabbitPort, VirtualHost, host =>
            {
                host.Username(TestEnvironment.RabbitUser);
                host.Password(TestEnvironment.RabbitPassword);
            });
            rabbit.ReceiveEndpoint("media-e2e-completions", endpoint => endpoint.Handler<TaskCompleted>(context =>
            {
                Completions.AddOrUpdate(context.Message.TaskId, 1, (_, count) => count + 1);
                return Task.CompletedTask;
            }));
        });
        await _bus.StartAsync();

        await _services[0].WaitUntilReadyAsync(MediaPort);
        await _services[1].WaitUntilReadyAsync(_gatewayPort);
    }

    public async Task DisposeAsync()
    {
        await _bus.StopAsync();
        foreach (var service in _services)
            await service.DisposeAsync();
        await Rabbit.DeleteVirtualHostAsync(VirtualHost);
        await TestEnvironment.DropDatabaseAsync(_database);
        Rabbit.Dispose();
        Gateway.Dispose();
        Directory.Delete(Path.GetDirectoryName(StorageRoot)!, recursive: true);
    }

    public Dictionary<string, string> Settings()
    {
        var settings = TestEnvironment.ProcessSettings(VirtualHost, _database);
        settings["Media__StorageRoot"] = StorageRoot;
        // Two deliveries of one task run side by side, whatever the machine's core count.
        settings["Queues__media__ConcurrencyLimit"] = "4";
        return settings;
    }

    /// <summary>Writes a file under the storage root (<paramref name="path"/> as a task names it) and returns its full path.</summary>
    public string Put(string path, byte[] bytes)
    {
        var full = Full(path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        File.WriteAllBytes(full, bytes);
        return full;
    }

    public string Full(string path) => Path.Combine(StorageRoot, path.TrimStart('/'));

    public async Task SendAsync<T>(T command)
        where T : class
    {
        var endpoint = await _bus.GetSendEndpoint(Bus.ServiceDefaults.Messaging.TaskQueueTopology.SendAddress(Bus.ServiceDefaults.Messaging.QueueNames.Media));
        await endpoint.Send(command);
    }

    public async Task<HttpResponseMessage> SubmitAsync(object body) => await Gateway.PostAsJsonAsync("/tasks", body);

    public async Task<Guid> SubmitAcceptedAsync(object body)
    {
        var response = await SubmitAsync(body);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"{(int)response.StatusCode} {text}");
        return JsonDocument.Parse(text).RootElement.GetProperty("taskId").GetGuid();
    }

    /// <summary>Polls <c>GET /tasks/{id}</c> until the task is Completed or Failed; fails with its last answer otherwise.</summary>
    public async Task<JsonElement> WaitForEndAsync(Guid taskId, TimeSpan? timeout = null)
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
                if (task.GetProperty("status").GetString() is "Completed" or "Failed")
                    return task;
            }
            await Task.Delay(100);
        }
        throw new TimeoutException($"task {taskId} did not end; last answer: {last}; logs: {string.Join(", ", _services.Select(s => s.LogPath))}");
    }

    /// <summary>The task's ledger row: status, attempts and the output it recorded, or null when none was written.</summary>
    public async Task<(string Status, int Attempts, string? OutputPath)?> LedgerOf(Guid taskId)
    {
        await using var connection = new Npgsql.NpgsqlConnection(_database);
        await connection.OpenAsync();
        await using var command = new Npgsql.NpgsqlCommand("SELECT status, attempts, output_path FROM media.outputs WHERE task_id = @id", connection);
        command.Parameters.AddWithValue("id", taskId);
        await using var reader = await command.ExecuteReaderAsync();
        return await reader.ReadAsync() ? (reader.GetString(0), reader.GetInt32(1), reader.IsDBNull(2) ? null : reader.GetString(2)) : null;
    }

    public async Task<bool> MediaServiceIsReadyAsync()
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        return !MediaService.HasExited && (await http.GetAsync($"http://127.0.0.1:{MediaPort}/health/ready")).IsSuccessStatusCode;
    }
}
