extern alias scheduler;

using Bus.IntegrationTests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Quartz;
using scheduler::Bus.Scheduler.Persistence;
using Xunit.Abstractions;

namespace Bus.IntegrationTests.Scheduler;

/// <summary>The schema belongs to `Bus.Scheduler migrate`; Quartz only checks it at start.</summary>
[Collection(SchedulerProcessesCollection.Name)]
public sealed class SchedulerSchemaTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Migrating_twice_and_from_three_processes_at_once_is_harmless()
    {
        await using var system = await SchedulerTestSystem.CreateAsync(migrate: false);

        await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => system.MigrateAsync()));
        var first = await SchemaAsync(system.ConnectionString);
        await system.MigrateAsync();

        Assert.Equal(first, await SchemaAsync(system.ConnectionString));
        Assert.Contains(first, line => line.StartsWith("column qrtz_triggers.retry_policy ", StringComparison.Ordinal));
        Assert.Contains(first, line => line.StartsWith("column cancelled_tokens.token_id ", StringComparison.Ordinal));
        await system.StartSchedulerAsync();
    }

    [Fact]
    public async Task A_Scheduler_without_its_schema_refuses_to_start_naming_schema_validation()
    {
        await using var system = await SchedulerTestSystem.CreateAsync(migrate: false);

        await using var process = ServiceProcess.Start("services/Scheduler", "Bus.Scheduler",
            system.Settings().Append(new("ASPNETCORE_ENVIRONMENT", "Testing")).ToDictionary(), "--urls", $"http://127.0.0.1:{FreePort.Next()}");
        var failure = await Assert.ThrowsAsync<InvalidOperationException>(() => process.ReadOutputAsync(TimeSpan.FromSeconds(45)));

        output.WriteLine(failure.Message);
        var log = await File.ReadAllTextAsync(process.LogPath);
        Assert.Contains("Database schema validation failed under table prefix 'scheduler.qrtz_'", log);
        Assert.Equal(0, await CountTablesAsync(system.ConnectionString));
    }

    /// <summary>
    /// Guards the hand-written schema.sql against the Quartz actually restored: Quartz 4.7.3 provisions its own schema
    /// into a second database, and every table, column (type, nullability, default) and index must match ours.
    /// </summary>
    [Fact]
    public async Task Quartz_provisions_the_same_schema_as_the_migration()
    {
        await using var system = await SchedulerTestSystem.CreateAsync();
        var quartzOwn = await TestEnvironment.CreateDatabaseAsync("bus_quartz");
        try
        {
            await ExecuteAsync(quartzOwn, $"CREATE SCHEMA {SchedulerSchema.Name}");
            await ProvisionWithQuartzAsync(quartzOwn);

            var ours = (await SchemaAsync(system.ConnectionString)).Where(line => line.Contains("qrtz_", StringComparison.Ordinal)).ToList();
            var theirs = await SchemaAsync(quartzOwn);
            output.WriteLine($"Quartz {typeof(IScheduler).Assembly.GetName().Version} provisioned {theirs.Count} schema items");

            Assert.Equal(theirs, ours);
        }
        finally
        {
            await TestEnvironment.DropDatabaseAsync(quartzOwn);
        }
    }

    private static async Task ProvisionWithQuartzAsync(string connectionString)
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddQuartz(quartz =>
        {
            quartz.ConfigureScheduler(scheduler => scheduler.InstanceName = "schema-check");
            quartz.UsePersistentStore(store =>
            {
                store.UsePostgres(connectionString);
                store.UseSystemTextJsonSerializer();
                store.UseExecutionHistory();
                store.ConfigureStore(options =>
                {
                    options.TablePrefix = SchedulerSchema.TablePrefix;
                    options.SchemaProvisioning = SchemaProvisioning.CreateIfMissing;
                });
            });
        });
        await using var provider = services.BuildServiceProvider();
        var scheduler = await provider.GetRequiredService<ISchedulerFactory>().GetScheduler();
        await scheduler.Shutdown(waitForJobsToComplete: false);
    }

    /// <summary>Tables, columns and indexes of schema <c>scheduler</c>, one sorted line each.</summary>
    private static async Task<List<string>> SchemaAsync(string connectionString)
    {
        const string sql = """
            SELECT 'column ' || table_name || '.' || column_name || ' ' || data_type
                   || coalesce('(' || character_maximum_length || ')', '') || ' ' || is_nullable || ' ' || coalesce(column_default, '-')
            FROM information_schema.columns WHERE table_schema = @schema
            UNION ALL
            SELECT 'index ' || indexname || ' ' || indexdef FROM pg_indexes WHERE schemaname = @schema
            UNION ALL
            SELECT 'constraint ' || conrelid::regclass::text || ' ' || contype::text || ' ' || pg_get_constraintdef(oid)
            FROM pg_constraint WHERE connamespace = @schema::regnamespace
            ORDER BY 1
            """;
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        command.Parameters.AddWithValue("schema", SchedulerSchema.Name);
        var lines = new List<string>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
            lines.Add(reader.GetString(0));
        return lines;
    }

    private static async Task<long> CountTablesAsync(string connectionString)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT count(*) FROM information_schema.tables WHERE table_schema = 'scheduler'", connection);
        return (long)(await command.ExecuteScalarAsync())!;
    }

    private static async Task ExecuteAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }
}
