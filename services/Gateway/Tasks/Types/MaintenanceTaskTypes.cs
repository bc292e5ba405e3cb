using System.Text.Json;
using System.Text.RegularExpressions;
using Bus.Contracts.Maintenance;
using Bus.ServiceDefaults.Messaging;

namespace Bus.Gateway.Tasks.Types;

/// <summary>
/// A maintenance task whose data is an empty object: what it deletes or reports is MaintenanceService's configuration,
/// so a request can neither widen nor aim it.
/// </summary>
public abstract class FixedMaintenanceTaskType(TaskRoute route) : ITaskType
{
    private static readonly HashSet<string> NoFields = [];

    public TaskRoute Route => route;

    public IReadOnlyList<string> SensitiveFields { get; } = [];

    public JsonElement Example { get; } = JsonSerializer.SerializeToElement(new { });

    public TaskCommandResult CreateCommand(Guid taskId, JsonElement data)
    {
        var reader = new JsonFieldReader("data");
        return reader.RequireObject(data, NoFields) && !reader.HasErrors
            ? TaskCommandResult.Valid(Command(taskId))
            : TaskCommandResult.Invalid(reader.Errors);
    }

    protected abstract object Command(Guid taskId);
}

/// <summary><c>cleanup</c>: task records past retention and files past their age under the storage roots.</summary>
public sealed class CleanupTaskType() : FixedMaintenanceTaskType(TaskRoutes.Cleanup)
{
    protected override object Command(Guid taskId) => new CleanUpExpiredData(taskId);
}

/// <summary><c>data_cleanup</c>: the name the systems we replace gave <c>cleanup</c>.</summary>
public sealed class DataCleanupTaskType() : FixedMaintenanceTaskType(TaskRoutes.DataCleanup)
{
    protected override object Command(Guid taskId) => new CleanUpExpiredData(taskId);
}

/// <summary><c>clean-verification-tokens</c>: the declared table <c>verification-tokens</c>.</summary>
public sealed class CleanVerificationTokensTaskType() : FixedMaintenanceTaskType(TaskRoutes.CleanVerificationTokens)
{
    public const string DeclaredTable = "verification-tokens";

    protected override object Command(Guid taskId) => new CleanDeclaredTable(taskId, DeclaredTable);
}

/// <summary><c>daily-report</c>: the last 24 hours per task type, by e-mail (and Slack when configured).</summary>
public sealed class DailyReportTaskType() : FixedMaintenanceTaskType(TaskRoutes.DailyReport)
{
    protected override object Command(Guid taskId) => new SendDailyReport(taskId);
}

/// <summary>
/// <c>clean-table</c>: <c>{"table": "&lt;name&gt;"}</c>, the name under which an operator declared a table in
/// MaintenanceService's configuration. Only the name's shape is checked here; the service refuses an undeclared one.
/// </summary>
public sealed partial class CleanTableTaskType : ITaskType
{
    private static readonly HashSet<string> Fields = ["table"];

    public TaskRoute Route => TaskRoutes.CleanTable;

    public IReadOnlyList<string> SensitiveFields { get; } = [];

    public JsonElement Example { get; } = JsonSerializer.SerializeToElement(new { table = CleanVerificationTokensTaskType.DeclaredTable });

    public TaskCommandResult CreateCommand(Guid taskId, JsonElement data)
    {
        var reader = new JsonFieldReader("data");
        if (!reader.RequireObject(data, Fields))
            return TaskCommandResult.Invalid(reader.Errors);
        var table = reader.ReadString(data, "table", required: true, 100);
        if (table is not null && !DeclaredName().IsMatch(table))
            reader.AddError(reader.PathOf("table"), "must be the name of a declared table (letters, digits, '-', '_' or '.')");
        return reader.HasErrors
            ? TaskCommandResult.Invalid(reader.Errors)
            : TaskCommandResult.Valid(new CleanDeclaredTable(taskId, table!));
    }

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$")]
    private static partial Regex DeclaredName();
}

public static class MaintenanceTaskTypes
{
    public static IServiceCollection AddMaintenanceTaskTypes(this IServiceCollection services)
    {
        services.AddSingleton<ITaskType, CleanupTaskType>();
        services.AddSingleton<ITaskType, DataCleanupTaskType>();
        services.AddSingleton<ITaskType, CleanTableTaskType>();
        services.AddSingleton<ITaskType, CleanVerificationTokensTaskType>();
        services.AddSingleton<ITaskType, DailyReportTaskType>();
        return services;
    }
}
