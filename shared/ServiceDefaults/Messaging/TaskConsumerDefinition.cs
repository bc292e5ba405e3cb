using Bus.Contracts.Tasks;
using Bus.ServiceDefaults.Options;
using MassTransit;
using Microsoft.Extensions.Options;

namespace Bus.ServiceDefaults.Messaging;

/// <summary>
/// The definition of every task consumer: its endpoint is its command's queue (<see cref="TaskRoutes.ForCommand"/>),
/// configured from that queue's options the one way task queues are (<see cref="TaskEndpointConfiguration.ConfigureTaskConsumer{TConsumer,TCommand}"/>).
/// Several consumers of one queue share its endpoint.
/// </summary>
public sealed class TaskConsumerDefinition<TConsumer, TCommand> : ConsumerDefinition<TConsumer>
    where TConsumer : class, IConsumer<TCommand>
    where TCommand : class, ITaskCommand
{
    private static readonly string Queue = TaskRoutes.ForCommand(typeof(TCommand)).Queue;

    private readonly IOptionsMonitor<QueueOptions> _queues;

    public TaskConsumerDefinition(IOptionsMonitor<QueueOptions> queues)
    {
        _queues = queues;
        Endpoint(e => e.Name = Queue);
    }

    protected override void ConfigureConsumer(IReceiveEndpointConfigurator endpoint, IConsumerConfigurator<TConsumer> consumer, IRegistrationContext context) =>
        endpoint.ConfigureTaskConsumer<TConsumer, TCommand>(consumer, _queues.Get(Queue), context);
}
