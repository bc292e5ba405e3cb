using Bus.Contracts.Tasks;
using Bus.ServiceDefaults.Options;
using MassTransit;
using Microsoft.Extensions.Options;

namespace Bus.ServiceDefaults.Messaging;

/// <summary>
/// A consumer of one task command on a queue that may carry several task types (one endpoint, named after the queue):
/// each consumer gets the task pipeline, configured from the queue's options (<c>ConfigureTaskConsumer</c>).
/// </summary>
public abstract class TaskQueueConsumerDefinition<TConsumer, TCommand> : ConsumerDefinition<TConsumer>
    where TConsumer : class, IConsumer<TCommand>
    where TCommand : class, ITaskCommand
{
    private readonly IOptionsMonitor<QueueOptions> _queues;
    private readonly string _queue;

    protected TaskQueueConsumerDefinition(IOptionsMonitor<QueueOptions> queues, string queue)
    {
        _queues = queues;
        _queue = queue;
        Endpoint(e => e.Name = queue);
    }

    protected override void ConfigureConsumer(IReceiveEndpointConfigurator endpoint, IConsumerConfigurator<TConsumer> consumer, IRegistrationContext context) =>
        endpoint.ConfigureTaskConsumer<TConsumer, TCommand>(consumer, _queues.Get(_queue), context);
}
