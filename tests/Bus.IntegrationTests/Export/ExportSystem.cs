using System.Net.Http.Json;
using System.Text.Json;
using Bus.IntegrationTests.Infrastructure;
using Npgsql;

namespace Bus.IntegrationTests.Export;

[CollectionDefinition(Name)]
public sealed class ExportSystemCollection : ICollectionFixture<ExportSystem>
{
    public const string Name = "export system";
}

/// <summary>
/// The Gateway and ExportService as real processes on real RabbitMQ (a virtual host of their own) and PostgreSQL (a
/// fresh database holding a <c>users</c> table granted to the export reader and a <c>secrets</c> table that is not),
/// with a temporary storage root. Queries time out after <see cref="StatementTimeout"/>.
/// </summary>
public sealed class ExportSystem : IAsyncLifetime
{
    public const string ReaderPassword = "bus-export-reader-dev";

    /// <summary>The export reader role's password as scripts/infra set it: every fixture that runs ExportService's migrate passes it.</summary>
    public static string ReaderPasswordSetting =>
        Environment.GetEnvironmentVariable("BUS_EXPORT_READER_PASSWORD") is { Length: > 0 } password ? password : ReaderPassword;
    public const int UserCount = 250;
    public static readonly TimeSpan StatementTimeout = TimeSpan.FromSeconds(2);

    private readonly List<ServiceProcess> _services = [];
    private int _gatewayPort;
    private int _exportPort;

    public string VirtualHost { get; } = $"bus-test-{Guid.NewGuid():N}"[..21];
    public HttpClient Gateway { get; } = new HttpClient { Timeout = TimeSpan.FromSeconds(30) }.WithRole();
    public RabbitManagement Rabbit { get; } = new();
    public string Database { get; private set; } = "";
    public string StorageRoot { get; } = Path.Combine(Path.GetTempPath(), $"bus-export-{Guid.NewGuid():N}");
    public int ExportPort => _exportPort;

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(StorageRoot);
        await Rabbit.CreateVirtualHostAsync(VirtualHost);
        Database = await TestEnvironment.CreateDatabaseAsync("bus_export");
        await SeedAsync();

        var settings = Settings();
        await ServiceProcess.RunToCompletionAsync("services/Gateway", "Bus.Gateway", settings, "migrate");
        await ServiceProcess.RunToCompletionAsync("services/ExportService", "Bus.ExportService", settings, "migrate");

        _exportPort = FreePort.Next();
        _gatewayPort = FreePort.Next();
        _services.Add(ServiceProcess.Start("services/ExportService", "Bus.ExportService", settings, "--urls", $"http://127.0.0.1:{_exportPort}"));
        _services.Add(ServiceProcess.Start("services/Gateway", "Bus.Gateway", settings, "--urls", $"http://127.0.0.1:{_gatewayPort}"));
        Gateway.BaseAddress = new Uri($"http://127.0.0.1:{_gatewayPort}");
        await _services[0].WaitUntilReadyAsync(_exportPort);
        await _services[1].WaitUntilReadyAsync(_gatewayPort);
    }

    /// <summary>Users with awkward names (comma, quote, line break, non-ASCII) so the CSV really needs RFC 4180 quoting.</summary>
    private async Task SeedAsync()
    {
        await using var connection = new NpgsqlConnection(Database);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"""
            CREATE TABLE public.users (id integer PRIMARY KEY, name text NOT NULL, email text, active boolean NOT NULL, score numeric(6,2), created_at timestamptz NOT NULL, profile jsonb);
            INSERT INTO public.users
            SELECT i,
                   CASE i % 5 WHEN 0 THEN 'Ada, "the first" ' || i WHEN 1 THEN E'Line\nbreak ' || i WHEN 2 THEN 'Zoë ' || i ELSE 'user ' || i END,
                   CASE WHEN i % 7 = 0 THEN NULL ELSE 'user' || i || '@example.com' END,
                   i % 3 <> 0,
                   i * 1.25,
                   timestamptz '2026-01-01 00:00:00+00' + i * interval '1 hour',
                   jsonb_build_object('level', i % 4, 'tags', jsonb_build_array('a', i))
            FROM generate_series(1, {UserCount}) AS i;
            CREATE TABLE public.secrets (id integer PRIMARY KEY, token text NOT NULL);
            INSERT INTO public.secrets VALUES (1, 'not-for-exports');
            """, connection);
        await command.ExecuteNonQueryAsync();
    }

    public Dictionary<string, string> Settings()
    {
        var settings = TestEnvironment.ProcessSettings(VirtualHost, Database);
        settings["Export__StorageRoot"] = StorageRoot;
        settings["Export__ReaderPassword"] = ReaderPasswordSetting;
        settings["Export__GrantedTables__0"] = "public.users";
        settings["Export__GrantedTables__1"] = "bus.tasks";
        settings["Export__StatementTimeout"] = StatementTimeout.ToString("c");
        settings["Export__ProgressInterval"] = "00:00:00.200";
        settings["Export__Datasets__active-users-since__Query"] = "SELECT id, created_at FROM users WHERE active AND created_at >= @since ORDER BY id";
        settings["Export__Datasets__active-users-since__Parameters__since"] = "timestamptz";
        settings["Queues__export__RetryIntervals__0"] = "00:00:00.100";
        settings["Queues__export__RedeliveryIntervals__0"] = "00:00:00.500";
        return settings;
    }

    public string PathOf(string relative) => Path.Combine(StorageRoot, relative.TrimStart('/'));

    public Task<Guid> SubmitAsync(string type, object data) => Gateway.SubmitTaskAsync(type, data);

    /// <summary>Polls <c>GET /tasks/{id}</c> until the task is Completed or Failed; fails if it is not <paramref name="status"/>.</summary>
    public Task<JsonElement> WaitForAsync(Guid taskId, string status) =>
        Gateway.WaitForTaskAsync(taskId, status, TimeSpan.FromSeconds(60), _services);

    /// <summary>Puts a MassTransit command straight on exchange <c>export</c>, as another service's producer would.</summary>
    public Task PublishCommandAsync(string messageType, object message) =>
        Rabbit.PublishCommandAsync(VirtualHost, "export", messageType, message);

    public async Task<T> ScalarAsync<T>(string sql)
    {
        await using var connection = new NpgsqlConnection(Database);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return (T)(await command.ExecuteScalarAsync())!;
    }

    public async Task<bool> ExportServiceIsReadyAsync()
    {
        using var http = new HttpClient();
        return (await http.GetAsync($"http://127.0.0.1:{_exportPort}/health/ready")).IsSuccessStatusCode && !_services[0].HasExited;
    }

    public async Task DisposeAsync()
    {
        foreach (var service in _services)
            await service.DisposeAsync();
        await Rabbit.DeleteVirtualHostAsync(VirtualHost);
        await TestEnvironment.DropDatabaseAsync(Database);
        Rabbit.Dispose();
        Gateway.Dispose();
        Directory.Delete(StorageRoot, recursive: true);
    }
}
