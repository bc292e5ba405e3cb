using MassTransit;

namespace Bus.Scheduler.Control;

public static class ScheduleControlExtensions
{
    /// <summary>The consumer that answers the Gateway's schedule queries and commands on queue <c>scheduler-control</c>.</summary>
    public static void AddScheduleControlConsumers(this IBusRegistrationConfigurator bus) =>
        bus.AddConsumer<ScheduleControlConsumer, ScheduleControlConsumerDefinition>();
}
