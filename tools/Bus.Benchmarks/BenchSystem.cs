using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Bus.Contracts.Tasks;
using Bus.IntegrationTests.Infrastructure;
using MassTransit;
using Npgsql;

namespace Bus.Benchmarks;

/// <summary>A task as the saga table recorded it: the timestamps latencies are measured from.</summary>
public sealed record TaskOutcome(Guid Id, string Status, DateTime CreatedAt, DateTime? StartedAt, DateTime? FinishedAt, string? Error, string? Result)
{
    public bool IsTerminal => Status is "Completed" or "Failed" or "Cancelled";

    /// <summary>Submitted (the saga's record of SubmitTask being sent) → finished (the worker's TaskCompleted being sent).</summary>
    public double? LatencyMs => FinishedAt is { } finished ? (finished - CreatedAt).TotalMilliseconds : null;
}

/// <summary>
/// The system under test, started as scripts/run starts it but isolated like a test system: a RabbitMQ virtual host and
/// a PostgreSQL database of its own, its own storage roots, and the Gateway, ExportService (which also consumes
/// <c>noop</c>, <c>Tasks:ConsumeNoop</c>) and MediaService as processes from their Release build.
/// </summary>
public sealed class BenchSystem : IAsyncDisposable
{
    public const string ExportTable = "bench_rows";

    private readonly List<ServiceProcess> _services = [];
    private readonly string _work = Directory.CreateTempSubdirectory("bus-bench-").FullName;
    private IBusControl? _bus;

    private BenchSystem()
    {
    }

    public string VirtualHost { get; } = $"bus-bench-{Guid.NewGuid():N}"[..22];
    public string Database { get; private set; } = "";
    public string ExportRoot => Path.Combine(_work, "export");
    public string MediaRoot => Path.Combine(_work, "media");
    public HttpClient Gateway { get; } = new() { Timeout = TimeSpan.FromSeconds(60) };
    public IBus Bus => _bus!;
    public PeakMemory Memory { get; private set; } = null!;
    public CpuTime Cpu { get; private set; } = null!;

    /// <summary>Creates the isolated infrastructure, seeds <see cref="ExportTable"/> with <paramref name="exportRows"/> rows and starts the services.</summary>
    public static async Task<BenchSystem> StartAsync(int exportRows, Action<string> log)
    {
        var system = new BenchSystem();
        try
        {
            await system.InitializeAsync(exportRows, log);
            return system;
        }
        catch
        {
            await system.DisposeAsync();
            throw;
        }
    }

    private async Task InitializeAsync(int exportRows, Action<string> log)
    {
        Directory.CreateDirectory(ExportRoot);
        Directory.CreateDirectory(MediaRoot);
        await BenchEnvironment.CreateVirtualHostAsync(VirtualHost);
        var name = $"bus_bench_{Guid.NewGuid():N}"[..30];
        await BenchEnvironment.ExecuteAsync(BenchEnvironment.PostgresConnectionString(), $"CREATE DATABASE \"{name}\"");
        Database = BenchEnvironment.PostgresConnectionString(name);

        log($"seeding {exportRows} rows into {ExportTable}");
        await BenchEnvironment.ExecuteAsync(Database, $"""
            CREATE TABLE public.{ExportTable} (id bigint PRIMARY KEY, name text NOT NULL, email text, amount numeric(12,2) NOT NULL,
                                               active boolean NOT NULL, created_at timestamptz NOT NULL, note text);
            INSERT INTO public.{ExportTable}
            SELECT i, 'customer ' || i, 'customer' || i || '@example.com', (i % 100000) / 100.0, i % 3 <> 0,
                   timestamptz '2026-01-01 00:00:00+00' + i * interval '1 second',
                   CASE WHEN i % 10 = 0 THEN 'needs "quoting", sometimes' END
            FROM generate_series(1, {exportRows}) AS i;
            ANALYZE public.{ExportTable};
            """);

        log("migrating");
        var settings = Settings();
        await ServiceProcess.RunToCompletionAsync("services/Gateway", "Bus.Gateway", settings, "migrate");
        await ServiceProcess.RunToCompletionAsync("services/ExportService", "Bus.ExportService", settings, "migrate");
        await ServiceProcess.RunToCompletionAsync("services/MediaService", "Bus.MediaService", settings, "migrate");

        log("starting the Gateway, ExportService and MediaService");
        var ports = new Dictionary<string, int> { ["gateway"] = BenchEnvironment.FreePort(), ["export"] = BenchEnvironment.FreePort(), ["media"] = BenchEnvironment.FreePort() };
        _services.Add(ServiceProcess.Start("services/Gateway", "Bus.Gateway", With(settings, ("Tasks__EnableNoop", "true")), "--urls", Url(ports["gateway"])));
        _services.Add(ServiceProcess.Start("services/ExportService", "Bus.ExportService", With(settings, ("Tasks__ConsumeNoop", "true")), "--urls", Url(ports["export"])));
        _services.Add(ServiceProcess.Start("services/MediaService", "Bus.MediaService", settings, "--urls", Url(ports["media"])));
        await _services[0].WaitUntilReadyAsync(ports["gateway"]);
        await _services[1].WaitUntilReadyAsync(ports["export"]);
        await _services[2].WaitUntilReadyAsync(ports["media"]);
        var processes = new Dictionary<string, int>
        {
            ["gateway"] = _services[0].Id,
            ["export+noop"] = _services[1].Id,
            ["media"] = _services[2].Id,
            ["bench"] = Environment.ProcessId,
        };
        Memory = new PeakMemory(processes);
        Cpu = new CpuTime(processes);

        await using (var token = ServiceProcess.Start("services/Gateway", "Bus.Gateway", settings, "token", "--role", "admin", "--subject", "bench", "--lifetime", "8h"))
            Gateway.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", (await token.ReadOutputAsync(TimeSpan.FromMinutes(1))).Trim());
        Gateway.BaseAddress = new Uri(Url(ports["gateway"]));

        _bus = MassTransit.Bus.Factory.CreateUsingRabbitMq(rabbit => rabbit.ConnectTo(VirtualHost));
        await _bus.StartAsync();
    }

    /// <summary>What scripts/run exports to every service (bus_export_service_settings), pointed at this run's vhost, database and storage.</summary>
    private Dictionary<string, string> Settings() => new()
    {
        ["ASPNETCORE_ENVIRONMENT"] = "Production",
        ["RabbitMq__Host"] = BenchEnvironment.RabbitHost,
        ["RabbitMq__Port"] = BenchEnvironment.RabbitPort.ToString(),
        ["RabbitMq__VirtualHost"] = VirtualHost,
        ["RabbitMq__Username"] = BenchEnvironment.RabbitUser,
        ["RabbitMq__Password"] = BenchEnvironment.RabbitPassword,
        ["RabbitMq__ManagementPort"] = BenchEnvironment.RabbitManagementPort.ToString(),
        ["Postgres__ConnectionString"] = Database,
        ["Redis__ConnectionString"] = BenchEnvironment.RedisConnectionString,
        ["Redis__KeyPrefix"] = $"{VirtualHost}:",
        ["Encryption__Key"] = BenchEnvironment.EncryptionKey,
        ["Auth__SigningKey"] = BenchEnvironment.SigningKey,
        ["Auth__Issuer"] = BenchEnvironment.Issuer,
        ["Auth__Audience"] = BenchEnvironment.Audience,
        // Limits on, as shipped, but high enough that the benchmark measures the pipeline, not the limiter.
        ["RateLimiting__PermitLimit"] = "1000000",
        ["RateLimiting__AdminPermitLimit"] = "1000000",
        ["Tasks__Timeouts__Types__data_export"] = "00:30:00",
        ["Export__StorageRoot"] = ExportRoot,
        ["Export__ReaderPassword"] = BenchEnvironment.ExportReaderPassword,
        ["Export__GrantedTables__0"] = $"public.{ExportTable}",
        ["Export__StatementTimeout"] = "00:30:00",
        ["Media__StorageRoot"] = MediaRoot,
    };

    private static Dictionary<string, string> With(Dictionary<string, string> settings, params (string Key, string Value)[] extra)
    {
        var copy = new Dictionary<string, string>(settings);
        foreach (var (key, value) in extra)
            copy[key] = value;
        return copy;
    }

    private static string Url(int port) => $"http://127.0.0.1:{port}";

    /// <summary><c>POST /tasks</c>; anything but 202 is an error carrying the status and body.</summary>
    public async Task<Guid> SubmitOverHttpAsync(object body, CancellationToken cancellationToken = default)
    {
        using var response = await Gateway.PostAsJsonAsync("/tasks", body, cancellationToken);
        var text = await response.Content.ReadAsStringAsync(cancellationToken);
        if (response.StatusCode != HttpStatusCode.Accepted)
            throw new InvalidOperationException($"POST /tasks answered {(int)response.StatusCode}: {text[..Math.Min(text.Length, 300)]}");
        return JsonDocument.Parse(text).RootElement.GetProperty("taskId").GetGuid();
    }

    /// <summary>Publishes <see cref="SubmitTask"/> as another team's service would, with an id of its own.</summary>
    public async Task<Guid> SubmitOverBusAsync(string type, JsonElement data, CancellationToken cancellationToken = default)
    {
        var taskId = NewId.NextGuid();
        await Bus.Publish(new SubmitTask(taskId, type, data), cancellationToken);
        return taskId;
    }

    /// <summary>Polls the saga table until every task is terminal or <paramref name="timeout"/> passes; returns what it holds for each.</summary>
    public async Task<IReadOnlyList<TaskOutcome>> WaitForTerminalAsync(IReadOnlyCollection<Guid> ids, TimeSpan timeout)
    {
        var all = ids.ToArray();
        var deadline = DateTime.UtcNow + timeout;
        await using var connection = new NpgsqlConnection(Database);
        await connection.OpenAsync();
        while (DateTime.UtcNow < deadline)
        {
            await using var count = new NpgsqlCommand(
                "SELECT count(*) FROM bus.tasks WHERE id = ANY(@ids) AND status IN ('Completed', 'Failed', 'Cancelled')", connection);
            count.Parameters.AddWithValue("ids", all);
            if ((long)(await count.ExecuteScalarAsync())! >= all.Length)
                break;
            await Task.Delay(100);
        }

        await using var read = new NpgsqlCommand(
            "SELECT id, status, created_at, started_at, finished_at, error, result::text FROM bus.tasks WHERE id = ANY(@ids)", connection);
        read.Parameters.AddWithValue("ids", all);
        var found = new Dictionary<Guid, TaskOutcome>();
        await using (var reader = await read.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                found[reader.GetGuid(0)] = new TaskOutcome(reader.GetGuid(0), reader.GetString(1), reader.GetDateTime(2),
                    reader.IsDBNull(3) ? null : reader.GetDateTime(3), reader.IsDBNull(4) ? null : reader.GetDateTime(4),
                    reader.IsDBNull(5) ? null : reader.GetString(5), reader.IsDBNull(6) ? null : reader.GetString(6));
            }
        }
        return [.. all.Select(id => found.GetValueOrDefault(id) ?? new TaskOutcome(id, "Missing", DateTime.MinValue, null, null, "no row in bus.tasks", null))];
    }

    public IEnumerable<string> LogPaths => _services.Select(s => s.LogPath);

    public async ValueTask DisposeAsync()
    {
        if (_bus is not null)
            await _bus.StopAsync();
        foreach (var service in _services)
            await service.DisposeAsync();
        Gateway.Dispose();
        await BenchEnvironment.DeleteVirtualHostAsync(VirtualHost);
        if (Database != "")
        {
            NpgsqlConnection.ClearAllPools();
            var name = new NpgsqlConnectionStringBuilder(Database).Database;
            await BenchEnvironment.ExecuteAsync(BenchEnvironment.PostgresConnectionString(), $"DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)");
        }
        Directory.Delete(_work, recursive: true);
    }
}
