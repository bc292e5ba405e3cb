using System.Diagnostics;
using System.Text.Json;
using Bus.Contracts.Maintenance;
using Bus.Contracts.Tasks;
using Bus.ServiceDefaults.Messaging;
using MassTransit;
using Microsoft.Extensions.Options;

namespace Bus.MaintenanceService;

/// <summary>The result of <c>cleanup</c>: what was removed, counted.</summary>
public sealed record CleanupResult(TaskRetentionResult Tasks, IReadOnlyList<FileCleanupResult> Files, long FilesDeleted, long DurationMs);

/// <summary><c>cleanup</c> / <c>data_cleanup</c>: task records past retention, then expired files. Running it twice deletes nothing twice.</summary>
public sealed class CleanUpExpiredDataConsumer(TaskRetention retention, ExpiredFiles files) : IConsumer<CleanUpExpiredData>
{
    public async Task Consume(ConsumeContext<CleanUpExpiredData> context)
    {
        var stopwatch = Stopwatch.StartNew();
        var tasks = await retention.CleanAsync(context.CancellationToken);
        await context.ReportProgress(context.Message.TaskId, 50, $"{tasks.Total} task record(s) deleted");
        var removed = files.Clean(context.CancellationToken);
        await context.ReportCompleted(context.Message.TaskId,
            new CleanupResult(tasks, removed, removed.Sum(r => r.FilesDeleted), stopwatch.ElapsedMilliseconds));
    }
}

/// <summary><c>clean-table</c> / <c>clean-verification-tokens</c>: the expired rows of one declared table.</summary>
public sealed class CleanDeclaredTableConsumer(DeclaredTables tables) : IConsumer<CleanDeclaredTable>
{
    public async Task Consume(ConsumeContext<CleanDeclaredTable> context) =>
        await context.ReportCompleted(context.Message.TaskId, await tables.CleanAsync(context.Message.Table, context.CancellationToken));
}

/// <summary>A task the report submitted: its id, and whether it already existed (a redelivered report sends nothing twice).</summary>
public sealed record SubmittedTask(string Type, Guid TaskId, bool Duplicate);

public sealed record DailyReportResult(DateTime From, DateTime To, long Submitted, long Completed, long Failed,
    IReadOnlyList<TaskTypeFigures> Types, SubmittedTask? Email, SubmittedTask? Slack);

/// <summary>
/// <c>daily-report</c>: computes the figures, then submits them as ordinary tracked tasks through the task saga — an
/// <c>email_notification</c> to <see cref="ReportOptions.Recipients"/> and, with <see cref="ReportOptions.Slack"/>, a
/// <c>slack_alert</c>. Their idempotency keys derive from this task's id, so a retried report never sends twice.
/// </summary>
public sealed class SendDailyReportConsumer(
    DailyReportQuery query,
    IRequestClient<SubmitTask> submit,
    IOptions<MaintenanceOptions> options,
    TimeProvider time,
    ILogger<SendDailyReportConsumer> logger) : IConsumer<SendDailyReport>
{
    public const string EmailTaskType = "email_notification";
    public const string SlackTaskType = "slack_alert";

    public async Task Consume(ConsumeContext<SendDailyReport> context)
    {
        var taskId = context.Message.TaskId;
        var settings = options.Value.Report;
        var report = await query.ComputeAsync(time.GetUtcNow().UtcDateTime, context.CancellationToken);
        await context.ReportProgress(taskId, 50, $"{report.Types.Count} task type(s) counted");

        var email = settings.Recipients.Length == 0
            ? null
            : await SubmitAsync(taskId, EmailTaskType, new { to = settings.Recipients, subject = report.Subject(settings.Subject), body = report.Text() }, context.CancellationToken);
        if (email is null)
            logger.LogWarning("Daily report {TaskId}: no Maintenance:Report:Recipients, so no e-mail; the figures are only in the task's result", taskId);
        var slack = settings.Slack
            ? await SubmitAsync(taskId, SlackTaskType, new { text = report.Summary() }, context.CancellationToken)
            : null;

        await context.ReportCompleted(taskId, new DailyReportResult(report.From, report.To, report.Submitted, report.Completed, report.Failed, report.Types, email, slack));
    }

    private async Task<SubmittedTask> SubmitAsync(Guid reportTaskId, string type, object data, CancellationToken cancellationToken)
    {
        var command = new SubmitTask(NewId.NextGuid(), type, JsonSerializer.SerializeToElement(data, JsonSerializerOptions.Web),
            IdempotencyKey: $"daily-report:{reportTaskId}:{type}");
        var response = await submit.GetResponse<TaskAccepted, TaskRejected>(command, TaskSagaRequests.NeverExpire, cancellationToken);
        if (response.Is(out Response<TaskRejected>? rejected))
            throw new PermanentTaskException($"the report's {type} task was rejected: " +
                string.Join("; ", rejected.Message.Errors.Select(e => $"{e.Key}: {string.Join(", ", e.Value)}")));
        response.Is(out Response<TaskAccepted>? accepted);
        logger.LogInformation("Daily report {ReportTaskId} submitted {Type} task {TaskId}{Duplicate}",
            reportTaskId, type, accepted!.Message.TaskId, accepted.Message.Duplicate ? " (already submitted)" : "");
        return new SubmittedTask(type, accepted.Message.TaskId, accepted.Message.Duplicate);
    }
}
