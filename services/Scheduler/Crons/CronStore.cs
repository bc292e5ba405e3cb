using Bus.Contracts.Scheduling;
using Quartz;

namespace Bus.Scheduler.Crons;

/// <summary>
/// How a cron lives in Quartz's (clustered) store: a durable job <c>crons.&lt;name&gt;</c> holding what to submit, and one
/// cron trigger in a trigger group of its own, <c>cron.&lt;name&gt;</c>. Pausing pauses that group: Quartz records the
/// pause against the group, so a trigger stored into it later (a changed schedule, a resume) is stored paused too.
/// </summary>
public static class CronStore
{
    public const string JobGroup = "crons";
    public const string TriggerGroupPrefix = "cron.";

    /// <summary>Missed while every Scheduler was down (later than the store's misfire threshold): fire once now, then keep to the schedule.</summary>
    public const CronTriggerMisfireInstruction Misfire = CronTriggerMisfireInstruction.FireAndProceed;

    internal const string CronKey = "cron";
    internal const string TaskTypeKey = "taskType";
    internal const string DataKey = "data";
    internal const string PriorityKey = "priority";
    internal const string RunNowKey = "cron.runNow";

    public static JobKey JobKeyFor(string name) => new(name, JobGroup);

    public static TriggerKey TriggerKeyFor(string name) => new(name, TriggerGroupPrefix + name);

    private static GroupMatcher<TriggerKey> TriggerGroupOf(string name) => GroupMatcher<TriggerKey>.GroupEquals(TriggerGroupPrefix + name);

    public static IJobDetail BuildJob(CronSchedule schedule) =>
        JobBuilder.Create<CronJob>()
            .WithIdentity(JobKeyFor(schedule.Name))
            .WithDescription($"Submits a {schedule.TaskType} task on cron {schedule.Cron} ({schedule.TimeZone.Id})")
            .StoreDurably()
            // A replica that dies while sending: another one re-runs the firing with the same scheduled time, so the same idempotency key.
            .RequestRecovery()
            .UsingJobData(CronKey, schedule.Cron)
            .UsingJobData(TaskTypeKey, schedule.TaskType)
            .UsingJobData(DataKey, schedule.Data)
            .UsingJobData(PriorityKey, schedule.Priority.ToString(System.Globalization.CultureInfo.InvariantCulture))
            .Build();

    public static ITrigger BuildTrigger(string name, string quartzCron, TimeZoneInfo timeZone) =>
        TriggerBuilder.Create()
            .WithIdentity(TriggerKeyFor(name))
            .ForJob(JobKeyFor(name))
            .WithSchedule(CronScheduleBuilder.Create(quartzCron).InTimeZone(timeZone).WithMisfireInstruction(Misfire))
            .StartNow()
            .Build();

    internal static bool SameJob(IJobDetail stored, IJobDetail wanted) =>
        stored.JobType.FullName == wanted.JobType.FullName
        && stored.RequestsRecovery == wanted.RequestsRecovery
        && new[] { CronKey, TaskTypeKey, DataKey, PriorityKey }.All(key => Equals(Text(stored.JobDataMap, key), Text(wanted.JobDataMap, key)));

    internal static bool SameSchedule(ITrigger? stored, CronSchedule schedule) =>
        stored is ICronTrigger cron
        && cron.CronExpressionString == schedule.QuartzCron
        && cron.TimeZone.Id == schedule.TimeZone.Id
        && cron.MisfireInstruction == Misfire;

    internal static string? Text(JobDataMap map, string key) => map.TryGetValue(key, out var value) ? value?.ToString() : null;

    /// <summary>The cron as the store has it, or null when no cron job has this name.</summary>
    public static async Task<ScheduleInfo?> GetAsync(IScheduler scheduler, string name, CancellationToken cancellationToken)
    {
        var job = await scheduler.GetJobDetail(JobKeyFor(name), cancellationToken);
        if (job is null)
            return null;
        var trigger = await scheduler.GetTrigger(TriggerKeyFor(name), cancellationToken) as ICronTrigger;
        var paused = await scheduler.IsTriggerGroupPaused(TriggerGroupPrefix + name, cancellationToken)
            || (trigger is not null && await scheduler.GetTriggerState(trigger.Key, cancellationToken) == TriggerState.Paused);
        return new ScheduleInfo(
            name,
            Text(job.JobDataMap, CronKey) ?? trigger?.CronExpressionString ?? "",
            trigger?.TimeZone.Id ?? "",
            Text(job.JobDataMap, TaskTypeKey) ?? "",
            Enabled: true,
            paused,
            trigger?.NextFireTimeUtc,
            trigger?.PreviousFireTimeUtc);
    }

    public static async Task<IReadOnlyList<string>> NamesAsync(IScheduler scheduler, CancellationToken cancellationToken) =>
        [.. (await scheduler.GetJobKeys(GroupMatcher<JobKey>.GroupEquals(JobGroup), cancellationToken)).Select(k => k.Name)];

    public static async Task PauseAsync(IScheduler scheduler, string name, CancellationToken cancellationToken) =>
        await scheduler.PauseTriggerGroups(TriggerGroupOf(name), cancellationToken);

    /// <summary>
    /// Occurrences that fell in the pause are skipped rather than replayed: while the group is still paused the trigger is
    /// re-stored from now (so stored paused), then the group is resumed and the trigger fires at its next time.
    /// </summary>
    public static async Task ResumeAsync(IScheduler scheduler, string name, CancellationToken cancellationToken)
    {
        if (await scheduler.GetTrigger(TriggerKeyFor(name), cancellationToken) is ICronTrigger trigger
            && await scheduler.IsTriggerGroupPaused(TriggerGroupPrefix + name, cancellationToken))
        {
            var fresh = BuildTrigger(name, trigger.CronExpressionString!, trigger.TimeZone);
            await scheduler.ScheduleJob(fresh, new ScheduleJobOptions { Replace = true }, cancellationToken);
        }
        await scheduler.ResumeTriggerGroups(TriggerGroupOf(name), cancellationToken);
    }

    /// <summary>Fires the cron's job once now, paused or not; the submission's idempotency key uses the actual fire time.</summary>
    public static async Task RunNowAsync(IScheduler scheduler, string name, CancellationToken cancellationToken) =>
        await scheduler.TriggerJob(JobKeyFor(name), new JobDataMap { [RunNowKey] = "true" }, cancellationToken);

    /// <summary>Removes a cron and forgets its pause, so enabling it again later starts it unpaused.</summary>
    public static async Task RemoveAsync(IScheduler scheduler, string name, CancellationToken cancellationToken)
    {
        await scheduler.DeleteJob(JobKeyFor(name), cancellationToken);
        if (await scheduler.IsTriggerGroupPaused(TriggerGroupPrefix + name, cancellationToken))
            await scheduler.ResumeTriggerGroups(TriggerGroupOf(name), cancellationToken);
    }
}
