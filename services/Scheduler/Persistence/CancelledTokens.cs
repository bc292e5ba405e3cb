using Microsoft.Extensions.Options;
using Npgsql;

namespace Bus.Scheduler.Persistence;

/// <summary>
/// Cancels that arrived before the message they cancel: a ScheduleMessage whose token is here is dropped instead of
/// scheduled. Rows older than Scheduler:CancelledTokenRetention are purged as new ones are written.
/// </summary>
public sealed class CancelledTokens(NpgsqlDataSource dataSource, IOptions<SchedulerOptions> options)
{
    public async Task RememberAsync(Guid tokenId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            $"""
            INSERT INTO {SchedulerSchema.Name}.cancelled_tokens (token_id) VALUES (@token) ON CONFLICT (token_id) DO NOTHING;
            DELETE FROM {SchedulerSchema.Name}.cancelled_tokens WHERE cancelled_at < now() - @retention;
            """);
        command.Parameters.AddWithValue("token", tokenId);
        command.Parameters.AddWithValue("retention", options.Value.CancelledTokenRetention);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>Whether this token was cancelled already; the tombstone is used up either way.</summary>
    public async Task<bool> ForgetAsync(Guid tokenId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand($"DELETE FROM {SchedulerSchema.Name}.cancelled_tokens WHERE token_id = @token");
        command.Parameters.AddWithValue("token", tokenId);
        return await command.ExecuteNonQueryAsync(cancellationToken) > 0;
    }
}
