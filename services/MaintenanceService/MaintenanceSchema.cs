using Bus.ServiceDefaults.Options;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Bus.MaintenanceService;

/// <summary>
/// MaintenanceService's <c>migrate</c>: schema <c>maintenance</c> with <c>task_history</c>, the slim record (type,
/// status, times) of each task record <c>cleanup</c> deleted, so the daily report still sees a day of tasks when
/// completed ones are kept only an hour. Idempotent.
/// </summary>
public static class MaintenanceSchema
{
    public const string Schema = "maintenance";
    public const string History = Schema + ".task_history";
    private const long SchemaLockKey = 0x42_75_73_4D_4E; // "BusMN"

    public static async Task MigrateAsync(IServiceProvider services, CancellationToken cancellationToken)
    {
        var postgres = services.GetRequiredService<IOptions<PostgresOptions>>().Value;
        await using var connection = new NpgsqlConnection(postgres.ConnectionString);
        await connection.OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using var command = new NpgsqlCommand($"""
            SELECT pg_advisory_xact_lock({SchemaLockKey});
            CREATE SCHEMA IF NOT EXISTS {Schema};
            CREATE TABLE IF NOT EXISTS {History} (
                id          uuid        PRIMARY KEY,
                type        text        NOT NULL,
                status      text        NOT NULL,
                created_at  timestamptz NOT NULL,
                started_at  timestamptz,
                finished_at timestamptz,
                deleted_at  timestamptz NOT NULL DEFAULT now()
            );
            CREATE INDEX IF NOT EXISTS ix_task_history_created_at ON {History} (created_at);
            CREATE INDEX IF NOT EXISTS ix_task_history_finished_at ON {History} (finished_at);
            """, connection, transaction);
        await command.ExecuteNonQueryAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
    }
}
