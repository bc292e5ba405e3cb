using System.Diagnostics.Metrics;
using Bus.ServiceDefaults.Metrics;
using Bus.ServiceDefaults.Options;
using Bus.ServiceDefaults.QueueControl;
using Microsoft.Extensions.Options;

namespace Bus.Gateway.Queues;

/// <summary>
/// Every task queue as gauges (<c>bus_queue_messages_ready</c>, <c>bus_queue_messages_unacknowledged</c>,
/// <c>bus_queue_consumers</c>, <c>bus_queue_error_messages</c>, <c>bus_queue_paused</c>, each with label <c>queue</c>).
/// Observed by the Gateway, not by the workers: it declares every task queue, so it also sees a queue that nobody consumes,
/// which a worker, being its consumer, never could. A scrape reads the last observation (<see cref="QueueMetricsPoller"/>),
/// never the broker; while the management API does not answer, the gauges are absent rather than stale.
/// </summary>
public sealed class QueueMetrics
{
    public const string MeterName = BusMeters.Prefix + "Queues";
    public const string QueueTag = "queue";

    private volatile IReadOnlyList<QueueObservation> _last = [];

    public QueueMetrics(IMeterFactory meters)
    {
        var meter = meters.Create(MeterName);
        Gauge(meter, "bus.queue.messages.ready", "{message}", "Messages waiting in the task queue", q => q.Queue.Ready);
        Gauge(meter, "bus.queue.messages.unacknowledged", "{message}", "Messages of the task queue delivered to a consumer and not yet acknowledged", q => q.Queue.Unacknowledged);
        Gauge(meter, "bus.queue.consumers", "{consumer}", "Consumers of the task queue (0 while every worker is down or the queue is paused)", q => q.Queue.Consumers);
        Gauge(meter, "bus.queue.error.messages", "{message}", "Messages in the task queue's error queue (<queue>_error)", q => q.ErrorQueue.Ready);
        Gauge(meter, "bus.queue.paused", "", "1 while an operator has paused the task queue, else 0", q => q.Paused ? 1 : 0);
    }

    /// <summary>What the next scrapes report; an empty list reports nothing.</summary>
    public void Observe(IReadOnlyList<QueueObservation> queues) => _last = queues;

    private void Gauge(Meter meter, string name, string unit, string description, Func<QueueObservation, long> value) =>
        meter.CreateObservableGauge(name, () => _last.Select(q => new Measurement<long>(value(q), new KeyValuePair<string, object?>(QueueTag, q.Name))), unit, description);
}

/// <summary>One task queue, its error queue and its pause, as seen at one poll.</summary>
public sealed record QueueObservation(string Name, BrokerQueue Queue, BrokerQueue ErrorQueue, bool Paused);

/// <summary>Feeds <see cref="QueueMetrics"/> from RabbitMQ's management API and the pause table every <see cref="Interval"/>.</summary>
public sealed class QueueMetricsPoller(
    QueueMetrics metrics,
    IServiceScopeFactory scopes,
    IOptions<PostgresOptions> postgres,
    ILogger<QueueMetricsPoller> logger) : BackgroundService
{
    /// <summary>As often as KEDA reads the same queues; Prometheus scrapes at 30 s by default.</summary>
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(15);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval);
        do
        {
            try
            {
                metrics.Observe(await ObserveAsync(stoppingToken));
            }
            catch (Exception exception) when (!stoppingToken.IsCancellationRequested)
            {
                metrics.Observe([]);
                logger.LogWarning(exception, "Task queues could not be observed for /metrics; their gauges are absent until the next poll");
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    private async Task<IReadOnlyList<QueueObservation>> ObserveAsync(CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var broker = scope.ServiceProvider.GetRequiredService<RabbitMqManagementClient>();
        var paused = await QueuePauses.GetPausedAsync(postgres.Value.ConnectionString, cancellationToken);
        var observations = new List<QueueObservation>();
        foreach (var queue in QueueStatsService.TaskQueues)
        {
            observations.Add(new QueueObservation(queue,
                await broker.GetQueueAsync(queue, cancellationToken),
                await broker.GetQueueAsync($"{queue}_error", cancellationToken),
                paused.ContainsKey(queue)));
        }
        return observations;
    }
}
