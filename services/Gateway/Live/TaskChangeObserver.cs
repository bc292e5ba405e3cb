using System.Runtime.CompilerServices;
using Bus.Contracts.Tasks;
using Bus.Gateway.Tasks;
using MassTransit;

namespace Bus.Gateway.Live;

/// <summary>What a live client sees of a task; two equal snapshots mean nothing worth telling happened.</summary>
public readonly record struct TaskSnapshot(
    string Status, string Type, string Queue, int Progress, string? ProgressMessage, int Attempts,
    string? ErrorType, string? Error, DateTime? RunAt, DateTime? StartedAt, DateTime? FinishedAt)
{
    public static TaskSnapshot Of(TaskState task) => new(
        task.CurrentState, task.Type, task.Queue, task.Progress, task.ProgressMessage, task.Attempts,
        task.ErrorType, task.Error, task.RunAt, task.StartedAt, task.FinishedAt);

    /// <summary>Initial and Final are the state machine's own: a discarded duplicate submission is never a task.</summary>
    public bool IsRecordedTask => Status is { Length: > 0 } and not "Initial" and not "Final";
}

/// <summary>
/// Publishes <see cref="TaskStatusChanged"/> whenever an event changed a task's <see cref="TaskSnapshot"/>, for other
/// services, and notes it for live clients in <see cref="TaskChangesToRelay"/>. It publishes through the saga's consume
/// context, so the saga endpoint's outbox holds the event until the row is committed, and a failed or retried attempt
/// publishes nothing; <see cref="RelayCommittedTaskChangesFilter"/> relays the noted changes after the same commit.
/// </summary>
public sealed class TaskChangeObserver : IEventObserver<TaskState>
{
    /// <summary>Per loaded instance (a retry loads a new one); a depth count because a transition may raise nested events.</summary>
    private readonly ConditionalWeakTable<TaskState, Tracking> _tracking = new();

    public Task PreExecute(BehaviorContext<TaskState> context) => Begin(context.Saga);

    public Task PreExecute<T>(BehaviorContext<TaskState, T> context) where T : class => Begin(context.Saga);

    public Task PostExecute(BehaviorContext<TaskState> context) => End(context);

    public Task PostExecute<T>(BehaviorContext<TaskState, T> context) where T : class => End(context);

    public Task ExecuteFault(BehaviorContext<TaskState> context, Exception exception) => Abandon(context.Saga);

    public Task ExecuteFault<T>(BehaviorContext<TaskState, T> context, Exception exception) where T : class => Abandon(context.Saga);

    /// <summary>The event to publish, or null when <paramref name="before"/> and the task's state look the same.</summary>
    public static TaskStatusChanged? ChangeOf(TaskSnapshot before, TaskState after)
    {
        var now = TaskSnapshot.Of(after);
        if (now == before || !now.IsRecordedTask)
            return null;
        return new TaskStatusChanged(after.CorrelationId, after.Type, after.Queue, after.CurrentState, after.Progress,
            after.ProgressMessage, after.Attempts, after.ErrorType, after.Error, after.RunAt, after.CreatedAt,
            after.StartedAt, after.FinishedAt, after.UpdatedAt);
    }

    private Task Begin(TaskState task)
    {
        var tracking = _tracking.GetValue(task, t => new Tracking(TaskSnapshot.Of(t)));
        tracking.Depth++;
        return Task.CompletedTask;
    }

    private async Task End(BehaviorContext<TaskState> context)
    {
        if (!_tracking.TryGetValue(context.Saga, out var tracking) || --tracking.Depth > 0)
            return;
        _tracking.Remove(context.Saga);
        if (ChangeOf(tracking.Before, context.Saga) is not { } change)
            return;
        await context.Publish(change, context.CancellationToken);
        if (context.TryGetPayload<TaskChangesToRelay>(out var toRelay))
            toRelay.Add(change);
    }

    private Task Abandon(TaskState task)
    {
        _tracking.Remove(task);
        return Task.CompletedTask;
    }

    private sealed class Tracking(TaskSnapshot before)
    {
        public TaskSnapshot Before { get; } = before;
        public int Depth { get; set; }
    }
}
