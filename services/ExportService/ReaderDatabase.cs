using System.Data;
using Bus.ServiceDefaults.Messaging;
using Bus.ServiceDefaults.Options;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Bus.ExportService;

/// <summary>
/// Runs one query as the export reader role (<see cref="ExportOptions.ReaderUsername"/>, a login of its own, so no
/// statement can <c>RESET ROLE</c> to the service's user) inside <c>BEGIN READ ONLY</c> with
/// <c>SET LOCAL statement_timeout</c>, and always rolls back. Rows are handed to the caller as they arrive.
/// </summary>
public sealed class ReaderDatabase(IOptions<PostgresOptions> postgres, IOptions<ExportOptions> export) : IAsyncDisposable
{
    private readonly NpgsqlDataSource _dataSource = new NpgsqlDataSourceBuilder(
        new NpgsqlConnectionStringBuilder(postgres.Value.ConnectionString)
        {
            Username = export.Value.ReaderUsername,
            Password = export.Value.ReaderPassword,
            ApplicationName = "bus-export-reader",
        }.ConnectionString).Build();

    public TimeSpan StatementTimeout => export.Value.StatementTimeout;

    public async Task<T> QueryAsync<T>(string sql, IReadOnlyList<NpgsqlParameter> parameters,
        Func<NpgsqlDataReader, Task<T>> consume, CancellationToken cancellationToken)
    {
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken);
        var timeout = (long)StatementTimeout.TotalMilliseconds;
        await using (var begin = new NpgsqlCommand(
            $"BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY; SET LOCAL statement_timeout = {timeout}; SET LOCAL lock_timeout = {timeout}; SET LOCAL idle_in_transaction_session_timeout = {Math.Max(timeout * 2, 60_000)}",
            connection))
            await begin.ExecuteNonQueryAsync(cancellationToken);

        try
        {
            await using var command = new NpgsqlCommand(sql, connection) { CommandTimeout = 0 };
            foreach (var parameter in parameters)
                command.Parameters.Add(parameter);
            await using var reader = await command.ExecuteReaderAsync(CommandBehavior.SequentialAccess, cancellationToken);
            return await consume(reader);
        }
        catch (PostgresException exception) when (!cancellationToken.IsCancellationRequested && ExportFailures.IsPermanent(exception))
        {
            throw new PermanentTaskException(ExportFailures.Describe(exception, StatementTimeout), exception);
        }
        finally
        {
            // Nothing a read-only transaction did is kept (its set_config calls included) before the connection is pooled again.
            if (connection.State == ConnectionState.Open)
            {
                try
                {
                    await using var rollback = new NpgsqlCommand("ROLLBACK", connection);
                    await rollback.ExecuteNonQueryAsync(CancellationToken.None);
                }
                catch (Exception)
                {
                    // A connection that cannot roll back is broken: closing it discards it instead of pooling it.
                }
            }
        }
    }

    public ValueTask DisposeAsync() => _dataSource.DisposeAsync();
}

/// <summary>Which PostgreSQL errors another attempt cannot fix, and how to say so.</summary>
public static class ExportFailures
{
    public static bool IsPermanent(PostgresException exception) =>
        exception.SqlState is PostgresErrorCodes.ReadOnlySqlTransaction or PostgresErrorCodes.QueryCanceled
        || exception.SqlState[..2] is "42" or "22" or "21" or "0A" or "2B" or "54" or "25" or "P0" or "44";

    public static string Describe(PostgresException exception, TimeSpan timeout) => exception.SqlState switch
    {
        PostgresErrorCodes.ReadOnlySqlTransaction => $"the query tried to write ({exception.MessageText}); exports are read-only",
        PostgresErrorCodes.InsufficientPrivilege => $"{exception.MessageText}: the export reader may read only the tables an operator granted (Export:GrantedTables)",
        PostgresErrorCodes.QueryCanceled => $"the query ran past the statement timeout ({timeout.TotalSeconds:0.###} s) and was stopped",
        _ => $"the query failed: {exception.MessageText} (SQLSTATE {exception.SqlState})",
    };
}
