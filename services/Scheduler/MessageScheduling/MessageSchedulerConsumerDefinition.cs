using Bus.ServiceDefaults.Messaging;
using MassTransit;
using Microsoft.Extensions.Options;

namespace Bus.Scheduler.MessageScheduling;

/// <summary>
/// Queue <c>scheduler</c>: one message at a time, on one replica at a time (RabbitMQ single active consumer; the others
/// stand by), so schedules and cancels are applied in the order they were queued.
/// </summary>
public sealed class MessageSchedulerConsumerDefinition : ConsumerDefinition<MessageSchedulerConsumer>
{
    private readonly SchedulerOptions _options;

    public MessageSchedulerConsumerDefinition(IOptions<SchedulerOptions> options)
    {
        _options = options.Value;
        Endpoint(endpoint =>
        {
            endpoint.Name = QueueNames.Scheduler;
            endpoint.PrefetchCount = 1;
            endpoint.ConcurrentMessageLimit = 1;
        });
    }

    protected override void ConfigureConsumer(
        IReceiveEndpointConfigurator endpointConfigurator,
        IConsumerConfigurator<MessageSchedulerConsumer> consumerConfigurator,
        IRegistrationContext context)
    {
        // Declared with the same argument MessageScheduling.Address gives senders, or one of the two gets a 406.
        if (endpointConfigurator is IRabbitMqReceiveEndpointConfigurator rabbit)
            rabbit.SingleActiveConsumer = true;

        endpointConfigurator.UseMessageRetry(retry =>
        {
            retry.Intervals(_options.RetryIntervals);
            retry.Ignore<InvalidScheduleException>();
        });
    }
}
