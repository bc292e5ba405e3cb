using System.Net.Http.Json;
using System.Text.Json;
using Bus.IntegrationTests.Email;
using Bus.IntegrationTests.Infrastructure;
using Npgsql;

namespace Bus.IntegrationTests.Maintenance;

[CollectionDefinition(Name)]
public sealed class MaintenanceSystemCollection : ICollectionFixture<MaintenanceSystem>
{
    public const string Name = "maintenance system";
}

/// <summary>
/// The Gateway, MaintenanceService and EmailService as real processes on real RabbitMQ (a virtual host of their own),
/// PostgreSQL (a fresh database, with a verification-token table and a quoted mixed-case one to clean) and a real SMTP
/// server on loopback, with a temporary storage root for expired files. Small batches, so every cleanup takes many.
/// </summary>
public sealed class MaintenanceSystem : IAsyncLifetime
{
    public const int TaskBatchSize = 25;
    public const int TableBatchSize = 7;
    public const string ReportRecipient = "ops@example.com";
    public const string ReportSubject = "Maintenance test report";

    private readonly List<ServiceProcess> _services = [];

    public string VirtualHost { get; } = $"bus-test-{Guid.NewGuid():N}"[..21];
    public HttpClient Gateway { get; } = new HttpClient { Timeout = TimeSpan.FromSeconds(90) }.WithRole();
    public RabbitManagement Rabbit { get; } = new();
    public string Database { get; private set; } = "";
    public string StorageRoot { get; } = Path.Combine(Path.GetTempPath(), $"bus-maintenance-{Guid.NewGuid():N}");
    public TestSmtpServer Smtp { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(StorageRoot);
        await Rabbit.CreateVirtualHostAsync(VirtualHost);
        Database = await TestEnvironment.CreateDatabaseAsync("bus_maintenance");
        Smtp = await TestSmtpServer.StartAsync();
        await ExecuteAsync("""
            CREATE TABLE public.verification_tokens (token text PRIMARY KEY, email text NOT NULL, expires_at timestamptz NOT NULL);
            CREATE TABLE public."Sessions" (id serial PRIMARY KEY, "Last Seen" timestamp with time zone NOT NULL);
            CREATE TABLE public.users (id integer PRIMARY KEY, created_at timestamptz NOT NULL);
            INSERT INTO public.users VALUES (1, now() - interval '10 years');
            """);

        var settings = Settings();
        await ServiceProcess.RunToCompletionAsync("services/Gateway", "Bus.Gateway", settings, "migrate");
        await ServiceProcess.RunToCompletionAsync("services/EmailService", "Bus.EmailService", settings, "migrate");
        await ServiceProcess.RunToCompletionAsync("services/MaintenanceService", "Bus.MaintenanceService", settings, "migrate");
        // Only their ledgers, which the shipped declarations trim; the services themselves don't run here.
        await ServiceProcess.RunToCompletionAsync("services/MediaService", "Bus.MediaService", settings, "migrate");
        await ServiceProcess.RunToCompletionAsync("services/ExportService", "Bus.ExportService", settings, "migrate");
        await ServiceProcess.RunToCompletionAsync("services/IntegrationService", "Bus.IntegrationService", settings, "migrate");

        var ports = new[] { FreePort.Next(), FreePort.Next(), FreePort.Next() };
        _services.Add(ServiceProcess.Start("services/MaintenanceService", "Bus.MaintenanceService", settings, "--urls", $"http://127.0.0.1:{ports[0]}"));
        _services.Add(ServiceProcess.Start("services/EmailService", "Bus.EmailService", settings, "--urls", $"http://127.0.0.1:{ports[1]}"));
        _services.Add(ServiceProcess.Start("services/Gateway", "Bus.Gateway", settings, "--urls", $"http://127.0.0.1:{ports[2]}"));
        Gateway.BaseAddress = new Uri($"http://127.0.0.1:{ports[2]}");
        for (var i = 0; i < _services.Count; i++)
            await _services[i].WaitUntilReadyAsync(ports[i]);
    }

    public Dictionary<string, string> Settings()
    {
        var settings = TestEnvironment.ProcessSettings(VirtualHost, Database);
        // The build machines are shared and loaded: a submission may wait for the saga longer than the default 15 s.
        settings["Gateway__SubmitTimeout"] = "00:01:00";
        settings["Smtp__Host"] = "127.0.0.1";
        settings["Smtp__Port"] = Smtp.Port.ToString();
        settings["Smtp__Security"] = "None";
        settings["Smtp__From"] = "bus@localhost";
        settings["Maintenance__Retention__BatchSize"] = TaskBatchSize.ToString();
        settings["Maintenance__Retention__Types__report_generation__Completed"] = "03:00:00";
        settings["Maintenance__Files__media__Path"] = StorageRoot;
        settings["Maintenance__Files__media__MaxAge"] = "1.00:00:00";
        settings["Maintenance__Tables__verification-tokens__BatchSize"] = TableBatchSize.ToString();
        settings["Maintenance__Tables__sessions__Table"] = "Sessions";
        settings["Maintenance__Tables__sessions__TimestampColumn"] = "Last Seen";
        settings["Maintenance__Tables__sessions__MaxAge"] = "30.00:00:00";
        settings["Maintenance__Tables__sessions__BatchSize"] = TableBatchSize.ToString();
        foreach (var (name, table, column) in BadDeclarations)
        {
            settings[$"Maintenance__Tables__{name}__Table"] = table;
            settings[$"Maintenance__Tables__{name}__TimestampColumn"] = column;
        }
        settings["Maintenance__Report__Recipients__0"] = ReportRecipient;
        settings["Maintenance__Report__Subject"] = ReportSubject;
        settings["Queues__maintenance__RetryIntervals__0"] = "00:00:00.100";
        settings["Export__ReaderPassword"] = Export.ExportSystem.ReaderPasswordSetting;
        return settings;
    }

    /// <summary>Declared tables whose table or column the catalog does not confirm: each run must be refused.</summary>
    public static readonly (string Name, string Table, string Column)[] BadDeclarations =
    [
        ("injected-table", "users; DROP TABLE users", "created_at"),
        ("quoted-escape", "public.users\" WHERE true; --", "created_at"),
        ("injected-column", "public.users", "created_at < now() OR true --"),
        ("not-a-timestamp", "public.verification_tokens", "token"),
        ("system-table", "pg_catalog.pg_class", "relname"),
        ("task-table", "bus.tasks", "created_at"),
    ];

    public Task<Guid> SubmitAsync(string type, object data) => Gateway.SubmitTaskAsync(type, data);

    /// <summary>Polls <c>GET /tasks/{id}</c> until the task is Completed or Failed; fails if it is not <paramref name="status"/>.</summary>
    public Task<JsonElement> WaitForAsync(Guid taskId, string status) =>
        Gateway.WaitForTaskAsync(taskId, status, TimeSpan.FromSeconds(90), _services);

    public async Task<JsonElement> RunAsync(string type, object? data = null) =>
        (await WaitForAsync(await SubmitAsync(type, data ?? new { }), "Completed")).GetProperty("result");

    /// <summary>
    /// Task records as the saga would have left them: one per duration, created <paramref name="createdAgo"/>, finished
    /// <paramref name="finishedAgo"/> (null: not finished) after running that long, with an attempt log like a real one.
    /// </summary>
    public Task<HashSet<Guid>> SeedTasksAsync(string status, string type, TimeSpan createdAgo, TimeSpan? finishedAgo, params TimeSpan[] durations) =>
        IdsAsync("""
            INSERT INTO bus.tasks (id, status, type, queue, priority, attempts, progress, attempt_log, created_at, started_at, finished_at, updated_at)
            SELECT gen_random_uuid(), @status, @type, 'seeded', 0, 1, 100, '[{"attempt":1}]', now() - @created_ago::interval,
                   now() - coalesce(@finished_ago::interval, interval '0') - d, now() - @finished_ago::interval, now() - coalesce(@finished_ago::interval, interval '0')
            FROM unnest(@durations) AS d
            RETURNING id
            """, ("status", status), ("type", type), ("created_ago", createdAgo), ("finished_ago", (object?)finishedAgo ?? DBNull.Value), ("durations", durations));

    public Task<HashSet<Guid>> SeedTasksAsync(string status, string type, int count, TimeSpan createdAgo, TimeSpan? finishedAgo) =>
        SeedTasksAsync(status, type, createdAgo, finishedAgo, [.. Enumerable.Repeat(TimeSpan.FromSeconds(1), count)]);

    public Task ExecuteAsync(string sql, params (string Name, object Value)[] parameters) =>
        WithCommandAsync(sql, parameters, command => command.ExecuteNonQueryAsync());

    public Task<T> ScalarAsync<T>(string sql, params (string Name, object Value)[] parameters) =>
        WithCommandAsync(sql, parameters, async command => (T)(await command.ExecuteScalarAsync())!);

    public Task<HashSet<Guid>> IdsAsync(string sql, params (string Name, object Value)[] parameters) =>
        WithCommandAsync(sql, parameters, async command =>
        {
            var ids = new HashSet<Guid>();
            await using var reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync())
                ids.Add(reader.GetGuid(0));
            return ids;
        });

    private async Task<T> WithCommandAsync<T>(string sql, (string Name, object Value)[] parameters, Func<NpgsqlCommand, Task<T>> run)
    {
        await using var connection = new NpgsqlConnection(Database);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        foreach (var (name, value) in parameters)
            command.Parameters.AddWithValue(name, value);
        return await run(command);
    }

    public async Task DisposeAsync()
    {
        foreach (var service in _services)
            await service.DisposeAsync();
        await Smtp.DisposeAsync();
        await Rabbit.DeleteVirtualHostAsync(VirtualHost);
        await TestEnvironment.DropDatabaseAsync(Database);
        Rabbit.Dispose();
        Gateway.Dispose();
        Directory.Delete(StorageRoot, recursive: true);
    }
}
