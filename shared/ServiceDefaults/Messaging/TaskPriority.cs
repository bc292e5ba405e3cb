using MassTransit;

namespace Bus.ServiceDefaults.Messaging;

/// <summary>
/// A task's priority on the bus is RabbitMQ's message priority (a basic property, 0–<see cref="Max"/>), which the task
/// queues honour (<see cref="TaskQueueTopology"/>): a queued higher-priority command is delivered before lower ones.
/// </summary>
/// <remarks>
/// It survives being sent again without a header of ours: MassTransit gives whatever a consumer sends the priority of the
/// message it consumes (so the ScheduleMessage of a scheduled redelivery carries it), a priority set on a scheduled send
/// lands on its ScheduleMessage, and the Scheduler fires the stored message with its ScheduleMessage's priority.
/// </remarks>
public static class TaskPriority
{
    public const int Default = 0;

    public const int Max = TaskQueueTopology.MaxPriority;

    /// <summary>
    /// How a task command is sent — directly, or through the Scheduler (then it applies to the ScheduleMessage): with its
    /// priority, and mandatory, so a send that reaches no queue is returned by RabbitMQ as an error instead of vanishing.
    /// </summary>
    public static void Apply(SendContext context, int priority)
    {
        if (!context.TryGetPayload(out RabbitMqSendContext? rabbit))
            return;
        rabbit.BasicProperties.Priority = (byte)Math.Clamp(priority, Default, Max);
        rabbit.Mandatory = true;
    }
}
