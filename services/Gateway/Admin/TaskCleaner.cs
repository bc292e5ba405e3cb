using Bus.Gateway.Persistence;
using Microsoft.EntityFrameworkCore;

namespace Bus.Gateway.Admin;

/// <summary>Removes finished task records of one queue, oldest first, in bounded batches so no statement holds many locks for long.</summary>
public sealed class TaskCleaner(TaskDbContext db)
{
    public const int BatchSize = 1000;

    /// <summary>Deletes the <paramref name="status"/> tasks of <paramref name="queue"/> that finished more than <paramref name="gracePeriod"/> ago.</summary>
    public async Task<int> CleanAsync(string queue, string status, TimeSpan gracePeriod, CancellationToken cancellationToken)
    {
        var cutoff = DateTime.UtcNow - gracePeriod;
        var removed = 0;
        while (true)
        {
            var batch = await db.Database.ExecuteSqlAsync($"""
                DELETE FROM bus.tasks
                WHERE id IN (
                    SELECT id FROM bus.tasks
                    WHERE queue = {queue} AND status = {status} AND finished_at < {cutoff}
                    ORDER BY finished_at
                    LIMIT {BatchSize}
                    FOR UPDATE SKIP LOCKED)
                """, cancellationToken);
            removed += batch;
            if (batch < BatchSize)
                return removed;
        }
    }
}
