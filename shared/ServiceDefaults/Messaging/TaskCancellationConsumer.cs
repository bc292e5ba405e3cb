using Bus.Contracts.Tasks;
using MassTransit;
using Microsoft.Extensions.Logging;

namespace Bus.ServiceDefaults.Messaging;

/// <summary>
/// Every process's share of a cancellation broadcast: fires the token of the named task's attempt if it runs here.
/// Consumed on a temporary queue per process (see <see cref="TaskCancellation"/>), so every replica receives it.
/// </summary>
public sealed class TaskCancellationConsumer(RunningTaskAttempts attempts, ILogger<TaskCancellationConsumer> logger)
    : IConsumer<TaskCancellationRequested>
{
    public Task Consume(ConsumeContext<TaskCancellationRequested> context)
    {
        if (attempts.Cancel(context.Message.TaskId) > 0)
            logger.LogInformation("Task {TaskId} was cancelled; its running attempt is asked to stop", context.Message.TaskId);
        return Task.CompletedTask;
    }
}
