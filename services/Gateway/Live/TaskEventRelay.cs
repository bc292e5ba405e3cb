using Bus.Contracts.Tasks;
using Bus.ServiceDefaults.Messaging;
using Bus.ServiceDefaults.Options;
using MassTransit;
using Microsoft.Extensions.Options;

namespace Bus.Gateway.Live;

/// <summary>
/// Relays the changes <see cref="RelayCommittedTaskChangesFilter"/> could not relay at once (Redis unreachable), sent to
/// queue <c>task-events</c>. The queue is not bound to the published <see cref="TaskStatusChanged"/>: those are for
/// other services, and every change already reached Redis or this queue.
/// </summary>
public sealed class TaskEventRelay(LiveChangeRelay relay) : IConsumer<TaskStatusChanged>
{
    public Task Consume(ConsumeContext<TaskStatusChanged> context) => relay.RelayAsync(context.Message);
}

public sealed class TaskEventRelayDefinition : ConsumerDefinition<TaskEventRelay>
{
    private readonly QueueOptions _options;

    public TaskEventRelayDefinition(IOptionsMonitor<QueueOptions> queues)
    {
        _options = queues.Get(QueueNames.TaskEvents);
        EndpointName = QueueNames.TaskEvents;
        Endpoint(endpoint => endpoint.ConfigureConsumeTopology = false);
    }

    protected override void ConfigureConsumer(IReceiveEndpointConfigurator endpointConfigurator, IConsumerConfigurator<TaskEventRelay> consumerConfigurator, IRegistrationContext context)
    {
        endpointConfigurator.ConcurrentMessageLimit = _options.ConcurrencyLimit;
        // Redis restarting: wait it out, then task-events_error (moving it back relays the change again).
        endpointConfigurator.UseMessageRetry(retry => retry.Intervals(_options.RetryIntervals));
    }
}
