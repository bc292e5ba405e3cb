using Bus.Contracts.Tasks;
using MassTransit;

namespace Bus.Gateway.Tasks;

/// <summary>Turns the bus's Fault&lt;T&gt; of any task command into the one TaskFailed event the saga understands.</summary>
public sealed class TaskFaultConsumer<TCommand> : IConsumer<Fault<TCommand>>
    where TCommand : class, ITaskCommand
{
    public Task Consume(ConsumeContext<Fault<TCommand>> context)
    {
        var exception = context.Message.Exceptions.FirstOrDefault();
        return context.Publish(
            new TaskFailed(
                context.Message.Message.TaskId,
                exception?.ExceptionType ?? "Unknown",
                exception?.Message ?? "The task faulted without an exception."),
            context.CancellationToken);
    }
}
