using Bus.ServiceDefaults.Options;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Bus.IntegrationService;

/// <summary>IntegrationService's <c>migrate</c>: its tables in schema <c>integration</c>. Idempotent, safe for several replicas at once.</summary>
public static class IntegrationSchema
{
    public const string Schema = "integration";
    private const long SchemaLockKey = 0x42_75_73_49_4E; // "BusIN"

    public static async Task MigrateAsync(IServiceProvider services, CancellationToken cancellationToken)
    {
        var postgres = services.GetRequiredService<IOptions<PostgresOptions>>().Value;
        await using var connection = new NpgsqlConnection(postgres.ConnectionString);
        await connection.OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using var command = new NpgsqlCommand($"""
            SELECT pg_advisory_xact_lock({SchemaLockKey});
            CREATE SCHEMA IF NOT EXISTS {Schema};
            -- One row per failure of a task handled by DeadLetterAlertConsumer; no alert task for a failed alert.
            CREATE TABLE IF NOT EXISTS {Schema}.dead_letter_alerts (
                task_id       uuid        NOT NULL,
                failed_at     timestamptz NOT NULL,
                task_type     text        NOT NULL,
                alert_task_id uuid,
                created_at    timestamptz NOT NULL DEFAULT now(),
                PRIMARY KEY (task_id, failed_at)
            );
            -- MaintenanceService's declaration integration-alerts trims by created_at.
            CREATE INDEX IF NOT EXISTS ix_dead_letter_alerts_created_at ON {Schema}.dead_letter_alerts (created_at);
            """, connection, transaction);
        await command.ExecuteNonQueryAsync(cancellationToken);
        await using var syncTables = new NpgsqlCommand(Syncs.ReadingStore.Tables, connection, transaction);
        await syncTables.ExecuteNonQueryAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
    }
}
