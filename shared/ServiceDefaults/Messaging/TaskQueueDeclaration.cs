using Bus.ServiceDefaults.Options;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using RabbitMQ.Client;
using RabbitMQ.Client.Exceptions;

namespace Bus.ServiceDefaults.Messaging;

/// <summary>
/// Declares the host's task queues (<see cref="TaskRoutes.All"/>, and <c>noop</c> where enabled) as <see cref="TaskQueueTopology"/> says, before the host's bus
/// starts, so a task command sent to <c>exchange:&lt;queue&gt;</c> before any worker ever ran waits in its queue instead
/// of being dropped by an exchange bound to nothing. Runs in <see cref="StartingAsync"/>, ahead of every hosted
/// service's start (MassTransit's included), and waits for RabbitMQ as the bus would.
/// </summary>
/// <remarks>
/// RabbitMQ.Client, not MassTransit: MassTransit 8.5 declares a send destination only from its address, and a
/// RabbitMQ address cannot carry the queue's arguments (<c>x-max-priority</c>, <c>x-queue-type</c>).
/// </remarks>
public sealed class TaskQueueDeclaration(
    IReadOnlyList<string> taskQueues,
    IOptions<RabbitMqOptions> options,
    IOptionsMonitor<QueueOptions> queueOptions,
    ILogger<TaskQueueDeclaration> logger) : IHostedLifecycleService
{
    private const ushort PreconditionFailed = 406;
    private static readonly TimeSpan MaxBackOff = TimeSpan.FromSeconds(10);

    public async Task StartingAsync(CancellationToken cancellationToken)
    {
        var backOff = TimeSpan.FromMilliseconds(500);
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await DeclareAllAsync(cancellationToken);
                return;
            }
            catch (Exception exception) when (exception is not TaskQueueConflictException && !cancellationToken.IsCancellationRequested)
            {
                logger.LogWarning(exception, "Declaring the task queues failed (attempt {Attempt}); trying again in {BackOff}", attempt, backOff);
                await Task.Delay(backOff, cancellationToken);
                backOff = TimeSpan.FromTicks(Math.Min(backOff.Ticks * 2, MaxBackOff.Ticks));
            }
        }
    }

    private async Task DeclareAllAsync(CancellationToken cancellationToken)
    {
        var factory = options.Value.CreateConnectionFactory("task-queue-declaration");
        await using var connection = await factory.CreateConnectionAsync(cancellationToken);
        await using var channel = await connection.CreateChannelAsync(cancellationToken: cancellationToken);
        foreach (var queue in taskQueues)
        {
            var type = queueOptions.Get(queue).Type;
            try
            {
                await TaskQueueTopology.DeclareAsync(channel, queue, type, cancellationToken);
            }
            catch (OperationInterruptedException exception) when (exception.ShutdownReason?.ReplyCode == PreconditionFailed)
            {
                throw new TaskQueueConflictException(queue, type, exception);
            }
            logger.LogInformation("Task queue {Queue} declared ({Type})", queue, type);
        }
    }

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}

/// <summary>
/// A task queue exists with other arguments than its configured type's (declared before task queues had priorities, or
/// before Queues:&lt;name&gt;:Type changed): start-up stops here.
/// </summary>
public sealed class TaskQueueConflictException(string queue, TaskQueueType type, Exception inner) : Exception(
    $"RabbitMQ queue '{queue}' exists with other arguments than a {type} task queue's " +
    $"({string.Join(", ", TaskQueueTopology.QueueArguments(type).Select(a => $"{a.Key} {a.Value}"))}; Queues:{queue}:Type). " +
    "Stop its workers, move its messages elsewhere and delete it (README, Operations); it is declared again at start. " + inner.Message, inner);

public static class TaskQueueDeclarationExtensions
{
    /// <summary>
    /// For a host that sends task commands: the queue of every route exists, as its workers declare it, before the bus
    /// starts. Each queue's type comes from <c>Queues:&lt;name&gt;:Type</c>, the setting its workers read.
    /// </summary>
    public static IHostApplicationBuilder DeclareTaskQueues(this IHostApplicationBuilder builder, IEnumerable<TaskRoute> routes)
    {
        IReadOnlyList<string> queues = [.. routes.Select(r => r.Queue).Distinct()];
        foreach (var queue in queues)
        {
            // Only the type: binding the whole section again where the host also consumes the queue would append its
            // retry lists a second time.
            var type = builder.Configuration.GetSection($"{QueueOptions.Section}:{queue}:{nameof(QueueOptions.Type)}");
            builder.Services.AddOptions<QueueOptions>(queue)
                .Configure(options => options.Type = type.Get<TaskQueueType?>() ?? options.Type)
                .ValidateDataAnnotations()
                .ValidateOnStart();
        }
        builder.Services.AddHostedService(services => ActivatorUtilities.CreateInstance<TaskQueueDeclaration>(services, queues));
        return builder;
    }
}
