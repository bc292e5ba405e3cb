using System.Text.Json;
using Bus.Contracts.Tasks;
using Bus.ServiceDefaults.Messaging;
using MassTransit;
using Quartz;

namespace Bus.Scheduler.Crons;

/// <summary>
/// A cron firing: sends an ordinary <see cref="SubmitTask"/> to the task saga. The idempotency key is the cron's name and
/// the scheduled fire time, so a firing that somehow runs twice (recovery after a crash) is one task in the Gateway.
/// </summary>
[RetryPolicy(0)] // A failed send is not re-fired by Quartz: the firing is logged as lost and the next one proceeds.
public sealed class CronJob(IBus bus, ILogger<CronJob> logger) : IJob
{
    public static readonly TimeSpan SendTimeout = TimeSpan.FromSeconds(30);

    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken = default)
    {
        var name = context.JobDetail.Key.Name;
        var runNow = IsRunNow(context.MergedJobDataMap);
        var command = CreateCommand(name, context.JobDetail.JobDataMap, runNow ? context.FireTimeUtc : context.ScheduledFireTimeUtc ?? context.FireTimeUtc);

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, context.CancellationToken);
        timeout.CancelAfter(SendTimeout);
        try
        {
            var endpoint = await bus.GetSendEndpoint(new Uri($"queue:{QueueNames.TaskState}"));
            await endpoint.Send(command, timeout.Token);
        }
        catch (Exception exception) when (exception is not JobExecutionException)
        {
            logger.LogError(exception, "Cron {Cron} could not submit its {TaskType} task (key {IdempotencyKey}); this firing is lost",
                name, command.Type, command.IdempotencyKey);
            throw new JobExecutionException($"cron {name} could not submit its task", exception);
        }

        logger.LogInformation("Cron {Cron} submitted task {TaskId} of type {TaskType} (key {IdempotencyKey}{RunNow})",
            name, command.TaskId, command.Type, command.IdempotencyKey, runNow ? ", run now" : "");
    }

    /// <summary>The task a firing submits; <paramref name="fireTimeUtc"/> is the scheduled fire time, or the actual one for a run-now.</summary>
    public static SubmitTask CreateCommand(string name, JobDataMap data, DateTimeOffset fireTimeUtc)
    {
        using var json = JsonDocument.Parse(CronStore.Text(data, CronStore.DataKey) ?? "{}");
        var priority = int.TryParse(CronStore.Text(data, CronStore.PriorityKey), System.Globalization.CultureInfo.InvariantCulture, out var p) ? p : 0;
        return new SubmitTask(
            TaskId: NewId.NextGuid(),
            Type: CronStore.Text(data, CronStore.TaskTypeKey) ?? throw new InvalidOperationException($"cron {name} has no task type in its job data"),
            Data: json.RootElement.Clone(),
            Priority: priority,
            IdempotencyKey: IdempotencyKey(name, fireTimeUtc));
    }

    public static string IdempotencyKey(string name, DateTimeOffset fireTimeUtc) => $"cron:{name}:{fireTimeUtc.UtcDateTime:O}";

    private static bool IsRunNow(JobDataMap merged) =>
        CronStore.Text(merged, CronStore.RunNowKey) == "true" || CronStore.Text(merged, SchedulerConstants.ManualTrigger) == "true";
}
