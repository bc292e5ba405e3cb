using Bus.Contracts.Tasks;
using Bus.Gateway.Api;
using Bus.Gateway.Tasks;

namespace Bus.Gateway.Live;

/// <summary>One task's state as live clients receive it (SSE <c>data:</c> and the hub's <c>taskChanged</c>), camelCase JSON.</summary>
public sealed record LiveTaskEvent(
    Guid TaskId,
    string Type,
    string Queue,
    string Status,
    int Progress,
    string? ProgressMessage,
    int Attempts,
    TaskError? Error,
    DateTime? RunAt,
    DateTime CreatedAt,
    DateTime? StartedAt,
    DateTime? FinishedAt,
    DateTime UpdatedAt)
{
    /// <summary>Nothing more is expected: a task stream ends after sending one of these.</summary>
    public bool IsTerminal() => Status is "Completed" or "Failed" or "Cancelled";

    /// <summary>Microseconds since the Unix epoch: PostgreSQL's precision, and exact as a Lua number (below 2^53).</summary>
    public long Version() => (UpdatedAt.ToUniversalTime() - DateTime.UnixEpoch).Ticks / 10;

    public static LiveTaskEvent From(TaskStatusChanged change) => new(
        change.TaskId, change.Type, change.Queue, change.Status, change.Progress, change.ProgressMessage, change.Attempts,
        change.Error is null ? null : new TaskError(change.ErrorType ?? "Unknown", change.Error),
        change.RunAt, change.CreatedAt, change.StartedAt, change.FinishedAt, change.UpdatedAt);

    public static LiveTaskEvent From(TaskState task) => new(
        task.CorrelationId, task.Type, task.Queue, task.CurrentState, task.Progress, task.ProgressMessage, task.Attempts,
        task.Error is null ? null : new TaskError(task.ErrorType ?? "Unknown", task.Error),
        task.RunAt, task.CreatedAt, task.StartedAt, task.FinishedAt, task.UpdatedAt);
}
