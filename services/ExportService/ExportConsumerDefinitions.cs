using Bus.Contracts.Tasks;
using Bus.ServiceDefaults.Messaging;
using Bus.ServiceDefaults.Options;
using MassTransit;
using Microsoft.Extensions.Options;

namespace Bus.ExportService;

/// <summary>The three task types share queue <c>export</c> (one endpoint); each consumer gets the task pipeline.</summary>
public sealed class ExportConsumerDefinition<TConsumer, TCommand> : ConsumerDefinition<TConsumer>
    where TConsumer : class, IConsumer<TCommand>
    where TCommand : class, ITaskCommand
{
    private readonly IOptionsMonitor<QueueOptions> _queues;

    public ExportConsumerDefinition(IOptionsMonitor<QueueOptions> queues)
    {
        _queues = queues;
        Endpoint(e => e.Name = QueueNames.Export);
    }

    protected override void ConfigureConsumer(IReceiveEndpointConfigurator endpoint, IConsumerConfigurator<TConsumer> consumer, IRegistrationContext context) =>
        endpoint.ConfigureTaskConsumer<TConsumer, TCommand>(consumer, _queues.Get(QueueNames.Export), context);
}
