using Bus.Contracts.Email;
using Bus.Contracts.Export;

namespace Bus.ServiceDefaults.Messaging;

/// <summary>Where a task type runs: its public name (as in <c>POST /tasks</c>), its queue and its command.</summary>
public sealed record TaskRoute(string Type, string Queue, Type CommandType)
{
    /// <summary>Where to send its command (<see cref="TaskQueueTopology.SendAddress"/>): never <c>queue:&lt;queue&gt;</c>.</summary>
    public Uri Address => TaskQueueTopology.SendAddress(Queue);
}

public static class TaskRoutes
{
    public static readonly TaskRoute EmailNotification = new("email_notification", QueueNames.Email, typeof(SendEmail));

    public static readonly TaskRoute DataExport = new("data_export", QueueNames.Export, typeof(ExportData));
    public static readonly TaskRoute FileProcessing = new("file_processing", QueueNames.Export, typeof(ProcessFile));
    public static readonly TaskRoute ReportGeneration = new("report_generation", QueueNames.Export, typeof(GenerateReport));

    public static IReadOnlyList<TaskRoute> All { get; } = [EmailNotification, DataExport, FileProcessing, ReportGeneration];

    public static TaskRoute? FindByType(string type) => All.FirstOrDefault(r => r.Type == type);

    public static TaskRoute ForCommand(Type commandType) =>
        All.FirstOrDefault(r => r.CommandType == commandType)
        ?? throw new InvalidOperationException($"{commandType.Name} is not a routed task command; add it to TaskRoutes.");
}
