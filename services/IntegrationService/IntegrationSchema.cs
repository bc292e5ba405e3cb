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
            """, connection, transaction);
        await command.ExecuteNonQueryAsync(cancellationToken);
        await using var syncTables = new NpgsqlCommand(Syncs.ReadingStore.Tables, connection, transaction);
        await syncTables.ExecuteNonQueryAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
    }
}
