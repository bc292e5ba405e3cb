using Bus.ServiceDefaults.Messaging;
using MassTransit;

namespace Bus.Scheduler.Control;

/// <summary>Queue <c>scheduler-control</c>, shared by every replica: whichever takes a request answers it.</summary>
public sealed class ScheduleControlConsumerDefinition : ConsumerDefinition<ScheduleControlConsumer>
{
    public ScheduleControlConsumerDefinition()
    {
        Endpoint(endpoint =>
        {
            endpoint.Name = QueueNames.SchedulerControl;
            endpoint.ConcurrentMessageLimit = 4;
        });
    }

    protected override void ConfigureConsumer(
        IReceiveEndpointConfigurator endpointConfigurator,
        IConsumerConfigurator<ScheduleControlConsumer> consumerConfigurator,
        IRegistrationContext context) =>
        // Every operation is idempotent; a short retry rides out a PostgreSQL blip well inside the Gateway's timeout.
        endpointConfigurator.UseMessageRetry(retry => retry.Intervals(TimeSpan.FromMilliseconds(200), TimeSpan.FromSeconds(1)));
}
