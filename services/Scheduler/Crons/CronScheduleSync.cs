using Quartz;

namespace Bus.Scheduler.Crons;

/// <summary>
/// At start, makes Quartz's shared store hold exactly the enabled crons of the configuration: adds the missing, updates
/// what changed (a changed schedule is re-stored from now, into its trigger group, so a paused cron stays paused), leaves
/// unchanged ones alone (their fire times and pause untouched) and removes crons that are disabled or no longer configured.
/// Replicas starting together may both get here: a new trigger is only stored when none is (Quartz decides under its
/// lock), and an update writes the same definition twice.
/// </summary>
public sealed class CronScheduleSync(ISchedulerFactory schedulers, CronCatalog catalog, ILogger<CronScheduleSync> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var scheduler = await schedulers.GetScheduler(cancellationToken);
        var result = await SyncAsync(scheduler, catalog.All, logger, cancellationToken);
        logger.LogInformation(
            "Cron schedules synchronized: {Added} added, {Updated} updated, {Unchanged} unchanged, {Removed} removed, {Disabled} disabled in configuration",
            result.Added.Count, result.Updated.Count, result.Unchanged.Count, result.Removed.Count, catalog.All.Count(s => !s.Enabled));
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public static async Task<CronSyncResult> SyncAsync(IScheduler scheduler, IReadOnlyList<CronSchedule> schedules, ILogger logger, CancellationToken cancellationToken)
    {
        var result = new CronSyncResult();
        var wanted = schedules.Where(s => s.Enabled).ToDictionary(s => s.Name);

        foreach (var name in await CronStore.NamesAsync(scheduler, cancellationToken))
        {
            if (wanted.ContainsKey(name))
                continue;
            await CronStore.RemoveAsync(scheduler, name, cancellationToken);
            result.Removed.Add(name);
            logger.LogInformation("Cron {Cron} removed: it is disabled or no longer configured", name);
        }

        foreach (var schedule in wanted.Values)
        {
            var job = CronStore.BuildJob(schedule);
            var storedJob = await scheduler.GetJobDetail(job.Key, cancellationToken);
            var storedTrigger = await scheduler.GetTrigger(CronStore.TriggerKeyFor(schedule.Name), cancellationToken);

            if (storedJob is null || storedTrigger is null)
            {
                // Keep: a replica starting at the same moment may have stored it first; its trigger is left as it is.
                await scheduler.AddJob(job, AddJobOptions.Replacing, cancellationToken);
                await scheduler.ScheduleTrigger(CronStore.BuildTrigger(schedule.Name, schedule.QuartzCron, schedule.TimeZone),
                    TriggerConflict.Keep, cancellationToken);
                result.Added.Add(schedule.Name);
                logger.LogInformation("Cron {Cron} added: {Expression} ({Quartz}) in {TimeZone} submits {TaskType}",
                    schedule.Name, schedule.Cron, schedule.QuartzCron, schedule.TimeZone.Id, schedule.TaskType);
                continue;
            }

            var changed = false;
            if (!CronStore.SameJob(storedJob, job))
            {
                await scheduler.AddJob(job, AddJobOptions.Replacing, cancellationToken);
                changed = true;
            }
            if (!CronStore.SameSchedule(storedTrigger, schedule))
            {
                await scheduler.ScheduleJob(CronStore.BuildTrigger(schedule.Name, schedule.QuartzCron, schedule.TimeZone),
                    new ScheduleJobOptions { Replace = true }, cancellationToken);
                changed = true;
            }

            (changed ? result.Updated : result.Unchanged).Add(schedule.Name);
            if (changed)
                logger.LogInformation("Cron {Cron} updated: {Expression} ({Quartz}) in {TimeZone} submits {TaskType}",
                    schedule.Name, schedule.Cron, schedule.QuartzCron, schedule.TimeZone.Id, schedule.TaskType);
        }
        return result;
    }
}

public sealed class CronSyncResult
{
    public List<string> Added { get; } = [];
    public List<string> Updated { get; } = [];
    public List<string> Unchanged { get; } = [];
    public List<string> Removed { get; } = [];
}
