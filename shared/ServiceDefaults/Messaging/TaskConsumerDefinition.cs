using Bus.Contracts.Tasks;
using Bus.ServiceDefaults.Options;
using MassTransit;
using Microsoft.Extensions.Options;

namespace Bus.ServiceDefaults.Messaging;

/// <summary>
/// The definition of a task consumer on a queue that may carry several task types (one endpoint, named after the
/// queue): the endpoint gets the task pipeline from the queue's options, each consumer its lifecycle reports.
/// A service derives one per queue, naming it.
/// </summary>
public abstract class TaskConsumerDefinition<TConsumer, TCommand> : ConsumerDefinition<TConsumer>
    where TConsumer : class, IConsumer<TCommand>
    where TCommand : class, ITaskCommand
{
    private readonly IOptionsMonitor<QueueOptions> _queues;
    private readonly string _queue;

    protected TaskConsumerDefinition(IOptionsMonitor<QueueOptions> queues, string queue)
    {
        _queues = queues;
        _queue = queue;
        Endpoint(e => e.Name = queue);
    }

    protected override void ConfigureConsumer(IReceiveEndpointConfigurator endpoint, IConsumerConfigurator<TConsumer> consumer, IRegistrationContext context) =>
        endpoint.ConfigureTaskConsumer<TConsumer, TCommand>(consumer, _queues.Get(_queue), context);
}
