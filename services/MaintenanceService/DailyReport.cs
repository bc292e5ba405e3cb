using System.Globalization;
using System.Text;
using static Bus.ServiceDefaults.Persistence.TaskTable;

namespace Bus.MaintenanceService;

/// <summary>One task type's figures over the report's period. Durations are in milliseconds, from the first attempt's start to completion.</summary>
public sealed record TaskTypeFigures(string Type, long Submitted, long Completed, long Failed, double? P50DurationMs, double? P95DurationMs)
{
    /// <summary>Failed among the tasks that finished either way; null when none did.</summary>
    public double? FailureRate => Completed + Failed == 0 ? null : (double)Failed / (Completed + Failed);
}

/// <summary>The figures per task type for [From, To): submitted (created), completed and failed (finished) in it.</summary>
public sealed record DailyReport(DateTime From, DateTime To, IReadOnlyList<TaskTypeFigures> Types)
{
    public static readonly TimeSpan Period = TimeSpan.FromHours(24);

    public long Submitted => Types.Sum(t => t.Submitted);
    public long Completed => Types.Sum(t => t.Completed);
    public long Failed => Types.Sum(t => t.Failed);

    public string Subject(string prefix) => $"{prefix}: {From:yyyy-MM-dd HH:mm} – {To:yyyy-MM-dd HH:mm} UTC";

    /// <summary>The e-mail's plain-text body: one aligned row per task type and a total.</summary>
    public string Text()
    {
        var rows = Types.Select(Row).ToList();
        var total = Row(new TaskTypeFigures("total", Submitted, Completed, Failed, null, null));
        string[] header = ["task type", "submitted", "completed", "failed", "failure rate", "p50", "p95"];
        var widths = header.Select((h, i) => rows.Append(total).Select(r => r[i].Length).Append(h.Length).Max()).ToArray();

        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"Tasks from {From:yyyy-MM-dd HH:mm} to {To:yyyy-MM-dd HH:mm} UTC.");
        text.AppendLine();
        text.AppendLine(Line(header, widths));
        foreach (var row in rows)
            text.AppendLine(Line(row, widths));
        text.AppendLine(Line(total, widths));
        text.AppendLine();
        text.AppendLine("Submitted: created in the period. Completed, failed: finished in it. Failure rate: failed / (completed + failed).");
        text.AppendLine("p50, p95: duration of the completed tasks, from their first attempt's start to completion.");
        return text.ToString();
    }

    /// <summary>The one-paragraph form for Slack.</summary>
    public string Summary()
    {
        var lines = new StringBuilder();
        lines.Append(CultureInfo.InvariantCulture, $"Daily report {From:yyyy-MM-dd HH:mm} – {To:yyyy-MM-dd HH:mm} UTC: {Submitted} submitted, {Completed} completed, {Failed} failed");
        foreach (var type in Types.Where(t => t.Failed > 0).OrderByDescending(t => t.FailureRate))
            lines.Append(CultureInfo.InvariantCulture, $"\n• {type.Type}: {type.Failed} failed ({Percent(type.FailureRate)})");
        return lines.ToString();
    }

    private static string[] Row(TaskTypeFigures t) =>
        [t.Type, Number(t.Submitted), Number(t.Completed), Number(t.Failed), Percent(t.FailureRate), Duration(t.P50DurationMs), Duration(t.P95DurationMs)];

    private static string Line(string[] cells, int[] widths) =>
        string.Join("  ", cells.Select((c, i) => i == 0 ? c.PadRight(widths[i]) : c.PadLeft(widths[i]))).TrimEnd();

    private static string Number(long value) => value.ToString(CultureInfo.InvariantCulture);

    public static string Percent(double? rate) => rate is { } r ? (r * 100).ToString("0.0", CultureInfo.InvariantCulture) + " %" : "–";

    /// <summary>Milliseconds below a second, seconds below a minute, then minutes.</summary>
    public static string Duration(double? ms) => ms switch
    {
        null => "–",
        < 1000 => ms.Value.ToString("0", CultureInfo.InvariantCulture) + " ms",
        < 60_000 => (ms.Value / 1000).ToString("0.0", CultureInfo.InvariantCulture) + " s",
        _ => (ms.Value / 60_000).ToString("0.0", CultureInfo.InvariantCulture) + " min",
    };
}

/// <summary>
/// Reads a report's figures from the task table and <see cref="MaintenanceSchema.History"/> (the records cleanup
/// deleted), percentiles computed by PostgreSQL.
/// </summary>
public class DailyReportQuery(MaintenanceDatabase database)
{
    private const string Sql = $"""
        WITH tasks AS (
            SELECT {Columns.Type} AS type, {Columns.Status} AS status, {Columns.CreatedAt} AS created_at,
                   {Columns.StartedAt} AS started_at, {Columns.FinishedAt} AS finished_at
            FROM {QualifiedName}
            WHERE ({Columns.CreatedAt} >= @from AND {Columns.CreatedAt} < @to) OR ({Columns.FinishedAt} >= @from AND {Columns.FinishedAt} < @to)
            UNION ALL
            SELECT type, status, created_at, started_at, finished_at
            FROM {MaintenanceSchema.History}
            WHERE (created_at >= @from AND created_at < @to) OR (finished_at >= @from AND finished_at < @to)),
        finished AS (
            SELECT *, finished_at >= @from AND finished_at < @to AS in_period,
                   extract(epoch FROM finished_at - started_at)::double precision * 1000 AS duration_ms
            FROM tasks)
        SELECT type,
               count(*) FILTER (WHERE created_at >= @from AND created_at < @to),
               count(*) FILTER (WHERE status = '{Statuses.Completed}' AND in_period),
               count(*) FILTER (WHERE status = '{Statuses.Failed}' AND in_period),
               percentile_cont(0.5) WITHIN GROUP (ORDER BY duration_ms) FILTER (WHERE status = '{Statuses.Completed}' AND in_period),
               percentile_cont(0.95) WITHIN GROUP (ORDER BY duration_ms) FILTER (WHERE status = '{Statuses.Completed}' AND in_period)
        FROM finished
        GROUP BY type
        ORDER BY type
        """;

    public virtual async Task<DailyReport> ComputeAsync(DateTime to, CancellationToken cancellationToken)
    {
        var from = to - DailyReport.Period;
        await using var command = database.Command(Sql, ("from", from), ("to", to));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var types = new List<TaskTypeFigures>();
        while (await reader.ReadAsync(cancellationToken))
            types.Add(new TaskTypeFigures(reader.GetString(0), reader.GetInt64(1), reader.GetInt64(2), reader.GetInt64(3),
                reader.IsDBNull(4) ? null : reader.GetDouble(4), reader.IsDBNull(5) ? null : reader.GetDouble(5)));
        return new DailyReport(from, to, types);
    }
}
