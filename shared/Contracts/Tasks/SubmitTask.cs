using System.Text.Json;

namespace Bus.Contracts.Tasks;

/// <summary>
/// Asks the Gateway's task saga to record a task and dispatch it to its queue. Data is the task type's
/// JSON payload, validated like a <c>POST /tasks</c> body. A second SubmitTask with the same Type and
/// IdempotencyKey is answered with the first task's id and never runs twice. With RunAt (UTC) in the
/// future the task waits as Scheduled and is dispatched through the Scheduler at that time. Timeout limits each
/// attempt (null: the task type's configured default); an attempt running longer is cancelled and the task fails.
/// ParentTaskId names the task that submitted this one (a reminder's booking task): it is listed among the parent's
/// children, and cancelling the parent cancels it while it is still pending.
/// </summary>
public record SubmitTask(Guid TaskId, string Type, JsonElement Data, int Priority = 0, string? IdempotencyKey = null, DateTime? RunAt = null, TimeSpan? Timeout = null,
    Guid? ParentTaskId = null);

/// <summary>
/// The saga's answer to <see cref="SubmitTask"/>: the task that now exists for it. Status is the state the saga recorded
/// (Scheduled, Queued, or Cancelled for a child of a cancelled parent); null for a duplicate, and from Gateways older than it.
/// </summary>
public record TaskAccepted(Guid TaskId, bool Duplicate, string? Status = null);

/// <summary>The saga refused a <see cref="SubmitTask"/>; the task is recorded as Failed with these errors.</summary>
public record TaskRejected(Guid TaskId, IReadOnlyDictionary<string, string[]> Errors);

/// <summary>
/// Asks the saga to cancel a task: a Scheduled or Queued one never runs; a Running one is asked to stop
/// (answered with <see cref="TaskCancelling"/>).
/// </summary>
public record CancelTask(Guid TaskId);

/// <summary>The task is cancelled (now, or it already was).</summary>
public record TaskCancelled(Guid TaskId);

/// <summary>The task is running: its worker has been asked to stop, and the task becomes Cancelled when it has.</summary>
public record TaskCancelling(Guid TaskId);

/// <summary>The task is past the point where it can be cancelled; Status says where it is.</summary>
public record TaskNotCancellable(Guid TaskId, string Status);

/// <summary>The task had already finished (Status says how) but still had pending children: those are being cancelled.</summary>
public record TaskChildrenCancelled(Guid TaskId, string Status, int Children);

/// <summary>No task has this id.</summary>
public record TaskNotFound(Guid TaskId);

/// <summary>Asks the saga to run a Failed or Cancelled task again with its stored data; its attempts continue.</summary>
public record RetryTask(Guid TaskId);

/// <summary>The task is queued again.</summary>
public record TaskRetried(Guid TaskId);

/// <summary>The task cannot be retried: it is not Failed or Cancelled, or its data was never stored (Reason says which).</summary>
public record TaskNotRetriable(Guid TaskId, string Status, string Reason);
