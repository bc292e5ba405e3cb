using Bus.Contracts.Tasks;
using MassTransit;

namespace Bus.ServiceDefaults.Messaging;

/// <summary>
/// Runs inside the retry filter, so every attempt reports <see cref="TaskStarted"/> and, when it throws,
/// <see cref="TaskAttemptFailed"/>. The final failure is reported from the bus's own Fault&lt;T&gt;.
/// </summary>
public sealed class TaskLifecycleFilter<T> : IFilter<ConsumeContext<T>>
    where T : class, ITaskCommand
{
    private static readonly TaskRoute Route = TaskRoutes.ForCommand(typeof(T));

    public async Task Send(ConsumeContext<T> context, IPipe<ConsumeContext<T>> next)
    {
        var taskId = context.Message.TaskId;
        await context.Publish(new TaskStarted(taskId, Route.Type, Route.Queue), context.CancellationToken);
        try
        {
            await next.Send(context);
        }
        catch (Exception exception)
        {
            await context.Publish(
                new TaskAttemptFailed(taskId, exception.GetType().FullName ?? exception.GetType().Name, exception.Message),
                CancellationToken.None);
            throw;
        }
    }

    public void Probe(ProbeContext context) => context.CreateFilterScope("taskLifecycle");
}
