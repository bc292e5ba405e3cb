namespace Bus.Contracts.Tasks;

/// <summary>
/// A task's recorded state changed (status, progress, attempts or error), published by the Gateway's task saga after
/// the change is committed. A full snapshot, not a delta: events may arrive out of order, so the one with the newest
/// UpdatedAt (UTC) is the task's current state.
/// </summary>
public record TaskStatusChanged(
    Guid TaskId,
    string Type,
    string Queue,
    string Status,
    int Progress,
    string? ProgressMessage,
    int Attempts,
    string? ErrorType,
    string? Error,
    DateTime? RunAt,
    DateTime CreatedAt,
    DateTime? StartedAt,
    DateTime? FinishedAt,
    DateTime UpdatedAt);
