using System.Text.Json;
using Bus.Gateway.Tasks;
using Bus.Gateway.Tasks.Types;

namespace Bus.Gateway.Api;

public sealed record TaskError(string Type, string Message);

public sealed record TaskResponse(
    Guid TaskId,
    string Type,
    string Status,
    int Priority,
    int Attempts,
    IReadOnlyList<TaskAttempt> AttemptHistory,
    int Progress,
    string? ProgressMessage,
    string? IdempotencyKey,
    DateTime? RunAt,
    DateTime CreatedAt,
    DateTime? StartedAt,
    DateTime? FinishedAt,
    DateTime UpdatedAt,
    JsonElement? Data,
    JsonElement? Result,
    TaskError? Error,
    long? Timeout,
    DateTime? CancelRequestedAt,
    Guid? ParentTaskId,
    string Queue,
    string? TraceId)
{
    public static TaskResponse From(TaskState task) => new(
        task.CorrelationId,
        task.Type,
        task.CurrentState,
        task.Priority,
        task.Attempts,
        AttemptLog.Read(task.AttemptLog),
        task.Progress,
        task.ProgressMessage,
        task.IdempotencyKey,
        task.RunAt,
        task.CreatedAt,
        task.StartedAt,
        task.FinishedAt,
        task.UpdatedAt,
        Redacted(task.Data),
        Redacted(task.Result),
        task.Error is null ? null : new TaskError(task.ErrorType ?? "Unknown", task.Error),
        task.Timeout is { } timeout ? (long)timeout.TotalMilliseconds : null,
        task.CancelRequestedAt,
        task.ParentTaskId,
        task.Queue,
        task.TraceId);

    private static JsonElement? Redacted(string? json) =>
        json is null ? null : SensitiveTaskData.Redact(JsonDocument.Parse(json).RootElement.Clone());
}

public sealed record TaskSubmitted(Guid TaskId, string Status, bool Duplicate);

public sealed record BatchItemResult(int Index, Guid? TaskId, string Status, bool Duplicate, IReadOnlyDictionary<string, string[]>? Errors)
{
    public static BatchItemResult Accepted(int index, TaskSubmitted task) => new(index, task.TaskId, task.Status, task.Duplicate, null);

    public static BatchItemResult Rejected(int index, IReadOnlyDictionary<string, string[]> errors) => new(index, null, "Rejected", false, errors);

    public static BatchItemResult Unavailable(int index) => new(index, null, "Unavailable", false, null);
}

public sealed record BatchResult(int Accepted, int Rejected, IReadOnlyList<BatchItemResult> Results);
