using Bus.Contracts.Email;
using Bus.Contracts.Export;
using Bus.Contracts.Integration;
using Bus.Contracts.Maintenance;
using Bus.Contracts.Media;
using Bus.Contracts.Noop;

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

    public static readonly TaskRoute ImageProcessing = new("image_processing", QueueNames.Media, typeof(ProcessImage));
    public static readonly TaskRoute MediaThumbnail = new("media_thumbnail", QueueNames.Media, typeof(ProcessImage));
    public static readonly TaskRoute MediaOptimize = new("media_optimize", QueueNames.Media, typeof(ProcessImage));
    public static readonly TaskRoute MediaProcess = new("media_process", QueueNames.Media, typeof(ProcessImage));
    public static readonly TaskRoute DataExport = new("data_export", QueueNames.Export, typeof(ExportData));
    public static readonly TaskRoute FileProcessing = new("file_processing", QueueNames.Export, typeof(ProcessFile));
    public static readonly TaskRoute ReportGeneration = new("report_generation", QueueNames.Export, typeof(GenerateReport));
    public static readonly TaskRoute ApiIntegration = new("api_integration", QueueNames.Integration, typeof(CallPartnerApi));
    public static readonly TaskRoute SlackAlert = new("slack_alert", QueueNames.Integration, typeof(SendSlackAlert));
    public static readonly TaskRoute SmsNotification = new("sms_notification", QueueNames.Integration, typeof(SendSms));
    public static readonly TaskRoute SerpramSync = new("serpram_sync", QueueNames.Integration, typeof(SyncSerpramReadings));
    public static readonly TaskRoute AytSync = new("ayt_sync", QueueNames.Integration, typeof(SyncAytReadings));
    public static readonly TaskRoute BookingReminder = new("booking_reminder", QueueNames.Integration, typeof(ScheduleBookingReminders));
    public static readonly TaskRoute PaymentReminder = new("payment_reminder", QueueNames.Integration, typeof(SchedulePaymentReminder));

    public static readonly TaskRoute Cleanup = new("cleanup", QueueNames.Maintenance, typeof(CleanUpExpiredData));
    public static readonly TaskRoute DataCleanup = new("data_cleanup", QueueNames.Maintenance, typeof(CleanUpExpiredData));
    public static readonly TaskRoute CleanTable = new("clean-table", QueueNames.Maintenance, typeof(CleanDeclaredTable));
    public static readonly TaskRoute CleanVerificationTokens = new("clean-verification-tokens", QueueNames.Maintenance, typeof(CleanDeclaredTable));
    public static readonly TaskRoute DailyReport = new("daily-report", QueueNames.Maintenance, typeof(SendDailyReport));

    /// <summary>Every production task type: what deployments, queue statistics and health walk.</summary>
    public static IReadOnlyList<TaskRoute> All { get; } = [EmailNotification, ImageProcessing, MediaThumbnail, MediaOptimize, MediaProcess, DataExport, FileProcessing, ReportGeneration,
        ApiIntegration, SlackAlert, SmsNotification, Cleanup, DataCleanup, CleanTable, CleanVerificationTokens, DailyReport,
        SerpramSync, AytSync, BookingReminder, PaymentReminder];

    /// <summary>
    /// The benchmark's no-op task: the Gateway accepts it only with <c>Tasks:EnableNoop</c> and a worker consumes it only
    /// with <c>Tasks:ConsumeNoop</c>, so it is not in <see cref="All"/> and no deployment has its queue.
    /// </summary>
    public static readonly TaskRoute Noop = new("noop", QueueNames.Noop, typeof(RunNoop));

    private static IReadOnlyList<TaskRoute> Known { get; } = [.. All, Noop];

    public static TaskRoute? FindByType(string type) => Known.FirstOrDefault(r => r.Type == type);

    /// <summary>
    /// The route a worker reports a command under. Several task types may share one command (the media shorthands are
    /// all <c>ProcessImage</c>): the first listed is its own; the task saga keeps the submitted type and only uses this
    /// one for a command sent straight to a queue, which it has never seen.
    /// </summary>
    public static TaskRoute ForCommand(Type commandType) =>
        Known.FirstOrDefault(r => r.CommandType == commandType)
        ?? throw new InvalidOperationException($"{commandType.Name} is not a routed task command; add it to TaskRoutes.");
}
