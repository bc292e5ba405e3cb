using Microsoft.Extensions.Options;
using Quartz;

namespace Bus.Scheduler.MessageScheduling;

/// <summary>
/// Registered after the bus, so it stops before it: Quartz stops firing and the firings this replica already started
/// finish sending; then the bus stops (ScheduleMessages being stored are stored — standby still stores), then Quartz
/// shuts down. Without it a firing caught by the bus stopping fails its send and waits for its retry.
/// </summary>
public sealed class StandbyBeforeBusStops(
    ISchedulerFactory schedulers, IOptions<SchedulerOptions> options, ILogger<StandbyBeforeBusStops> logger)
    : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        var scheduler = await schedulers.GetScheduler(cancellationToken);
        await scheduler.Standby(cancellationToken);

        // Each send gives up after SendTimeout, so this wait is bounded too.
        var running = new FireInstanceQuery
        {
            SchedulerInstanceId = await scheduler.GetSchedulerInstanceId(cancellationToken),
            State = FireInstanceState.Executing,
        };
        var deadline = DateTime.UtcNow + options.Value.SendTimeout + TimeSpan.FromSeconds(2);
        var left = 0;
        while (DateTime.UtcNow < deadline && !cancellationToken.IsCancellationRequested)
        {
            left = (await scheduler.QueryFireInstances(running, cancellationToken)).Items.Count;
            if (left == 0)
                break;
            await Task.Delay(25, cancellationToken);
        }
        logger.LogInformation("Quartz in standby for shutdown; {Running} firing(s) of this replica still running as the bus stops", left);
    }
}
