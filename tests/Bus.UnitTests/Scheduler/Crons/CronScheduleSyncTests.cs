extern alias scheduler;

using Bus.Contracts.Scheduling;
using Microsoft.Extensions.Logging.Abstractions;
using Quartz;
using scheduler::Bus.Scheduler.Crons;

namespace Bus.UnitTests.Scheduler.Crons;

/// <summary>The start-up sync and the control operations against Quartz's in-memory store (never started: nothing fires).</summary>
public sealed class CronScheduleSyncTests : IAsyncLifetime
{
    private static readonly TimeZoneInfo Cordoba = TimeZoneInfo.FindSystemTimeZoneById("America/Argentina/Cordoba");
    private StandaloneSchedulerFactory _factory = null!;
    private IScheduler _scheduler = null!;

    public async Task InitializeAsync()
    {
        _factory = QuartzSchedulerBuilder.Create(quartz => quartz.UseInMemoryStore())
            .UseProperties(new Dictionary<string, string?> { ["quartz.scheduler.instanceName"] = $"cron-sync-{Guid.NewGuid():N}" })
            .Build();
        _scheduler = await _factory.GetScheduler();
    }

    public async Task DisposeAsync() => await _factory.DisposeAsync();

    [Fact]
    public async Task Enabled_crons_are_stored_as_durable_jobs_with_cron_triggers_and_disabled_ones_are_not()
    {
        var result = await Sync(Cron("report", "0 9 * * *", Cordoba), Cron("off", "* * * * *", enabled: false));

        Assert.Equal(["report"], result.Added);
        var job = await _scheduler.GetJobDetail(CronStore.JobKeyFor("report"));
        Assert.NotNull(job);
        Assert.True(job.Durable);
        Assert.True(job.RequestsRecovery);
        var trigger = Assert.IsAssignableFrom<ICronTrigger>(await _scheduler.GetTrigger(CronStore.TriggerKeyFor("report")));
        Assert.Equal("0 0 9 * * ?", trigger.CronExpressionString);
        Assert.Equal("America/Argentina/Cordoba", trigger.TimeZone.Id);
        Assert.Equal(CronTriggerMisfireInstruction.FireAndProceed, trigger.MisfireInstruction);
        Assert.Equal(12, trigger.NextFireTimeUtc!.Value.UtcDateTime.Hour);
        Assert.Null(await _scheduler.GetJobDetail(CronStore.JobKeyFor("off")));
    }

    [Fact]
    public async Task An_unchanged_cron_is_left_alone_on_the_next_start()
    {
        await Sync(Cron("tick", "* * * * * ?"));
        var before = await _scheduler.GetTrigger(CronStore.TriggerKeyFor("tick"));
        await Task.Delay(1100);

        var result = await Sync(Cron("tick", "* * * * * ?"));

        Assert.Equal(["tick"], result.Unchanged);
        var after = await _scheduler.GetTrigger(CronStore.TriggerKeyFor("tick"));
        // Not re-stored: a re-stored trigger would start now and its next fire time would have moved on.
        Assert.Equal(before!.StartTimeUtc, after!.StartTimeUtc);
        Assert.Equal(before.NextFireTimeUtc, after.NextFireTimeUtc);
    }

    [Fact]
    public async Task A_paused_cron_stays_paused_when_its_schedule_and_task_change()
    {
        await Sync(Cron("report", "0 9 * * *", Cordoba));
        await CronStore.PauseAsync(_scheduler, "report", default);

        var result = await Sync(Cron("report", "0 10 * * 1-5", Cordoba, taskType: "weekly-report"));

        Assert.Equal(["report"], result.Updated);
        var info = await CronStore.GetAsync(_scheduler, "report", default);
        Assert.Equal(new ScheduleInfo("report", "0 10 * * 1-5", "America/Argentina/Cordoba", "weekly-report", true, true,
            info!.NextFireTimeUtc, null), info);
        Assert.Equal(TriggerState.Paused, await _scheduler.GetTriggerState(CronStore.TriggerKeyFor("report")));
        var trigger = (ICronTrigger)(await _scheduler.GetTrigger(CronStore.TriggerKeyFor("report")))!;
        Assert.Equal("0 0 10 ? * MON-FRI", trigger.CronExpressionString);
    }

    [Fact]
    public async Task A_paused_cron_stays_paused_when_nothing_changed()
    {
        await Sync(Cron("report", "0 9 * * *", Cordoba));
        await CronStore.PauseAsync(_scheduler, "report", default);

        await Sync(Cron("report", "0 9 * * *", Cordoba));

        Assert.True((await CronStore.GetAsync(_scheduler, "report", default))!.Paused);
    }

    [Fact]
    public async Task A_cron_disabled_or_removed_from_configuration_is_removed_with_its_pause()
    {
        await Sync(Cron("a", "* * * * *"), Cron("b", "* * * * *"));
        await CronStore.PauseAsync(_scheduler, "a", default);

        var result = await Sync(Cron("a", "* * * * *", enabled: false));

        Assert.Equal(["a", "b"], result.Removed.Order());
        Assert.Empty(await CronStore.NamesAsync(_scheduler, default));
        await Sync(Cron("a", "* * * * *"));
        Assert.False((await CronStore.GetAsync(_scheduler, "a", default))!.Paused);
    }

    [Fact]
    public async Task Resuming_skips_the_occurrences_missed_while_paused()
    {
        await Sync(Cron("tick", "* * * * * ?"));
        await CronStore.PauseAsync(_scheduler, "tick", default);
        await Task.Delay(2100);
        var stale = (await _scheduler.GetTrigger(CronStore.TriggerKeyFor("tick")))!.NextFireTimeUtc;
        Assert.True(stale < DateTimeOffset.UtcNow.AddSeconds(-1), "the paused trigger's next fire time should be in the past");

        await CronStore.ResumeAsync(_scheduler, "tick", default);

        var info = (await CronStore.GetAsync(_scheduler, "tick", default))!;
        Assert.False(info.Paused);
        Assert.True(info.NextFireTimeUtc > DateTimeOffset.UtcNow.AddMilliseconds(-100), $"next fire {info.NextFireTimeUtc:O} should be from now, not {stale:O}");
        Assert.Equal(TriggerState.Normal, await _scheduler.GetTriggerState(CronStore.TriggerKeyFor("tick")));
    }

    [Fact]
    public async Task Run_now_stores_a_one_off_firing_marked_as_run_now()
    {
        await Sync(Cron("report", "0 9 * * *", Cordoba));
        await CronStore.PauseAsync(_scheduler, "report", default);

        await CronStore.RunNowAsync(_scheduler, "report", default);

        var triggers = await _scheduler.GetTriggersOfJob(CronStore.JobKeyFor("report"));
        var oneOff = Assert.Single(triggers, t => t.Key != CronStore.TriggerKeyFor("report"));
        Assert.Equal("true", oneOff.JobDataMap["cron.runNow"]);
        Assert.Equal(TriggerState.Normal, await _scheduler.GetTriggerState(oneOff.Key));
    }

    private Task<CronSyncResult> Sync(params CronSchedule[] schedules) =>
        CronScheduleSync.SyncAsync(_scheduler, schedules, NullLogger.Instance, default);

    internal static CronSchedule Cron(string name, string cron, TimeZoneInfo? timeZone = null, string taskType = "cleanup", bool enabled = true)
    {
        var errors = new List<string>();
        var schedule = CronSchedule.Resolve(new CronSetting
        {
            Path = $"Crons:{name}",
            Name = name,
            Cron = cron,
            TimeZone = (timeZone ?? TimeZoneInfo.Utc).Id,
            TaskType = taskType,
            Data = """{"days":30}""",
            Enabled = enabled.ToString(),
        }, DateTimeOffset.UtcNow, errors);
        Assert.True(schedule is not null, string.Join("; ", errors));
        return schedule;
    }
}
