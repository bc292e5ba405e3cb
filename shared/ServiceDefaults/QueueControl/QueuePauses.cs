using Npgsql;

namespace Bus.ServiceDefaults.QueueControl;

/// <summary>
/// Which task queues an operator has paused: one row per paused queue in <c>control.queue_pauses</c>, in the database
/// every service shares. The Gateway writes it; every worker replica polls it (<see cref="TaskQueuePauseController"/>),
/// so a pause reaches all replicas, including ones started later, and survives restarts.
/// </summary>
public static class QueuePauses
{
    private const string UndefinedTable = "42P01";
    private const string UndefinedSchema = "3F000";

    /// <summary>Any stable number: serializes the DDL when several services run <c>migrate</c> at once.</summary>
    private const long SchemaLockKey = 0x42_75_73_51_50; // "BusQP"

    /// <summary>Idempotent DDL, run by every service's <c>migrate</c> step (not an EF migration: no one service owns it).</summary>
    public static async Task EnsureSchemaAsync(string connectionString, CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using var command = new NpgsqlCommand($"""
            SELECT pg_advisory_xact_lock({SchemaLockKey});
            CREATE SCHEMA IF NOT EXISTS control;
            CREATE TABLE IF NOT EXISTS control.queue_pauses (
                queue     text        PRIMARY KEY,
                paused_at timestamptz NOT NULL DEFAULT now()
            );
            """, connection, transaction);
        await command.ExecuteNonQueryAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
    }

    /// <summary>
    /// The paused queues. A missing table means no pause was ever recorded in this database (nobody could have paused
    /// without it), so it reads as none paused rather than failing a service whose <c>migrate</c> has not run.
    /// </summary>
    public static async Task<IReadOnlyDictionary<string, DateTime>> GetPausedAsync(string connectionString, CancellationToken cancellationToken)
    {
        var paused = new Dictionary<string, DateTime>(StringComparer.Ordinal);
        try
        {
            await using var connection = new NpgsqlConnection(connectionString);
            await connection.OpenAsync(cancellationToken);
            await using var command = new NpgsqlCommand("SELECT queue, paused_at FROM control.queue_pauses", connection);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
                paused[reader.GetString(0)] = reader.GetDateTime(1);
        }
        catch (PostgresException exception) when (exception.SqlState is UndefinedTable or UndefinedSchema)
        {
            // Never migrated: nothing can be paused yet.
        }
        return paused;
    }

    /// <summary>Marks the queue paused; a queue already paused keeps its first <c>paused_at</c>. Returns when it was paused.</summary>
    public static async Task<DateTime> PauseAsync(string connectionString, string queue, CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand("""
            INSERT INTO control.queue_pauses (queue) VALUES (@queue)
            ON CONFLICT (queue) DO UPDATE SET queue = EXCLUDED.queue
            RETURNING paused_at
            """, connection);
        command.Parameters.AddWithValue("queue", queue);
        return (DateTime)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    /// <summary>Lets the queue be consumed again; resuming a queue that is not paused changes nothing.</summary>
    public static async Task ResumeAsync(string connectionString, string queue, CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand("DELETE FROM control.queue_pauses WHERE queue = @queue", connection);
        command.Parameters.AddWithValue("queue", queue);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
