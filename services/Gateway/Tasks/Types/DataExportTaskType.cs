using System.Text.Json;
using Bus.Contracts.Export;
using Bus.ServiceDefaults.Messaging;

namespace Bus.Gateway.Tasks.Types;

/// <summary>
/// <c>data_export</c>: a named <c>dataset</c> with its <c>parameters</c> (preferred) or an ad-hoc read-only
/// <c>query</c>, written as csv, json or jsonl to <c>destination</c> under ExportService's storage root.
/// The query's safety is ExportService's job (reader role, read-only transaction, timeout); this only checks shape.
/// </summary>
public sealed class DataExportTaskType : ITaskType
{
    private const int MaxQueryLength = 64 * 1024;

    private static readonly HashSet<string> Fields = ["query", "dataset", "parameters", "format", "destination", "overwrite"];

    public TaskRoute Route => TaskRoutes.DataExport;

    public IReadOnlyList<string> SensitiveFields { get; } = [];

    public JsonElement Example { get; } = JsonSerializer.SerializeToElement(new
    {
        query = "SELECT * FROM users WHERE active = true",
        format = ExportFormats.Csv,
        destination = "/exports/users.csv",
    });

    public TaskCommandResult CreateCommand(Guid taskId, JsonElement data)
    {
        var reader = new JsonFieldReader("data");
        if (!reader.RequireObject(data, Fields))
            return TaskCommandResult.Invalid(reader.Errors);

        var query = reader.ReadString(data, "query", required: false, MaxQueryLength);
        var dataset = reader.ReadString(data, "dataset", required: false, 100);
        var parameters = reader.ReadStringMap(data, "parameters", maxEntries: 50, maxLength: 4096);
        var format = reader.ReadString(data, "format", required: true, 10);
        var destination = reader.ReadString(data, "destination", required: true, ExportPaths.MaxLength);
        var overwrite = reader.ReadBool(data, "overwrite") ?? false;

        if (query is null == dataset is null && !reader.Errors.ContainsKey(reader.PathOf("query")) && !reader.Errors.ContainsKey(reader.PathOf("dataset")))
            reader.AddError(reader.PathOf("query"), "give either a query or a dataset (a named export, preferred), not both and not neither");
        if (query is not null && string.IsNullOrWhiteSpace(query))
            reader.AddError(reader.PathOf("query"), "must not be empty");
        if (query is not null && parameters is not null)
            reader.AddError(reader.PathOf("parameters"), "are only for a dataset");
        ExportPaths.CheckChoice(reader, "format", format, ExportFormats.All);
        ExportPaths.Check(reader, "destination", destination);

        return reader.HasErrors
            ? TaskCommandResult.Invalid(reader.Errors)
            : TaskCommandResult.Valid(new ExportData(taskId, format!, destination!, query, dataset, parameters, overwrite));
    }
}
