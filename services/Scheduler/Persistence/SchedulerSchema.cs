using Bus.ServiceDefaults.Options;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Bus.Scheduler.Persistence;

/// <summary>
/// The Scheduler's PostgreSQL schema, owned by the migration step: Quartz's job store tables and the cancelled-token
/// table, created by <c>schema.sql</c>. Quartz itself only validates them at start.
/// </summary>
public static class SchedulerSchema
{
    public const string Name = "scheduler";

    /// <summary>What Quartz's job store is configured with: its tables are <c>scheduler.qrtz_*</c>.</summary>
    public const string TablePrefix = Name + ".qrtz_";

    // One key for every replica and every version: concurrent `migrate` runs take turns instead of racing on the catalog.
    private const long MigrationLockKey = 0x4275_7353_6368_6564; // "BusSched"

    private static readonly Lazy<string> Script = new(() =>
    {
        using var stream = typeof(SchedulerSchema).Assembly.GetManifestResourceStream("Bus.Scheduler.Persistence.schema.sql")
            ?? throw new InvalidOperationException("schema.sql is not embedded in Bus.Scheduler");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    });

    /// <summary>Creates whatever is missing, in one transaction under an advisory lock; running it again changes nothing.</summary>
    public static async Task MigrateAsync(IServiceProvider services, CancellationToken cancellationToken)
    {
        var logger = services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(SchedulerSchema));
        var connectionString = services.GetRequiredService<IOptions<PostgresOptions>>().Value.ConnectionString;

        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);

        await using (var lockCommand = new NpgsqlCommand("SELECT pg_advisory_xact_lock(@key)", connection, transaction))
        {
            lockCommand.Parameters.AddWithValue("key", MigrationLockKey);
            await lockCommand.ExecuteNonQueryAsync(cancellationToken);
        }

        var before = await CountTablesAsync(connection, transaction, cancellationToken);
        await using (var migrate = new NpgsqlCommand(Script.Value, connection, transaction))
            await migrate.ExecuteNonQueryAsync(cancellationToken);
        var after = await CountTablesAsync(connection, transaction, cancellationToken);

        await transaction.CommitAsync(cancellationToken);
        logger.LogInformation("Scheduler schema {Schema} is up to date: {Tables} tables, {Created} created now", Name, after, after - before);
    }

    private static async Task<long> CountTablesAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, CancellationToken cancellationToken)
    {
        await using var count = new NpgsqlCommand("SELECT count(*) FROM information_schema.tables WHERE table_schema = @schema", connection, transaction);
        count.Parameters.AddWithValue("schema", Name);
        return (long)(await count.ExecuteScalarAsync(cancellationToken))!;
    }
}
