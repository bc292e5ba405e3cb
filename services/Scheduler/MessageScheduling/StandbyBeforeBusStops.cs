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
    /// <summary>
    /// Standby does not stop a trigger Quartz already acquired and will fire within about 70 ms, and an acquisition
    /// in flight as standby begins commits its reservation a moment later; none may appear for this long.
    /// </summary>
    private static readonly TimeSpan QuietBeforeBusStops = TimeSpan.FromMilliseconds(250);

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        var scheduler = await schedulers.GetScheduler(cancellationToken);
        await scheduler.Standby(cancellationToken);

        // Reserved as well as running: a reserved firing still fires after standby, and needs the bus to send.
        var reservedOrRunning = new FireInstanceQuery
        {
            SchedulerInstanceId = await scheduler.GetSchedulerInstanceId(cancellationToken),
            State = null,
        };
        // Each send gives up after SendTimeout, so this wait is bounded too.
        var deadline = DateTime.UtcNow + options.Value.SendTimeout + TimeSpan.FromSeconds(2);
        var quietSince = DateTime.UtcNow;
        var left = 0;
        while (DateTime.UtcNow < deadline && !cancellationToken.IsCancellationRequested)
        {
            left = (await scheduler.QueryFireInstances(reservedOrRunning, cancellationToken)).Items.Count;
            if (left > 0)
                quietSince = DateTime.UtcNow;
            else if (DateTime.UtcNow - quietSince >= QuietBeforeBusStops)
                break;
            await Task.Delay(25, cancellationToken);
        }
        logger.LogInformation("Quartz in standby for shutdown; {Running} firing(s) of this replica still running as the bus stops", left);
    }
}
