using Bus.ServiceDefaults.Messaging;
using Bus.ServiceDefaults.Options;
using Microsoft.Extensions.Options;
using RabbitMQ.Client;
using RabbitMQ.Client.Exceptions;

namespace Bus.Gateway.Live;

/// <summary>
/// Gateways before 2026-12 relayed every change through queue <c>task-events</c>, bound to the published
/// <c>TaskStatusChanged</c>; now the queue only takes the changes Redis could not take at once. A broker those Gateways
/// used still has the binding, which would send every change through the queue again: removed once the Gateway started.
/// </summary>
public sealed class RetiredTaskEventsBinding(IOptions<RabbitMqOptions> options, ILogger<RetiredTaskEventsBinding> logger)
    : IHostedLifecycleService
{
    /// <summary>MassTransit names a message type's exchange after its full name.</summary>
    private const string PublishedChanges = "Bus.Contracts.Tasks:TaskStatusChanged";

    private const ushort NotFound = 404;

    public async Task StartedAsync(CancellationToken cancellationToken)
    {
        try
        {
            var factory = options.Value.CreateConnectionFactory("bus-gateway-topology");
            await using var connection = await factory.CreateConnectionAsync(cancellationToken);
            await using var channel = await connection.CreateChannelAsync(cancellationToken: cancellationToken);
            await channel.ExchangeUnbindAsync(QueueNames.TaskEvents, PublishedChanges, routingKey: "", cancellationToken: cancellationToken);
        }
        catch (OperationInterruptedException exception) when (exception.ShutdownReason?.ReplyCode == NotFound)
        {
            // One of the exchanges does not exist: neither does the binding.
        }
        catch (Exception exception) when (!cancellationToken.IsCancellationRequested)
        {
            logger.LogWarning(exception, "Could not remove the old binding of exchange {Source} to {Destination}; if the management UI shows it, " +
                "remove it there (live events work either way, each change is relayed twice)", PublishedChanges, QueueNames.TaskEvents);
        }
    }

    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
