using Bus.Contracts.Media;
using Bus.ServiceDefaults.Messaging;
using Bus.ServiceDefaults.Options;
using MassTransit;
using Microsoft.Extensions.Options;

namespace Bus.MediaService;

public sealed class ProcessImageConsumerDefinition : ConsumerDefinition<ProcessImageConsumer>
{
    private readonly IOptionsMonitor<QueueOptions> _queues;

    public ProcessImageConsumerDefinition(IOptionsMonitor<QueueOptions> queues)
    {
        _queues = queues;
        Endpoint(e => e.Name = QueueNames.Media);
    }

    protected override void ConfigureConsumer(
        IReceiveEndpointConfigurator endpointConfigurator,
        IConsumerConfigurator<ProcessImageConsumer> consumerConfigurator,
        IRegistrationContext context) =>
        endpointConfigurator.ConfigureTaskConsumer<ProcessImageConsumer, ProcessImage>(consumerConfigurator, _queues.Get(QueueNames.Media), context);
}
