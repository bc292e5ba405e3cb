using Bus.Contracts.Noop;
using Bus.ServiceDefaults.Messaging;
using MassTransit;

namespace Bus.ServiceDefaults.Noop;

public sealed record NoopResult(int SleptMs, string Payload);

/// <summary>Does nothing for <c>SleepMs</c>, then fails on purpose (<c>FailRate</c>) or completes with <c>PayloadBytes</c> of result.</summary>
public sealed class NoopTaskConsumer : IConsumer<RunNoop>
{
    public async Task Consume(ConsumeContext<RunNoop> context)
    {
        var task = context.Message;
        // The Gateway checked these already; a command sent straight to the queue may carry anything.
        if (task.SleepMs is < 0 or > NoopTasks.MaxSleepMs || task.FailRate is < 0 or > 1 || double.IsNaN(task.FailRate)
            || task.PayloadBytes is < 0 or > NoopTasks.MaxPayloadBytes)
            throw new PermanentTaskException($"noop task {task.TaskId}: sleepMs must be 0–{NoopTasks.MaxSleepMs}, failRate 0–1, payloadBytes 0–{NoopTasks.MaxPayloadBytes}");

        if (task.SleepMs > 0)
            await Task.Delay(task.SleepMs, context.CancellationToken);
        if (task.FailRate > 0 && Random.Shared.NextDouble() < task.FailRate)
            throw new PermanentTaskException($"noop task {task.TaskId} failed on purpose (failRate {task.FailRate})");
        await context.ReportCompleted(task.TaskId, new NoopResult(task.SleepMs, new string('x', task.PayloadBytes)));
    }
}
