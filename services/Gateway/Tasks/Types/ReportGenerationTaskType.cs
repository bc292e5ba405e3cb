using System.Text.Json;
using Bus.Contracts.Export;
using Bus.ServiceDefaults.Messaging;

namespace Bus.Gateway.Tasks.Types;

/// <summary><c>report_generation</c>: a named report over a period, written as csv, json or jsonl under the storage root.</summary>
public sealed class ReportGenerationTaskType : ITaskType
{
    private static readonly HashSet<string> Fields = ["report", "from", "to", "format", "destination", "overwrite"];

    public TaskRoute Route => TaskRoutes.ReportGeneration;

    public IReadOnlyList<string> SensitiveFields { get; } = [];

    public JsonElement Example { get; } = JsonSerializer.SerializeToElement(new
    {
        report = ReportNames.TaskSummary,
        from = "2026-11-01T00:00:00Z",
        to = "2026-12-01T00:00:00Z",
        format = ExportFormats.Csv,
        destination = "/reports/tasks-2026-11.csv",
    });

    public TaskCommandResult CreateCommand(Guid taskId, JsonElement data)
    {
        var reader = new JsonFieldReader("data");
        if (!reader.RequireObject(data, Fields))
            return TaskCommandResult.Invalid(reader.Errors);

        var report = reader.ReadString(data, "report", required: true, 100);
        var from = reader.ReadInstant(data, "from", required: false);
        var to = reader.ReadInstant(data, "to", required: false);
        var format = reader.ReadString(data, "format", required: true, 10);
        var destination = reader.ReadString(data, "destination", required: true, ExportPaths.MaxLength);
        var overwrite = reader.ReadBool(data, "overwrite") ?? false;

        ExportPaths.CheckChoice(reader, "report", report, ReportNames.All);
        ExportPaths.CheckChoice(reader, "format", format, ExportFormats.All);
        ExportPaths.Check(reader, "destination", destination);
        if (from is not null && to is not null && from >= to)
            reader.AddError(reader.PathOf("to"), "must be after from");

        return reader.HasErrors
            ? TaskCommandResult.Invalid(reader.Errors)
            : TaskCommandResult.Valid(new GenerateReport(taskId, report!, format!, destination!, from, to, overwrite));
    }
}
