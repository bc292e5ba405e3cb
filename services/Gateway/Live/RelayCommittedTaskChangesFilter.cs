using Bus.Contracts.Tasks;
using Bus.ServiceDefaults.Messaging;
using MassTransit;

namespace Bus.Gateway.Live;

/// <summary>The changes one saga message made, noted by <see cref="TaskChangeObserver"/> as the state machine runs.</summary>
public sealed class TaskChangesToRelay
{
    private readonly List<TaskStatusChanged> _changes = [];

    public IReadOnlyList<TaskStatusChanged> Changes => _changes;

    public void Add(TaskStatusChanged change) => _changes.Add(change);
}

/// <summary>
/// On the saga's endpoint, outside its outbox: once the message was consumed (the row committed, responses and commands
/// sent), relays the task's changes to live clients straight to Redis. A failed attempt relays nothing (each attempt
/// notes its own changes). With Redis unreachable, the change goes to queue <c>task-events</c> instead, whose relay
/// retries until Redis is back: the saga never waits for Redis.
/// </summary>
public sealed class RelayCommittedTaskChangesFilter(LiveChangeRelay relay, ILogger<RelayCommittedTaskChangesFilter> logger)
    : IFilter<ConsumeContext>
{
    private static readonly Uri TaskEventsQueue = new($"queue:{QueueNames.TaskEvents}");

    public async Task Send(ConsumeContext context, IPipe<ConsumeContext> next)
    {
        var changes = new TaskChangesToRelay();
        context.AddOrUpdatePayload(() => changes, _ => changes);

        await next.Send(context);

        foreach (var change in changes.Changes)
            await RelayOrQueueAsync(context, change);
    }

    /// <summary>
    /// Never throws: the row is committed and the message's work is done. Failing the message would only run the saga
    /// again, and a repeated message changes nothing, so it would not bring the change back either.
    /// </summary>
    private async Task RelayOrQueueAsync(ConsumeContext context, TaskStatusChanged change)
    {
        try
        {
            await relay.RelayAsync(change);
            return;
        }
        catch (Exception exception)
        {
            logger.LogWarning("Live events: relaying the change of task {TaskId} ({Status}) failed, it goes to {Queue}: {Reason}",
                change.TaskId, change.Status, QueueNames.TaskEvents, exception.Message);
        }
        try
        {
            var endpoint = await context.GetSendEndpoint(TaskEventsQueue);
            await endpoint.Send(change, CancellationToken.None);
        }
        catch (Exception exception)
        {
            logger.LogError(exception, "Live events: the change of task {TaskId} ({Status}) could neither be relayed nor queued; " +
                "live clients miss it, GET /tasks/{{id}} shows it", change.TaskId, change.Status);
        }
    }

    public void Probe(ProbeContext context) => context.CreateFilterScope("relayCommittedTaskChanges");
}
