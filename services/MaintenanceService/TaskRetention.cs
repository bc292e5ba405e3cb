using Bus.ServiceDefaults.Persistence;
using Microsoft.Extensions.Options;
using static Bus.ServiceDefaults.Persistence.TaskTable;

namespace Bus.MaintenanceService;

/// <summary>
/// Which finished task records are past retention: one rule per status and task type with its own retention, and one
/// per status for every other type. A record's age counts from when it finished.
/// </summary>
public sealed record RetentionRule(string Status, TimeSpan Retention, string? Type, IReadOnlyList<string> OtherTypes)
{
    public static readonly IReadOnlyList<string> FinishedStatuses = [Statuses.Completed, Statuses.Failed, Statuses.Cancelled];

    public static IReadOnlyList<RetentionRule> From(RetentionOptions options)
    {
        var rules = new List<RetentionRule>();
        foreach (var status in FinishedStatuses)
        {
            var overrides = options.Types
                .Select(t => (Type: t.Key, Retention: RetentionOf(t.Value, status)))
                .Where(t => t.Retention is not null)
                .OrderBy(t => t.Type, StringComparer.Ordinal)
                .ToList();
            rules.AddRange(overrides.Select(t => new RetentionRule(status, t.Retention!.Value, t.Type, [])));
            rules.Add(new RetentionRule(status, Default(options, status), null, [.. overrides.Select(t => t.Type)]));
        }
        return rules;
    }

    private static TimeSpan? RetentionOf(TypeRetention retention, string status) => status switch
    {
        Statuses.Completed => retention.Completed,
        Statuses.Failed => retention.Failed,
        _ => retention.Cancelled,
    };

    private static TimeSpan Default(RetentionOptions options, string status) => status switch
    {
        Statuses.Completed => options.Completed,
        Statuses.Failed => options.Failed,
        _ => options.Cancelled,
    };
}

/// <summary>How many task records one cleanup deleted, per status and per type.</summary>
public sealed record TaskRetentionResult(long Completed, long Failed, long Cancelled, IReadOnlyDictionary<string, long> ByType, long HistoryDeleted)
{
    public long Total => Completed + Failed + Cancelled;
}

/// <summary>
/// Deletes task records past retention from the Gateway's table in batches of <see cref="RetentionOptions.BatchSize"/>,
/// each its own statement: rows another transaction holds (the saga updating a task) are skipped, never waited on, and
/// no lock is held between batches. The attempt log is a column of the row, so nothing else belongs to a task. Each
/// deleted row leaves its type, status and times in <see cref="MaintenanceSchema.History"/> (same statement), which is
/// trimmed after <see cref="RetentionOptions.HistoryRetention"/>.
/// </summary>
public sealed class TaskRetention(MaintenanceDatabase database, IOptions<MaintenanceOptions> options, TimeProvider time, ILogger<TaskRetention> logger)
{
    // created_at < cutoff adds nothing (a task finishes after it is created) but lets the (status, created_at) index find the rows.
    private const string DeleteBatch = $"""
        WITH doomed AS (
            SELECT {Columns.Id} FROM {QualifiedName}
            WHERE {Columns.Status} = @status AND {Columns.CreatedAt} < @cutoff AND coalesce({Columns.FinishedAt}, {Columns.UpdatedAt}) < @cutoff
              AND (@type::text IS NULL OR {Columns.Type} = @type) AND NOT ({Columns.Type} = ANY(@other_types))
            LIMIT @batch
            FOR UPDATE SKIP LOCKED),
        deleted AS (
            DELETE FROM {QualifiedName} t USING doomed d
            WHERE t.{Columns.Id} = d.{Columns.Id} AND t.{Columns.Status} = @status AND coalesce(t.{Columns.FinishedAt}, t.{Columns.UpdatedAt}) < @cutoff
            RETURNING t.{Columns.Id}, t.{Columns.Type}, t.{Columns.Status}, t.{Columns.CreatedAt}, t.{Columns.StartedAt}, t.{Columns.FinishedAt}),
        archived AS (
            INSERT INTO {MaintenanceSchema.History} (id, type, status, created_at, started_at, finished_at)
            SELECT * FROM deleted
            ON CONFLICT (id) DO NOTHING)
        SELECT {Columns.Type}, count(*) FROM deleted GROUP BY {Columns.Type}
        """;

    private const string DeleteHistoryBatch = $"""
        WITH deleted AS (
            DELETE FROM {MaintenanceSchema.History}
            WHERE id IN (SELECT id FROM {MaintenanceSchema.History} WHERE deleted_at < @cutoff LIMIT @batch FOR UPDATE SKIP LOCKED)
            RETURNING 1)
        SELECT count(*) FROM deleted
        """;

    public async Task<TaskRetentionResult> CleanAsync(CancellationToken cancellationToken)
    {
        var retention = options.Value.Retention;
        var now = time.GetUtcNow().UtcDateTime;
        var byStatus = RetentionRule.FinishedStatuses.ToDictionary(s => s, _ => 0L);
        var byType = new SortedDictionary<string, long>(StringComparer.Ordinal);

        foreach (var rule in RetentionRule.From(retention))
        {
            while (true)
            {
                var deleted = await DeleteBatchAsync(rule, now - rule.Retention, retention.BatchSize, cancellationToken);
                foreach (var (type, count) in deleted)
                    byType[type] = byType.GetValueOrDefault(type) + count;
                var batch = deleted.Sum(d => d.Count);
                byStatus[rule.Status] += batch;
                if (batch < retention.BatchSize)
                    break;
            }
        }

        long history = 0;
        while (true)
        {
            var batch = await database.ScalarAsync(DeleteHistoryBatch, cancellationToken,
                ("cutoff", now - retention.HistoryRetention), ("batch", retention.BatchSize));
            history += batch;
            if (batch < retention.BatchSize)
                break;
        }

        var result = new TaskRetentionResult(byStatus[TaskTable.Statuses.Completed], byStatus[TaskTable.Statuses.Failed],
            byStatus[TaskTable.Statuses.Cancelled], byType, history);
        logger.LogInformation("Task retention: deleted {Completed} completed, {Failed} failed, {Cancelled} cancelled task record(s); {History} history row(s)",
            result.Completed, result.Failed, result.Cancelled, history);
        return result;
    }

    private async Task<List<(string Type, long Count)>> DeleteBatchAsync(RetentionRule rule, DateTime cutoff, int batchSize, CancellationToken cancellationToken)
    {
        await using var command = database.Command(DeleteBatch,
            ("status", rule.Status), ("cutoff", cutoff), ("type", (object?)rule.Type ?? DBNull.Value),
            ("other_types", rule.OtherTypes.ToArray()), ("batch", batchSize));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var counts = new List<(string, long)>();
        while (await reader.ReadAsync(cancellationToken))
            counts.Add((reader.GetString(0), reader.GetInt64(1)));
        return counts;
    }
}
