using System.Text.Json;
using Bus.Contracts.Export;
using Bus.Gateway.Tasks.Types;

namespace Bus.UnitTests.Export;

public sealed class ExportTaskTypeTests
{
    [Fact]
    public void The_issue_bodies_make_their_commands()
    {
        var export = new DataExportTaskType().CreateCommand(Guid.NewGuid(),
            Json("""{"query":"SELECT * FROM users WHERE active = true","format":"csv","destination":"/exports/users.csv"}"""));
        var file = new FileProcessingTaskType().CreateCommand(Guid.NewGuid(),
            Json("""{"filePath":"/data/file.csv","operation":"parse","params":{"format":"csv"}}"""));

        var command = Assert.IsType<ExportData>(export.Command);
        Assert.Equal(("SELECT * FROM users WHERE active = true", "csv", "/exports/users.csv"), (command.Query, command.Format, command.Destination));
        Assert.Equal("csv", Assert.IsType<ProcessFile>(file.Command).Params?.Format);
    }

    [Theory]
    [InlineData("""{"format":"csv","destination":"/x.csv"}""", "data.query", "either a query or a dataset")]
    [InlineData("""{"query":"SELECT 1","dataset":"d","format":"csv","destination":"/x.csv"}""", "data.query", "not both")]
    [InlineData("""{"query":"SELECT 1","format":"xml","destination":"/x.csv"}""", "data.format", "not supported")]
    [InlineData("""{"query":"SELECT 1","format":"csv","destination":"/a/../../etc/passwd"}""", "data.destination", "'..'")]
    [InlineData("""{"query":"SELECT 1","parameters":{"a":"1"},"format":"csv","destination":"/x.csv"}""", "data.parameters", "only for a dataset")]
    public void A_bad_export_names_its_field(string data, string field, string message) =>
        AssertError(new DataExportTaskType().CreateCommand(Guid.NewGuid(), Json(data)), field, message);

    [Theory]
    [InlineData("""{"filePath":"/data/f.csv","operation":"convert"}""", "data.params.to", "required")]
    [InlineData("""{"filePath":"/data/f.csv","operation":"parse","params":{"to":"json"}}""", "data.params.to", "only for the convert")]
    [InlineData("""{"filePath":"/data/f.csv","operation":"parse","params":{"colour":"red"}}""", "data.params.colour", "not a known field")]
    [InlineData("""{"filePath":"/data/f.csv","operation":"shred"}""", "data.operation", "not supported")]
    [InlineData("""{"filePath":"../f.csv","operation":"parse"}""", "data.filePath", "'..'")]
    [InlineData("""{"filePath":"/data/f.csv","operation":"validate","params":{"maxBytes":-1}}""", "data.params.maxBytes", "positive")]
    public void A_bad_file_task_names_its_field(string data, string field, string message) =>
        AssertError(new FileProcessingTaskType().CreateCommand(Guid.NewGuid(), Json(data)), field, message);

    [Theory]
    [InlineData("""{"report":"task-summary","from":"2026-11-01T00:00:00","format":"csv","destination":"/r.csv"}""", "data.from", "offset")]
    [InlineData("""{"report":"task-summary","from":"2026-12-01T00:00:00Z","to":"2026-11-01T00:00:00Z","format":"csv","destination":"/r.csv"}""", "data.to", "after from")]
    [InlineData("""{"report":"everything","format":"csv","destination":"/r.csv"}""", "data.report", "not supported")]
    public void A_bad_report_names_its_field(string data, string field, string message) =>
        AssertError(new ReportGenerationTaskType().CreateCommand(Guid.NewGuid(), Json(data)), field, message);

    private static void AssertError(TaskCommandResult result, string field, string message)
    {
        Assert.False(result.IsValid);
        Assert.True(result.Errors.ContainsKey(field), $"errors: {string.Join("; ", result.Errors.Select(e => $"{e.Key}: {string.Join(", ", e.Value)}"))}");
        Assert.Contains(result.Errors[field], m => m.Contains(message));
    }

    private static JsonElement Json(string text) => JsonDocument.Parse(text).RootElement.Clone();
}
