using Bus.Contracts.Email;
using Bus.ServiceDefaults.Messaging;
using Bus.ServiceDefaults.Options;
using MassTransit;
using Microsoft.Extensions.Options;

namespace Bus.EmailService;

public sealed class SendEmailConsumerDefinition : ConsumerDefinition<SendEmailConsumer>
{
    private readonly IOptionsMonitor<QueueOptions> _queues;

    public SendEmailConsumerDefinition(IOptionsMonitor<QueueOptions> queues)
    {
        _queues = queues;
        Endpoint(e => e.Name = QueueNames.Email);
    }

    protected override void ConfigureConsumer(
        IReceiveEndpointConfigurator endpointConfigurator,
        IConsumerConfigurator<SendEmailConsumer> consumerConfigurator,
        IRegistrationContext context) =>
        endpointConfigurator.ConfigureTaskConsumer<SendEmailConsumer, SendEmail>(consumerConfigurator, _queues.Get(QueueNames.Email), context);
}
