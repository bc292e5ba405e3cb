extern alias scheduler;

using Bus.Contracts.Tasks;
using MassTransit;
using MassTransit.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Quartz;
using Quartz.Extensibility;
using scheduler::Bus.Scheduler.Crons;

namespace Bus.UnitTests.Scheduler.Crons;

public sealed class CronJobTests : IAsyncLifetime
{
    private static readonly DateTimeOffset Scheduled = new(2026, 11, 25, 12, 0, 0, TimeSpan.Zero);
    private ServiceProvider _provider = null!;
    private ITestHarness _harness = null!;

    public async Task InitializeAsync()
    {
        _provider = new ServiceCollection()
            .AddMassTransitTestHarness(x => x.SetTestTimeouts(testInactivityTimeout: TimeSpan.FromSeconds(2)))
            .BuildServiceProvider(true);
        _harness = _provider.GetRequiredService<ITestHarness>();
        await _harness.Start();
    }

    public async Task DisposeAsync()
    {
        await _harness.Stop();
        await _provider.DisposeAsync();
    }

    [Fact]
    public async Task A_firing_sends_SubmitTask_to_the_task_saga_keyed_by_the_scheduled_fire_time()
    {
        var schedule = CronScheduleSyncTests.Cron("retention", "0 9 * * *", taskType: "cleanup");
        var job = CronStore.BuildJob(schedule with { Priority = 4 });
        var trigger = CronStore.BuildTrigger(schedule.Name, schedule.QuartzCron, schedule.TimeZone);

        await Fire(job, trigger, fired: Scheduled.AddMilliseconds(734), scheduled: Scheduled);

        var sent = Assert.Single(_harness.Sent.Select<SubmitTask>().ToList());
        Assert.EndsWith("/task-state", sent.Context.DestinationAddress!.AbsolutePath);
        var command = sent.Context.Message;
        Assert.Equal("cleanup", command.Type);
        Assert.Equal(4, command.Priority);
        Assert.Equal(30, command.Data.GetProperty("days").GetInt32());
        Assert.Equal("cron:retention:2026-11-25T12:00:00.0000000Z", command.IdempotencyKey);
        Assert.NotEqual(Guid.Empty, command.TaskId);
    }

    [Fact]
    public async Task A_run_now_is_keyed_by_its_actual_fire_time()
    {
        var schedule = CronScheduleSyncTests.Cron("retention", "0 9 * * *");
        var job = CronStore.BuildJob(schedule);
        var oneOff = TriggerBuilder.Create().ForJob(job).UsingJobData("cron.runNow", "true").StartNow().Build();
        var fired = new DateTimeOffset(2026, 11, 25, 15, 4, 5, 678, TimeSpan.Zero);

        await Fire(job, oneOff, fired, scheduled: fired.AddMilliseconds(-20));

        var command = Assert.Single(_harness.Sent.Select<SubmitTask>().ToList()).Context.Message;
        Assert.Equal("cron:retention:2026-11-25T15:04:05.6780000Z", command.IdempotencyKey);
    }

    [Fact]
    public async Task Two_firings_of_one_scheduled_time_carry_the_same_key_and_different_task_ids()
    {
        var schedule = CronScheduleSyncTests.Cron("retention", "0 9 * * *");
        var job = CronStore.BuildJob(schedule);
        var trigger = CronStore.BuildTrigger(schedule.Name, schedule.QuartzCron, schedule.TimeZone);

        await Fire(job, trigger, Scheduled.AddSeconds(1), Scheduled);
        await Fire(job, trigger, Scheduled.AddSeconds(20), Scheduled);

        var commands = _harness.Sent.Select<SubmitTask>().Select(s => s.Context.Message).ToList();
        Assert.Equal(2, commands.Count);
        Assert.Single(commands.Select(c => c.IdempotencyKey).Distinct());
        Assert.NotEqual(commands[0].TaskId, commands[1].TaskId);
    }

    private async Task Fire(IJobDetail job, ITrigger trigger, DateTimeOffset fired, DateTimeOffset scheduled)
    {
        var cronJob = new CronJob(_harness.Bus, NullLogger<CronJob>.Instance);
        var context = JobExecutionContextBuilder.For(cronJob).WithJob(job).WithTrigger(trigger).FiredAt(fired, scheduled).Build();
        await cronJob.Execute(context);
    }
}
