using System.Diagnostics;
using Bus.ServiceDefaults.Messaging;
using MassTransit;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Bus.ExportService;

/// <summary>What <c>TaskCompleted.Result</c> holds for an export or a report (camelCase JSON).</summary>
public sealed record ExportResult(string Path, string Format, long Rows, long Bytes, long DurationMs, IReadOnlyList<string> Columns);

/// <summary>
/// Streams one query's rows (as the reader role) into a file: ledger row locked, temporary file, atomic rename.
/// Shared by <c>data_export</c> and <c>report_generation</c>.
/// </summary>
public sealed class ExportRunner(
    ReaderDatabase database,
    StoragePaths paths,
    OutputLedger ledger,
    IOptions<ExportOptions> options,
    ILogger<ExportRunner> logger)
{
    public async Task RunAsync(ConsumeContext context, Guid taskId, string kind, string sql, IReadOnlyList<NpgsqlParameter> parameters,
        string format, string requestedDestination, bool overwrite)
    {
        var cancellationToken = context.CancellationToken;
        var destination = paths.OutputFile(requestedDestination, "destination");
        var shownPath = "/" + Path.GetRelativePath(paths.Root, destination);

        await using var entry = await ledger.LockAsync(taskId, kind, destination, cancellationToken);
        if (entry is { Completed: true, Result: { } stored })
        {
            await entry.ReleaseAsync();
            logger.LogInformation("Task {TaskId} already wrote {Path}; reporting its result again without writing", taskId, shownPath);
            await context.ReportCompleted(taskId, stored);
            return;
        }

        if (!overwrite && File.Exists(destination))
            throw new PermanentTaskException($"destination '{shownPath}' already exists; set overwrite to replace it");

        await context.ReportProgress(taskId, 10, "Running the query");
        var stopwatch = Stopwatch.StartNew();
        try
        {
            var (rows, columns, bytes) = await database.QueryAsync(sql, parameters, async reader =>
            {
                var names = Enumerable.Range(0, reader.FieldCount).Select(reader.GetName).ToArray();
                var isJson = Enumerable.Range(0, reader.FieldCount).Select(i => reader.GetDataTypeName(i) is "json" or "jsonb").ToArray();
                long written = 0;
                var bytes = await AtomicFile.WriteAsync(destination, overwrite, async stream =>
                {
                    await using var writer = RowWriter.Create(format, stream, names);
                    var row = new Cell[names.Length];
                    var lastReport = Stopwatch.StartNew();
                    while (await reader.ReadAsync(cancellationToken))
                    {
                        for (var i = 0; i < row.Length; i++)
                            row[i] = new Cell(await reader.IsDBNullAsync(i, cancellationToken) ? null : reader.GetValue(i), isJson[i]);
                        await writer.WriteRowAsync(row, cancellationToken);
                        written++;
                        if (lastReport.Elapsed >= options.Value.ProgressInterval)
                        {
                            await context.ReportProgress(taskId, 50, $"{written} rows written");
                            lastReport.Restart();
                        }
                    }
                }, cancellationToken);
                return (written, names, bytes);
            }, cancellationToken);

            var result = new ExportResult(shownPath, format, rows, bytes, stopwatch.ElapsedMilliseconds, columns);
            await entry.CompleteAsync(result);
            logger.LogInformation("Task {TaskId} exported {Rows} rows ({Bytes} bytes) to {Path} in {Duration} ms", taskId, rows, bytes, shownPath, result.DurationMs);
            await context.ReportProgress(taskId, 95, $"{rows} rows written to {shownPath}");
            await context.ReportCompleted(taskId, result);
        }
        catch (DestinationExistsException exception)
        {
            var permanent = new PermanentTaskException($"destination '{shownPath}' already exists; set overwrite to replace it", exception);
            await entry.FailAsync(permanent);
            throw permanent;
        }
        catch (Exception exception)
        {
            logger.LogWarning(exception, "Export of task {TaskId} to {Path} failed", taskId, shownPath);
            await entry.FailAsync(exception);
            throw;
        }
    }
}
