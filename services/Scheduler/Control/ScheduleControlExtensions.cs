using MassTransit;

namespace Bus.Scheduler.Control;

public static class ScheduleControlExtensions
{
    /// <summary>Consumers that answer the Gateway's schedule queries and commands. (Filled in by the crons work.)</summary>
    public static void AddScheduleControlConsumers(this IBusRegistrationConfigurator bus)
    {
    }
}
