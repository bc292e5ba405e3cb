using System.Diagnostics;
using Bus.Contracts.Export;
using Bus.ServiceDefaults.Messaging;
using MassTransit;
using Microsoft.Extensions.Options;

namespace Bus.ExportService;

public sealed record RowError(long Row, long? Line, string Message);

/// <summary><c>parse</c>: what the file holds.</summary>
public sealed record ParseResult(string Path, string Format, long Bytes, long RowCount, long ErrorCount,
    IReadOnlyList<string> Columns, IReadOnlyList<Dictionary<string, object?>> FirstRows, IReadOnlyList<RowError> Errors);

/// <summary><c>validate</c>: whether the file is what it claims; <c>problems</c> says why not.</summary>
public sealed record ValidateResult(string Path, bool Valid, string DeclaredFormat, string DetectedFormat, long Bytes, long MaxBytes,
    long RowCount, long ErrorCount, IReadOnlyList<string> Columns, IReadOnlyList<string> MissingColumns, IReadOnlyList<string> Problems, IReadOnlyList<RowError> Errors);

/// <summary><c>convert</c>: the file written, and the rows that could not be carried over.</summary>
public sealed record ConvertResult(string Path, string Output, string From, string To, long Rows, long Bytes, long DurationMs,
    IReadOnlyList<string> Columns, long ErrorCount, IReadOnlyList<RowError> Errors);

/// <summary><c>file_processing</c>: parse, validate or convert one file under the storage root, reading it as a stream.</summary>
public sealed class ProcessFileConsumer(
    StoragePaths paths,
    OutputLedger ledger,
    IOptions<ExportOptions> options,
    ILogger<ProcessFileConsumer> logger) : IConsumer<ProcessFile>
{
    public const string Kind = "file_processing";
    private const int MaxListedErrors = 100;
    private const int DefaultSampleRows = 10;
    private const int MaxColumns = 1000;

    public async Task Consume(ConsumeContext<ProcessFile> context)
    {
        var message = context.Message;
        var parameters = message.Params ?? new FileProcessingParameters();
        var input = paths.ExistingFile(message.FilePath, "filePath");
        var format = parameters.Format ?? FormatOf(input)
            ?? throw new PermanentTaskException($"the format of '{message.FilePath}' is not known from its extension: give params.format (csv, json or jsonl)");
        if (!ExportFormats.All.Contains(format))
            throw new PermanentTaskException($"format '{format}' is not supported; expected one of: {string.Join(", ", ExportFormats.All)}");

        switch (message.Operation)
        {
            case FileOperations.Parse:
                await context.ReportCompleted(message.TaskId, await ParseAsync(context, input, format, parameters));
                break;
            case FileOperations.Validate:
                await context.ReportCompleted(message.TaskId, await ValidateAsync(context, input, format, parameters));
                break;
            case FileOperations.Convert:
                await ConvertAsync(context, input, format, parameters);
                break;
            default:
                throw new PermanentTaskException($"operation '{message.Operation}' is not supported; expected one of: {string.Join(", ", FileOperations.All)}");
        }
    }

    private async Task<ParseResult> ParseAsync(ConsumeContext<ProcessFile> context, string input, string format, FileProcessingParameters parameters)
    {
        var bytes = CheckSize(input, parameters.MaxBytes);
        if (await TabularFile.DetectAsync(input, context.CancellationToken) == "binary")
            throw new PermanentTaskException($"'{Shown(input)}' is a binary file, not {format}");

        var sampleRows = Math.Clamp(parameters.SampleRows ?? DefaultSampleRows, 0, 100);
        var columns = new ColumnSet();
        var firstRows = new List<Dictionary<string, object?>>();
        var errors = new List<RowError>();
        long rowCount = 0, errorCount = 0;
        await foreach (var row in ReadWithProgress(context, input, format, bytes))
        {
            if (row.Error is not null)
            {
                errorCount++;
                if (errors.Count < MaxListedErrors)
                    errors.Add(new RowError(row.Number, row.Line, row.Error));
                continue;
            }
            rowCount++;
            columns.AddRange(row.Fields!.Select(f => f.Key));
            if (firstRows.Count < sampleRows)
                firstRows.Add(row.Fields!.GroupBy(f => f.Key).ToDictionary(g => g.Key, g => g.First().Value.Value));
        }
        return new ParseResult(Shown(input), format, bytes, rowCount, errorCount, columns.Names, firstRows, errors);
    }

    private async Task<ValidateResult> ValidateAsync(ConsumeContext<ProcessFile> context, string input, string format, FileProcessingParameters parameters)
    {
        var bytes = new FileInfo(input).Length;
        var limit = Math.Min(parameters.MaxBytes ?? long.MaxValue, options.Value.MaxInputBytes);
        var detected = await TabularFile.DetectAsync(input, context.CancellationToken);
        var problems = new List<string>();
        if (bytes > limit)
            problems.Add($"is {bytes} bytes, over the limit of {limit}");
        if (detected != format)
            problems.Add(detected == "binary" ? $"is declared {format} but holds binary data" : $"is declared {format} but its content looks like {detected}");

        var columns = new ColumnSet();
        var errors = new List<RowError>();
        long rowCount = 0, errorCount = 0;
        if (problems.Count == 0)
        {
            await foreach (var row in ReadWithProgress(context, input, format, bytes))
            {
                if (row.Error is not null)
                {
                    errorCount++;
                    if (errors.Count < MaxListedErrors)
                        errors.Add(new RowError(row.Number, row.Line, row.Error));
                    continue;
                }
                rowCount++;
                columns.AddRange(row.Fields!.Select(f => f.Key));
            }
            if (errorCount > 0)
                problems.Add($"{errorCount} row(s) are not valid {format}");
            if (rowCount == 0 && errorCount == 0)
                problems.Add("holds no rows");
        }
        var missing = (parameters.RequiredColumns ?? []).Where(c => !columns.Names.Contains(c)).ToList();
        if (problems.Count == 0 && missing.Count > 0)
            problems.Add($"lacks the required column(s) {string.Join(", ", missing)}");
        return new ValidateResult(Shown(input), problems.Count == 0, format, detected, bytes, limit, rowCount, errorCount, columns.Names, missing, problems, errors);
    }

    private async Task ConvertAsync(ConsumeContext<ProcessFile> context, string input, string format, FileProcessingParameters parameters)
    {
        var taskId = context.Message.TaskId;
        var to = parameters.To ?? throw new PermanentTaskException("convert needs params.to: csv, json or jsonl");
        if (!ExportFormats.All.Contains(to))
            throw new PermanentTaskException($"params.to '{to}' is not supported; expected one of: {string.Join(", ", ExportFormats.All)}");
        var bytesIn = CheckSize(input, parameters.MaxBytes);
        var requestedOutput = parameters.Output ?? Path.ChangeExtension(Shown(input), to);
        var output = paths.OutputFile(requestedOutput, "params.output");
        if (output == input && !parameters.Overwrite)
            throw new PermanentTaskException($"the output '{Shown(output)}' is the input file; set params.overwrite to replace it");

        await using var entry = await ledger.LockAsync(taskId, Kind, output, context.CancellationToken);
        if (entry is { Completed: true, Result: { } stored })
        {
            await entry.ReleaseAsync();
            await context.ReportCompleted(taskId, stored);
            return;
        }
        if (!parameters.Overwrite && File.Exists(output))
            throw new PermanentTaskException($"the output '{Shown(output)}' already exists; set params.overwrite to replace it");

        var stopwatch = Stopwatch.StartNew();
        var errors = new List<RowError>();
        long rows = 0, errorCount = 0;
        string[] columns = [];
        try
        {
            var bytes = await AtomicFile.WriteAsync(output, parameters.Overwrite, async stream =>
            {
                RowWriter? writer = null;
                try
                {
                    await foreach (var row in ReadWithProgress(context, input, format, bytesIn))
                    {
                        if (row.Error is null && writer is null)
                        {
                            // The first row fixes the columns: a file is written as it is read, never held whole.
                            columns = [.. row.Fields!.Select(f => f.Key)];
                            writer = RowWriter.Create(to, stream, columns);
                        }
                        var extra = row.Fields?.Select(f => f.Key).Except(columns).ToList();
                        var error = row.Error ?? (extra is { Count: > 0 } ? $"has field(s) {string.Join(", ", extra)} not in the first row's columns; they were left out" : null);
                        if (error is not null)
                        {
                            errorCount++;
                            if (errors.Count < MaxListedErrors)
                                errors.Add(new RowError(row.Number, row.Line, error));
                            if (row.Error is not null)
                                continue;
                        }
                        var values = row.Fields!.GroupBy(f => f.Key).ToDictionary(g => g.Key, g => g.First().Value);
                        await writer!.WriteRowAsync([.. columns.Select(c => values.GetValueOrDefault(c))], context.CancellationToken);
                        rows++;
                    }
                    writer ??= RowWriter.Create(to, stream, columns);
                }
                finally
                {
                    if (writer is not null)
                        await writer.DisposeAsync();
                }
            }, context.CancellationToken);

            var result = new ConvertResult(Shown(input), Shown(output), format, to, rows, bytes, stopwatch.ElapsedMilliseconds, columns, errorCount, errors);
            await entry.CompleteAsync(result);
            logger.LogInformation("Task {TaskId} converted {Input} ({From}) to {Output} ({To}): {Rows} rows", taskId, result.Path, format, result.Output, to, rows);
            await context.ReportCompleted(taskId, result);
        }
        catch (DestinationExistsException exception)
        {
            var permanent = new PermanentTaskException($"the output '{Shown(output)}' already exists; set params.overwrite to replace it", exception);
            await entry.FailAsync(permanent);
            throw permanent;
        }
        catch (Exception exception)
        {
            await entry.FailAsync(exception);
            throw;
        }
    }

    /// <summary>The rows, with progress by bytes read (the file's size is known, unlike a query's row count).</summary>
    private async IAsyncEnumerable<ParsedRow> ReadWithProgress(ConsumeContext<ProcessFile> context, string input, string format, long bytes)
    {
        await using var stream = new FileStream(input, FileMode.Open, FileAccess.Read, FileShare.Read, 64 * 1024, FileOptions.Asynchronous | FileOptions.SequentialScan);
        var lastReport = Stopwatch.StartNew();
        await foreach (var row in TabularFile.ReadAsync(stream, format, context.CancellationToken))
        {
            yield return row;
            if (lastReport.Elapsed >= options.Value.ProgressInterval)
            {
                await context.ReportProgress(context.Message.TaskId, (int)(90 * stream.Position / Math.Max(bytes, 1)), $"Row {row.Number} read");
                lastReport.Restart();
            }
        }
    }

    private long CheckSize(string input, long? requested)
    {
        var bytes = new FileInfo(input).Length;
        var limit = Math.Min(requested ?? long.MaxValue, options.Value.MaxInputBytes);
        return bytes > limit ? throw new PermanentTaskException($"'{Shown(input)}' is {bytes} bytes, over the limit of {limit}") : bytes;
    }

    private string Shown(string path) => "/" + Path.GetRelativePath(paths.Root, path);

    private static string? FormatOf(string path) => Path.GetExtension(path).TrimStart('.').ToLowerInvariant() switch
    {
        "csv" => ExportFormats.Csv,
        "json" => ExportFormats.Json,
        "jsonl" or "ndjson" => ExportFormats.Jsonl,
        _ => null,
    };

    /// <summary>Column names in order of first appearance, bounded so a hostile file cannot grow it without end.</summary>
    private sealed class ColumnSet
    {
        private readonly HashSet<string> _seen = [];
        private readonly List<string> _names = [];

        public IReadOnlyList<string> Names => _names;

        public void AddRange(IEnumerable<string> names)
        {
            foreach (var name in names)
            {
                if (_names.Count >= MaxColumns)
                    throw new PermanentTaskException($"the file has more than {MaxColumns} distinct columns");
                if (_seen.Add(name))
                    _names.Add(name);
            }
        }
    }
}
