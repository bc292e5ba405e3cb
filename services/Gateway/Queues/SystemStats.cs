using Bus.Gateway.Persistence;
using Microsoft.EntityFrameworkCore;

namespace Bus.Gateway.Queues;

public sealed record MinuteThroughput(DateTime Minute, int Completed);

public sealed record LastHourStats(int Completed, int Failed, double? SuccessRate, double? AverageProcessingMs, double? P95ProcessingMs);

public sealed record SystemStats(StatusCounts Totals, IReadOnlyList<MinuteThroughput> CompletedPerMinute, LastHourStats LastHour);

public static class SystemStatsCalculations
{
    /// <summary>Completed / (completed + failed); null when nothing finished, since 0% and 100% would both be lies.</summary>
    public static double? SuccessRate(int completed, int failed) =>
        completed + failed == 0 ? null : (double)completed / (completed + failed);
}

/// <summary>Totals and throughput over the whole task store, aggregated in PostgreSQL.</summary>
public sealed class SystemStatsQuery(TaskDbContext db)
{
    public const int ThroughputMinutes = 15;

    public async Task<SystemStats> GetAsync(CancellationToken cancellationToken)
    {
        var totals = StatusCounts.From((await db.Tasks.AsNoTracking()
                .GroupBy(t => t.CurrentState)
                .Select(g => new { Status = g.Key, Count = g.Count() })
                .ToListAsync(cancellationToken))
            .Select(r => KeyValuePair.Create(r.Status, r.Count)));

        // Every minute of the window appears, empty ones as 0, so a chart has no gaps; the current minute is the last.
        var perMinute = await db.Database.SqlQuery<MinuteRow>($"""
            SELECT m.minute AS "Minute", count(t.id)::int AS "Completed"
            FROM generate_series(date_trunc('minute', now()) - make_interval(mins => {ThroughputMinutes - 1}),
                                 date_trunc('minute', now()), interval '1 minute') AS m(minute)
            LEFT JOIN bus.tasks t ON t.status = 'Completed' AND t.finished_at >= m.minute AND t.finished_at < m.minute + interval '1 minute'
            GROUP BY m.minute
            ORDER BY m.minute
            """).ToListAsync(cancellationToken);

        var hour = (await db.Database.SqlQuery<HourRow>($"""
            SELECT
              count(*) FILTER (WHERE status = 'Completed')::int AS "Completed",
              count(*) FILTER (WHERE status = 'Failed')::int AS "Failed",
              avg(extract(epoch FROM finished_at - started_at) * 1000)
                FILTER (WHERE status = 'Completed' AND started_at IS NOT NULL)::float8 AS "AverageMs",
              (percentile_cont(0.95) WITHIN GROUP (ORDER BY extract(epoch FROM finished_at - started_at) * 1000)
                FILTER (WHERE status = 'Completed' AND started_at IS NOT NULL))::float8 AS "P95Ms"
            FROM bus.tasks
            WHERE finished_at >= now() - interval '1 hour'
            """).ToListAsync(cancellationToken)).Single();

        return new SystemStats(
            totals,
            [.. perMinute.Select(m => new MinuteThroughput(DateTime.SpecifyKind(m.Minute, DateTimeKind.Utc), m.Completed))],
            new LastHourStats(hour.Completed, hour.Failed, SystemStatsCalculations.SuccessRate(hour.Completed, hour.Failed), hour.AverageMs, hour.P95Ms));
    }

    private sealed record MinuteRow(DateTime Minute, int Completed);

    private sealed record HourRow(int Completed, int Failed, double? AverageMs, double? P95Ms);
}
