using Bus.Contracts.Tasks;
using Bus.ServiceDefaults.Messaging;
using Bus.ServiceDefaults.Options;
using MassTransit;
using Microsoft.Extensions.Options;

namespace Bus.IntegrationService.Syncs;

/// <summary>Every task type of queue <c>integration</c> shares its one endpoint; each consumer gets the task pipeline.</summary>
public sealed class IntegrationQueueConsumerDefinition<TConsumer, TCommand> : ConsumerDefinition<TConsumer>
    where TConsumer : class, IConsumer<TCommand>
    where TCommand : class, ITaskCommand
{
    private readonly IOptionsMonitor<QueueOptions> _queues;

    public IntegrationQueueConsumerDefinition(IOptionsMonitor<QueueOptions> queues)
    {
        _queues = queues;
        Endpoint(e => e.Name = QueueNames.Integration);
    }

    protected override void ConfigureConsumer(IReceiveEndpointConfigurator endpoint, IConsumerConfigurator<TConsumer> consumer, IRegistrationContext context) =>
        endpoint.ConfigureTaskConsumer<TConsumer, TCommand>(consumer, _queues.Get(QueueNames.Integration), context);
}
