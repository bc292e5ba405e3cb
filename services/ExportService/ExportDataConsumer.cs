using System.Globalization;
using Bus.Contracts.Export;
using Bus.ServiceDefaults.Messaging;
using MassTransit;
using Microsoft.Extensions.Options;
using Npgsql;
using NpgsqlTypes;

namespace Bus.ExportService;

/// <summary><c>data_export</c>: a named dataset with its parameters, or an ad-hoc single SELECT, streamed to a file.</summary>
public sealed class ExportDataConsumer(ExportRunner runner, IOptions<ExportOptions> options) : IConsumer<ExportData>
{
    public const string Kind = "data_export";

    public Task Consume(ConsumeContext<ExportData> context)
    {
        var message = context.Message;
        if (!ExportFormats.All.Contains(message.Format))
            throw new PermanentTaskException($"format '{message.Format}' is not supported; expected one of: {string.Join(", ", ExportFormats.All)}");

        var (sql, parameters) = (message.Query, message.Dataset) switch
        {
            ({ } query, null) => (CheckedQuery(query), (IReadOnlyList<NpgsqlParameter>)[]),
            (null, { } dataset) => Dataset(dataset, message.Parameters),
            _ => throw new PermanentTaskException("give either a query or a dataset, not both and not neither"),
        };
        return runner.RunAsync(context, message.TaskId, Kind, sql, parameters, message.Format, message.Destination, message.Overwrite);
    }

    private static string CheckedQuery(string query) =>
        QueryGuard.Check(query) is { } reason ? throw new PermanentTaskException($"the query {reason}") : query;

    private (string, IReadOnlyList<NpgsqlParameter>) Dataset(string name, IReadOnlyDictionary<string, string>? values)
    {
        if (!options.Value.Datasets.TryGetValue(name, out var dataset))
            throw new PermanentTaskException($"dataset '{name}' is not declared; declared: {string.Join(", ", options.Value.Datasets.Keys)}");
        values ??= new Dictionary<string, string>();
        var unknown = values.Keys.Except(dataset.Parameters.Keys).ToList();
        if (unknown.Count > 0)
            throw new PermanentTaskException($"dataset '{name}' has no parameter(s) {string.Join(", ", unknown)}; it takes: {string.Join(", ", dataset.Parameters.Keys)}");

        var parameters = new List<NpgsqlParameter>();
        foreach (var (parameter, type) in dataset.Parameters)
        {
            if (!values.TryGetValue(parameter, out var text))
                throw new PermanentTaskException($"dataset '{name}' needs parameter '{parameter}' ({type})");
            parameters.Add(Typed(parameter, type, text));
        }
        return (dataset.Query, parameters);
    }

    public static readonly IReadOnlyList<string> ParameterTypes = ["text", "integer", "bigint", "numeric", "boolean", "date", "timestamptz", "uuid"];

    private static NpgsqlParameter Typed(string name, string type, string text)
    {
        try
        {
            return type switch
            {
                "text" => new NpgsqlParameter(name, NpgsqlDbType.Text) { Value = text },
                "integer" => new NpgsqlParameter(name, NpgsqlDbType.Integer) { Value = int.Parse(text, CultureInfo.InvariantCulture) },
                "bigint" => new NpgsqlParameter(name, NpgsqlDbType.Bigint) { Value = long.Parse(text, CultureInfo.InvariantCulture) },
                "numeric" => new NpgsqlParameter(name, NpgsqlDbType.Numeric) { Value = decimal.Parse(text, CultureInfo.InvariantCulture) },
                "boolean" => new NpgsqlParameter(name, NpgsqlDbType.Boolean) { Value = bool.Parse(text) },
                "date" => new NpgsqlParameter(name, NpgsqlDbType.Date) { Value = DateOnly.ParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture) },
                "timestamptz" => new NpgsqlParameter(name, NpgsqlDbType.TimestampTz) { Value = DateTimeOffset.Parse(text, CultureInfo.InvariantCulture).UtcDateTime },
                "uuid" => new NpgsqlParameter(name, NpgsqlDbType.Uuid) { Value = Guid.Parse(text) },
                _ => throw new PermanentTaskException($"parameter '{name}' has type '{type}', which is not supported"),
            };
        }
        catch (FormatException exception)
        {
            throw new PermanentTaskException($"parameter '{name}': '{text}' is not a valid {type}", exception);
        }
        catch (OverflowException exception)
        {
            throw new PermanentTaskException($"parameter '{name}': '{text}' is out of range for {type}", exception);
        }
    }
}

/// <summary><c>report_generation</c>: the named reports, each one fixed query run through the same read-only path.</summary>
public sealed class GenerateReportConsumer(ExportRunner runner) : IConsumer<GenerateReport>
{
    public const string Kind = "report_generation";

    public Task Consume(ConsumeContext<GenerateReport> context)
    {
        var message = context.Message;
        if (!ExportFormats.All.Contains(message.Format))
            throw new PermanentTaskException($"format '{message.Format}' is not supported; expected one of: {string.Join(", ", ExportFormats.All)}");
        var sql = message.Report switch
        {
            ReportNames.TaskSummary => """
                SELECT type, status, count(*) AS tasks, min(created_at) AS first_created_at, max(created_at) AS last_created_at
                FROM bus.tasks
                WHERE created_at >= @from AND created_at < @to
                GROUP BY type, status
                ORDER BY type, status
                """,
            _ => throw new PermanentTaskException($"report '{message.Report}' does not exist; expected one of: {string.Join(", ", ReportNames.All)}"),
        };
        var from = message.From ?? DateTimeOffset.UnixEpoch;
        var to = message.To ?? DateTimeOffset.UtcNow.AddYears(100);
        if (from >= to)
            throw new PermanentTaskException("the period is empty: from must be before to");
        IReadOnlyList<NpgsqlParameter> parameters =
        [
            new("from", NpgsqlDbType.TimestampTz) { Value = from.UtcDateTime },
            new("to", NpgsqlDbType.TimestampTz) { Value = to.UtcDateTime },
        ];
        return runner.RunAsync(context, message.TaskId, Kind, sql, parameters, message.Format, message.Destination, message.Overwrite);
    }
}
