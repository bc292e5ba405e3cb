using System.Text.Json;
using Bus.ServiceDefaults.Options;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Bus.ExportService;

/// <summary>
/// One row per task in <c>export.outputs</c>: the at-least-once guard. A delivery locks its task's row for the whole
/// attempt, so a second delivery of the same task waits, then finds it completed and only reports the stored result.
/// </summary>
public sealed class OutputLedger(IOptions<PostgresOptions> postgres)
{
    private const int MaxErrorLength = 2000;

    public async Task<LedgerEntry> LockAsync(Guid taskId, string kind, string? destination, CancellationToken cancellationToken)
    {
        var connection = new NpgsqlConnection(postgres.Value.ConnectionString);
        try
        {
            await connection.OpenAsync(cancellationToken);
            var transaction = await connection.BeginTransactionAsync(cancellationToken);
            await using (var insert = new NpgsqlCommand($"""
                INSERT INTO {ExportSchema.Schema}.outputs (task_id, kind, status, destination) VALUES (@id, @kind, 'pending', @destination)
                ON CONFLICT (task_id) DO NOTHING
                """, connection, transaction))
            {
                insert.Parameters.AddWithValue("id", taskId);
                insert.Parameters.AddWithValue("kind", kind);
                insert.Parameters.AddWithValue("destination", (object?)destination ?? DBNull.Value);
                await insert.ExecuteNonQueryAsync(cancellationToken);
            }
            await using var select = new NpgsqlCommand(
                $"SELECT status, result::text FROM {ExportSchema.Schema}.outputs WHERE task_id = @id FOR UPDATE", connection, transaction);
            select.Parameters.AddWithValue("id", taskId);
            await using var reader = await select.ExecuteReaderAsync(cancellationToken);
            await reader.ReadAsync(cancellationToken);
            return new LedgerEntry(connection, transaction, taskId,
                reader.GetString(0) == "completed",
                reader.IsDBNull(1) ? null : JsonDocument.Parse(reader.GetString(1)).RootElement.Clone());
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    public sealed class LedgerEntry(NpgsqlConnection connection, NpgsqlTransaction transaction, Guid taskId,
        bool completed, JsonElement? result) : IAsyncDisposable
    {
        public bool Completed { get; } = completed;

        /// <summary>The result reported when it completed.</summary>
        public JsonElement? Result { get; } = result;

        // The work is done (the file is in place): cancelling now would only turn a redelivery into a second write.
        public async Task CompleteAsync<T>(T result)
        {
            await using var update = new NpgsqlCommand($"""
                UPDATE {ExportSchema.Schema}.outputs
                SET status = 'completed', attempts = attempts + 1, result = @result::jsonb, last_error = NULL, updated_at = now()
                WHERE task_id = @id
                """, connection, transaction);
            update.Parameters.AddWithValue("id", taskId);
            update.Parameters.AddWithValue("result", JsonSerializer.Serialize(result, JsonSerializerOptions.Web));
            await update.ExecuteNonQueryAsync(CancellationToken.None);
            await transaction.CommitAsync(CancellationToken.None);
        }

        public async Task FailAsync(Exception exception)
        {
            var error = $"{exception.GetType().Name}: {exception.Message}";
            await using var update = new NpgsqlCommand($"""
                UPDATE {ExportSchema.Schema}.outputs SET attempts = attempts + 1, last_error = @error, updated_at = now() WHERE task_id = @id
                """, connection, transaction);
            update.Parameters.AddWithValue("id", taskId);
            update.Parameters.AddWithValue("error", error.Length > MaxErrorLength ? error[..MaxErrorLength] : error);
            await update.ExecuteNonQueryAsync(CancellationToken.None);
            await transaction.CommitAsync(CancellationToken.None);
        }

        public async Task ReleaseAsync() => await transaction.CommitAsync(CancellationToken.None);

        public async ValueTask DisposeAsync()
        {
            await transaction.DisposeAsync();
            await connection.DisposeAsync();
        }
    }
}

/// <summary>Writes a file under a temporary name beside its destination and renames it into place only once complete.</summary>
public static class AtomicFile
{
    public static async Task<long> WriteAsync(string destination, bool replace, Func<Stream, Task> write, CancellationToken cancellationToken)
    {
        if (!replace && File.Exists(destination))
            throw new DestinationExistsException(destination);
        var temporary = Path.Combine(Path.GetDirectoryName(destination)!, $".{Path.GetFileName(destination)}.{Guid.NewGuid():N}.tmp");
        try
        {
            long bytes;
            await using (var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None, 64 * 1024, FileOptions.Asynchronous))
            {
                await write(stream);
                await stream.FlushAsync(cancellationToken);
                stream.Flush(flushToDisk: true);
                bytes = stream.Length;
            }
            cancellationToken.ThrowIfCancellationRequested();
            try
            {
                File.Move(temporary, destination, overwrite: replace);
            }
            catch (IOException) when (!replace && File.Exists(destination))
            {
                throw new DestinationExistsException(destination);
            }
            return bytes;
        }
        finally
        {
            File.Delete(temporary);
        }
    }
}

public sealed class DestinationExistsException(string path) : IOException($"'{path}' already exists");
