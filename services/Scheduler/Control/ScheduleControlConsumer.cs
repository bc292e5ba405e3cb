using Bus.Contracts.Scheduling;
using Bus.Scheduler.Crons;
using MassTransit;
using Quartz;

namespace Bus.Scheduler.Control;

/// <summary>
/// Answers the Gateway's schedule requests. Any replica can: everything it reads and changes is in Quartz's shared store.
/// A cron that is configured but disabled has no job in the store; it is listed, and a command about it is answered
/// with <see cref="ScheduleDisabled"/>.
/// </summary>
public sealed class ScheduleControlConsumer(
    ISchedulerFactory schedulers,
    CronCatalog catalog,
    TimeProvider time,
    ILogger<ScheduleControlConsumer> logger)
    : IConsumer<GetSchedules>, IConsumer<PauseSchedule>, IConsumer<ResumeSchedule>, IConsumer<RunSchedule>
{
    private const int MaxNameLength = 100;

    public async Task Consume(ConsumeContext<GetSchedules> context)
    {
        var scheduler = await schedulers.GetScheduler(context.CancellationToken);
        var schedules = new List<ScheduleInfo>();
        foreach (var name in await CronStore.NamesAsync(scheduler, context.CancellationToken))
        {
            if (await CronStore.GetAsync(scheduler, name, context.CancellationToken) is { } info)
                schedules.Add(info);
        }
        schedules.AddRange(catalog.All
            .Where(s => !s.Enabled && schedules.All(i => i.Name != s.Name))
            .Select(s => new ScheduleInfo(s.Name, s.Cron, s.TimeZone.Id, s.TaskType, Enabled: false, Paused: false, null, null)));
        await context.RespondAsync(new ScheduleList([.. schedules.OrderBy(s => s.Name, StringComparer.Ordinal)]));
    }

    public Task Consume(ConsumeContext<PauseSchedule> context) => Act(context, context.Message.Name, "paused", CronStore.PauseAsync);

    public Task Consume(ConsumeContext<ResumeSchedule> context) => Act(context, context.Message.Name, "resumed", CronStore.ResumeAsync);

    public Task Consume(ConsumeContext<RunSchedule> context) => Act(context, context.Message.Name, "run now", CronStore.RunNowAsync);

    private async Task Act(ConsumeContext context, string? name, string done, Func<IScheduler, string, CancellationToken, Task> action)
    {
        // The request client gives a request the Gateway's timeout as its time to live: past it, the caller was told 503
        // and may act on that, so a late pause or run must not happen behind its back.
        if (context.ExpirationTime is { } expires && expires < time.GetUtcNow().UtcDateTime)
        {
            logger.LogWarning("Schedule request for {Cron} ({Action}) expired at {Expiration:O} before it was read; ignored", name, done, expires);
            return;
        }

        var scheduler = await schedulers.GetScheduler(context.CancellationToken);
        if (string.IsNullOrEmpty(name) || name.Length > MaxNameLength || await CronStore.GetAsync(scheduler, name, context.CancellationToken) is null)
        {
            if (name is not null && catalog.Find(name) is { Enabled: false })
                await context.RespondAsync(new ScheduleDisabled(name));
            else
                await context.RespondAsync(new ScheduleNotFound(name ?? ""));
            return;
        }

        await action(scheduler, name, context.CancellationToken);
        logger.LogInformation("Cron {Cron} {Action} on request", name, done);
        var info = await CronStore.GetAsync(scheduler, name, context.CancellationToken);
        if (info is null)
            await context.RespondAsync(new ScheduleNotFound(name));
        else
            await context.RespondAsync(info);
    }
}
