using Bus.ServiceDefaults.Options;
using MassTransit;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Bus.ServiceDefaults.QueueControl;

/// <summary>
/// Keeps this replica's task endpoints in line with <see cref="QueuePauses"/>: polls the paused queues every
/// <see cref="QueueControlOptions.PollInterval"/>, stops the endpoint of a queue that was paused and starts it again when
/// resumed. Stopping cancels the broker consumer and waits for the messages in hand to finish; prefetched messages that
/// were not started are returned to the queue unacknowledged, so nothing is lost or consumed twice.
/// An endpoint is connected only after the first successful read, so a replica that cannot read the pause state
/// (PostgreSQL unreachable at start) does not consume and is not ready until it can; once running, an unreadable state
/// keeps the last one known.
/// </summary>
public sealed class TaskQueuePauseController(
    IEnumerable<PausableTaskEndpoint> endpoints,
    IReceiveEndpointConnector connector,
    IOptions<PostgresOptions> postgres,
    IOptions<QueueControlOptions> options,
    ILogger<TaskQueuePauseController> logger) : BackgroundService
{
    private static readonly TimeSpan ReadyTimeout = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan FirstReadTimeout = TimeSpan.FromSeconds(10);

    // Several task types may share one queue: one endpoint per queue carries all of their consumers.
    private readonly List<Endpoint> _endpoints = [.. endpoints.GroupBy(e => e.Queue).Select(g => new Endpoint(g.Key, [.. g.Select(e => e.ConsumerType).Distinct()]))];
    private volatile bool _stateKnown;
    private bool _readFailing;

    /// <summary>True once the pause state has been read and applied at least once.</summary>
    public bool StateKnown => _stateKnown;

    /// <summary>The queues this replica holds stopped now.</summary>
    public IReadOnlyList<string> PausedHere => [.. _endpoints.Where(e => e.ReportedPaused).Select(e => e.Queue)];

    /// <summary>
    /// The first read happens during start-up, so normally the endpoints are consuming (or known paused) by the time the
    /// host has started; a PostgreSQL that does not answer within <see cref="FirstReadTimeout"/> does not hold the start.
    /// </summary>
    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        using var firstRead = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        firstRead.CancelAfter(FirstReadTimeout);
        try
        {
            await PollAsync(firstRead.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            logger.LogWarning("The queue pause state was not read within {Timeout}; task queues are not consumed until it is", FirstReadTimeout);
        }
        await base.StartAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(options.Value.PollInterval, stoppingToken);
                await PollAsync(stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
        }
    }

    private async Task PollAsync(CancellationToken cancellationToken)
    {
        if (await ReadPausedAsync(cancellationToken) is not { } paused)
            return;
        foreach (var endpoint in _endpoints)
            await ApplyAsync(endpoint, paused.ContainsKey(endpoint.Queue), cancellationToken);
        _stateKnown = true;
    }

    private async Task<IReadOnlyDictionary<string, DateTime>?> ReadPausedAsync(CancellationToken cancellationToken)
    {
        try
        {
            var paused = await QueuePauses.GetPausedAsync(postgres.Value.ConnectionString, cancellationToken);
            if (_readFailing)
                logger.LogInformation("Queue pause state readable again");
            _readFailing = false;
            return paused;
        }
        catch (Exception exception) when (exception is NpgsqlException or TimeoutException && !cancellationToken.IsCancellationRequested)
        {
            if (!_readFailing)
            {
                logger.LogWarning(exception, _stateKnown
                    ? "Cannot read the queue pause state; keeping the last known state until PostgreSQL answers"
                    : "Cannot read the queue pause state; task queues are not consumed until PostgreSQL answers");
            }
            _readFailing = true;
            return null;
        }
    }

    private async Task ApplyAsync(Endpoint endpoint, bool paused, CancellationToken cancellationToken)
    {
        var queue = endpoint.Queue;
        try
        {
            if (!paused && endpoint.Handle is null)
            {
                endpoint.Handle = connector.ConnectReceiveEndpoint(queue,
                    (context, configurator) =>
                    {
                        foreach (var consumerType in endpoint.ConsumerTypes)
                            configurator.ConfigureConsumer(context, consumerType);
                    });
                endpoint.Running = true;
                await endpoint.Handle.Ready.WaitAsync(ReadyTimeout, cancellationToken);
                logger.LogInformation("Consuming task queue {Queue}", queue);
            }
            else if (!paused && !endpoint.Running)
            {
                var started = endpoint.Handle!.ReceiveEndpoint.Start(cancellationToken);
                endpoint.Running = true;
                await started.Ready.WaitAsync(ReadyTimeout, cancellationToken);
                logger.LogInformation("Task queue {Queue} resumed: consuming again", queue);
            }
            else if (paused && endpoint.Running)
            {
                await endpoint.Handle!.ReceiveEndpoint.Stop(cancellationToken);
                endpoint.Running = false;
                logger.LogInformation("Task queue {Queue} paused: stopped consuming", queue);
            }
            else if (paused && endpoint.Handle is null && !endpoint.ReportedPaused)
            {
                logger.LogInformation("Task queue {Queue} is paused: not consuming it until it is resumed", queue);
            }
            endpoint.ReportedPaused = paused;
        }
        catch (TimeoutException exception)
        {
            // The endpoint keeps connecting on its own (the broker may be down); the next poll sees it running.
            logger.LogWarning(exception, "Task queue {Queue} did not become ready within {Timeout}", queue, ReadyTimeout);
        }
    }

    private sealed class Endpoint(string queue, Type[] consumerTypes)
    {
        public string Queue { get; } = queue;
        public Type[] ConsumerTypes { get; } = consumerTypes;
        public HostReceiveEndpointHandle? Handle { get; set; }
        public bool Running { get; set; }
        public bool ReportedPaused { get; set; }
    }
}

/// <summary>Ready only once this replica knows which task queues are paused, so it is never taken for a consumer it is not.</summary>
public sealed class TaskQueuePauseHealthCheck(TaskQueuePauseController controller) : IHealthCheck
{
    public const string Name = "task-queue-pauses";

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (!controller.StateKnown)
            return Task.FromResult(HealthCheckResult.Unhealthy("The queue pause state has not been read yet"));
        var paused = controller.PausedHere;
        return Task.FromResult(HealthCheckResult.Healthy(paused.Count == 0 ? "consuming" : $"paused: {string.Join(", ", paused)}"));
    }
}
