using System.Text.Json;
using Bus.Contracts.Integration;
using Bus.ServiceDefaults.Messaging;

namespace Bus.Gateway.Tasks.Types.SyncsAndReminders;

/// <summary>
/// <c>serpram_sync</c> and <c>ayt_sync</c>: no data (<c>{}</c>, what their crons send). The partner endpoint and its
/// credentials are IntegrationService's configuration, so a task can never point a sync somewhere else.
/// </summary>
public abstract class PartnerSyncTaskType(TaskRoute route, Func<Guid, object> command) : ITaskType
{
    private static readonly HashSet<string> Fields = [];

    public TaskRoute Route => route;

    public IReadOnlyList<string> SensitiveFields { get; } = [];

    public JsonElement Example { get; } = JsonSerializer.SerializeToElement(new { });

    public TaskCommandResult CreateCommand(Guid taskId, JsonElement data)
    {
        var reader = new JsonFieldReader("data");
        return reader.RequireObject(data, Fields) && !reader.HasErrors
            ? TaskCommandResult.Valid(command(taskId))
            : TaskCommandResult.Invalid(reader.Errors);
    }
}

public sealed class SerpramSyncTaskType() : PartnerSyncTaskType(TaskRoutes.SerpramSync, taskId => new SyncSerpramReadings(taskId));

public sealed class AytSyncTaskType() : PartnerSyncTaskType(TaskRoutes.AytSync, taskId => new SyncAytReadings(taskId));

public static class SyncAndReminderTaskTypeRegistration
{
    public static IServiceCollection AddSyncAndReminderTaskTypes(this IServiceCollection services)
    {
        services.AddSingleton<ITaskType, SerpramSyncTaskType>();
        services.AddSingleton<ITaskType, AytSyncTaskType>();
        services.AddSingleton<ITaskType, BookingReminderTaskType>();
        services.AddSingleton<ITaskType, PaymentReminderTaskType>();
        return services;
    }
}
