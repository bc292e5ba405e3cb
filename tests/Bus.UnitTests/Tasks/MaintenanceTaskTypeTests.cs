using System.Text.Json;
using Bus.Contracts.Maintenance;
using Bus.Gateway.Tasks.Types;

namespace Bus.UnitTests.Tasks;

public sealed class MaintenanceTaskTypeTests
{
    [Fact]
    public void Cleanup_and_its_alias_make_the_same_command_from_an_empty_object()
    {
        var taskId = Guid.NewGuid();

        Assert.Equal(new CleanUpExpiredData(taskId), new CleanupTaskType().CreateCommand(taskId, Json("{}")).Command);
        Assert.Equal(new CleanUpExpiredData(taskId), new DataCleanupTaskType().CreateCommand(taskId, Json("{}")).Command);
        Assert.Equal(new CleanDeclaredTable(taskId, "verification-tokens"), new CleanVerificationTokensTaskType().CreateCommand(taskId, Json("{}")).Command);
        Assert.Equal(new SendDailyReport(taskId), new DailyReportTaskType().CreateCommand(taskId, Json("{}")).Command);
    }

    [Fact]
    public void A_maintenance_task_cannot_be_aimed_by_its_data()
    {
        var result = new CleanupTaskType().CreateCommand(Guid.NewGuid(), Json("""{"olderThan": "1s"}"""));

        Assert.False(result.IsValid);
        Assert.StartsWith("is not a known field", result.Errors["data.olderThan"].Single());
        Assert.Equal(["must be a JSON object"], new DailyReportTaskType().CreateCommand(Guid.NewGuid(), Json("[]")).Errors["data"]);
    }

    [Theory]
    [InlineData("""{"table": "sessions"}""", null)]
    [InlineData("""{}""", "is required")]
    [InlineData("""{"table": "users; DROP TABLE users"}""", "must be the name of a declared table (letters, digits, '-', '_' or '.')")]
    [InlineData("""{"table": "\"quoted\""}""", "must be the name of a declared table (letters, digits, '-', '_' or '.')")]
    public void Clean_table_takes_a_declared_name_never_sql(string data, string? error)
    {
        var result = new CleanTableTaskType().CreateCommand(Guid.NewGuid(), Json(data));

        if (error is null)
            Assert.Equal("sessions", Assert.IsType<CleanDeclaredTable>(result.Command).Table);
        else
            Assert.Equal([error], result.Errors["data.table"]);
    }

    private static JsonElement Json(string text) => JsonDocument.Parse(text).RootElement.Clone();
}
