using Bus.Contracts.Tasks;

namespace Bus.Contracts.Export;

/// <summary>
/// Writes the rows of one read-only query to a file under the export storage root (queue <c>export</c>, task type
/// <c>data_export</c>). Either a named <c>Dataset</c> declared in ExportService's configuration with its
/// <c>Parameters</c> (preferred), or an ad-hoc <c>Query</c>: one SELECT, run as the read-only reader role.
/// <c>Format</c> is <c>csv</c>, <c>json</c> or <c>jsonl</c>; <c>Destination</c> is relative to the storage root.
/// </summary>
public record ExportData(
    Guid TaskId,
    string Format,
    string Destination,
    string? Query = null,
    string? Dataset = null,
    IReadOnlyDictionary<string, string>? Parameters = null,
    bool Overwrite = false) : ITaskCommand;

/// <summary>
/// Works on one file under the storage root (task type <c>file_processing</c>): <c>parse</c>, <c>validate</c> or
/// <c>convert</c> (see <see cref="FileProcessingParameters"/>).
/// </summary>
public record ProcessFile(
    Guid TaskId,
    string FilePath,
    string Operation,
    FileProcessingParameters? Params = null) : ITaskCommand;

/// <summary>
/// <c>Format</c>: the file's declared format (<c>csv</c>, <c>json</c>, <c>jsonl</c>; default from its extension).
/// <c>SampleRows</c>: rows <c>parse</c> returns. <c>RequiredColumns</c>, <c>MaxBytes</c>: what <c>validate</c> checks.
/// <c>To</c>, <c>Output</c>, <c>Overwrite</c>: what <c>convert</c> writes.
/// </summary>
public record FileProcessingParameters(
    string? Format = null,
    int? SampleRows = null,
    IReadOnlyList<string>? RequiredColumns = null,
    long? MaxBytes = null,
    string? To = null,
    string? Output = null,
    bool Overwrite = false);

/// <summary>
/// Writes a named report (e.g. <c>task-summary</c>: tasks per type and status created in [From, To)) to a file under
/// the storage root (task type <c>report_generation</c>).
/// </summary>
public record GenerateReport(
    Guid TaskId,
    string Report,
    string Format,
    string Destination,
    DateTimeOffset? From = null,
    DateTimeOffset? To = null,
    bool Overwrite = false) : ITaskCommand;

/// <summary>The names of what ExportService accepts, shared by the Gateway's validation and the service.</summary>
public static class ExportFormats
{
    public const string Csv = "csv";
    public const string Json = "json";
    public const string Jsonl = "jsonl";

    public static IReadOnlyList<string> All { get; } = [Csv, Json, Jsonl];
}

public static class FileOperations
{
    public const string Parse = "parse";
    public const string Validate = "validate";
    public const string Convert = "convert";

    public static IReadOnlyList<string> All { get; } = [Parse, Validate, Convert];
}

public static class ReportNames
{
    /// <summary>Tasks per type and status created in the period.</summary>
    public const string TaskSummary = "task-summary";

    public static IReadOnlyList<string> All { get; } = [TaskSummary];
}
