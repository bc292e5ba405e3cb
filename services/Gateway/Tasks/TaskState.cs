using MassTransit;

namespace Bus.Gateway.Tasks;

/// <summary>One task's record: the saga instance, and the Gateway's read model.</summary>
public class TaskState : SagaStateMachineInstance
{
    public Guid CorrelationId { get; set; }
    public string CurrentState { get; set; } = "";

    public string Type { get; set; } = "";
    public string Queue { get; set; } = "";
    public int Priority { get; set; }
    public string? IdempotencyKey { get; set; }

    /// <summary>The task that submitted this one (a reminder's booking task); cancelling it cancels this one while pending.</summary>
    public Guid? ParentTaskId { get; set; }

    /// <summary>The submitted payload as JSON; null for tasks first seen through a worker's event.</summary>
    public string? Data { get; set; }
    public string? Result { get; set; }
    public string? Error { get; set; }
    public string? ErrorType { get; set; }

    public int Attempts { get; set; }

    /// <summary>Each attempt's start, failure and error as JSON (<see cref="TaskAttempt"/>), newest last.</summary>
    public string? AttemptLog { get; set; }
    public int Progress { get; set; }
    public string? ProgressMessage { get; set; }

    /// <summary>When a Scheduled task is due, and the Scheduler's token that cancels it.</summary>
    public DateTime? RunAt { get; set; }
    public Guid? ScheduleTokenId { get; set; }

    /// <summary>How long one attempt may run before it is cancelled and the task fails ("timed out").</summary>
    public TimeSpan? Timeout { get; set; }

    /// <summary>When cancelling a Running task was asked for; it becomes Cancelled once its worker has stopped.</summary>
    public DateTime? CancelRequestedAt { get; set; }

    /// <summary>The W3C trace id of the request or message that created the record: where to look in the tracing backend.</summary>
    public string? TraceId { get; set; }

    public DateTime CreatedAt { get; set; }
    public DateTime? StartedAt { get; set; }
    public DateTime? FinishedAt { get; set; }
    public DateTime UpdatedAt { get; set; }
}

public sealed record TaskAttempt(int Attempt, DateTime StartedAt, DateTime? FailedAt = null, string? ErrorType = null, string? Error = null);
