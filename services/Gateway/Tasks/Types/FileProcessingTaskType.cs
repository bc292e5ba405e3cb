using System.Text.Json;
using Bus.Contracts.Export;
using Bus.ServiceDefaults.Messaging;

namespace Bus.Gateway.Tasks.Types;

/// <summary><c>file_processing</c>: parse, validate or convert one file under ExportService's storage root.</summary>
public sealed class FileProcessingTaskType : ITaskType
{
    private const int MaxSampleRows = 100;

    private static readonly HashSet<string> Fields = ["filePath", "operation", "params"];
    private static readonly HashSet<string> ParamFields = ["format", "sampleRows", "requiredColumns", "maxBytes", "to", "output", "overwrite"];

    public TaskRoute Route => TaskRoutes.FileProcessing;

    public IReadOnlyList<string> SensitiveFields { get; } = [];

    public JsonElement Example { get; } = JsonSerializer.SerializeToElement(new
    {
        filePath = "/data/file.csv",
        operation = FileOperations.Parse,
        @params = new { format = ExportFormats.Csv },
    });

    public TaskCommandResult CreateCommand(Guid taskId, JsonElement data)
    {
        var reader = new JsonFieldReader("data");
        if (!reader.RequireObject(data, Fields))
            return TaskCommandResult.Invalid(reader.Errors);

        var filePath = reader.ReadString(data, "filePath", required: true, ExportPaths.MaxLength);
        var operation = reader.ReadString(data, "operation", required: true, 20);
        ExportPaths.Check(reader, "filePath", filePath);
        ExportPaths.CheckChoice(reader, "operation", operation, FileOperations.All);

        FileProcessingParameters? parameters = null;
        if (data.TryGetProperty("params", out var raw) && raw.ValueKind != JsonValueKind.Null)
            parameters = ReadParameters(reader, raw, operation);
        if (operation == FileOperations.Convert && parameters?.To is null && !reader.Errors.ContainsKey("data.params.to"))
            reader.AddError("data.params.to", "is required to convert: csv, json or jsonl");

        return reader.HasErrors
            ? TaskCommandResult.Invalid(reader.Errors)
            : TaskCommandResult.Valid(new ProcessFile(taskId, filePath!, operation!, parameters));
    }

    private static FileProcessingParameters? ReadParameters(JsonFieldReader parent, JsonElement raw, string? operation)
    {
        var reader = new JsonFieldReader("data.params");
        if (!reader.RequireObject(raw, ParamFields))
        {
            Merge(parent, reader);
            return null;
        }
        var format = reader.ReadString(raw, "format", required: false, 10);
        var sampleRows = reader.ReadInt(raw, "sampleRows", 0, MaxSampleRows);
        var requiredColumns = reader.ReadStringList(raw, "requiredColumns", required: false, maxItems: 200, maxLength: 200);
        long? maxBytes = null;
        if (raw.TryGetProperty("maxBytes", out var max) && max.ValueKind != JsonValueKind.Null)
        {
            if (max.ValueKind == JsonValueKind.Number && max.TryGetInt64(out var bytes) && bytes > 0)
                maxBytes = bytes;
            else
                reader.AddError(reader.PathOf("maxBytes"), "must be a positive whole number of bytes");
        }
        var to = reader.ReadString(raw, "to", required: false, 10);
        var output = reader.ReadString(raw, "output", required: false, ExportPaths.MaxLength);
        var overwrite = reader.ReadBool(raw, "overwrite") ?? false;

        ExportPaths.CheckChoice(reader, "format", format, ExportFormats.All);
        ExportPaths.CheckChoice(reader, "to", to, ExportFormats.All);
        ExportPaths.Check(reader, "output", output);
        if (operation != FileOperations.Convert && (to is not null || output is not null))
            reader.AddError(reader.PathOf(to is not null ? "to" : "output"), "is only for the convert operation");

        Merge(parent, reader);
        return new FileProcessingParameters(format, sampleRows, requiredColumns, maxBytes, to, output, overwrite);
    }

    private static void Merge(JsonFieldReader parent, JsonFieldReader child)
    {
        foreach (var (path, messages) in child.Errors)
            foreach (var message in messages)
                parent.AddError(path, message);
    }
}
