using System.Text.Json;

namespace Bus.Contracts.Tasks;

/// <summary>A worker began an attempt. The first event about an unknown task creates its record.</summary>
public record TaskStarted(Guid TaskId, string Type, string Queue);

public record TaskProgressed(Guid TaskId, int Percent, string? Message = null);

public record TaskCompleted(Guid TaskId, JsonElement? Result = null);

/// <summary>One attempt threw; the task may still be retried or redelivered.</summary>
public record TaskAttemptFailed(Guid TaskId, string ExceptionType, string Message);

/// <summary>The task failed for good: its last attempt faulted and the message went to the error queue.</summary>
public record TaskFailed(Guid TaskId, string ExceptionType, string Reason);

/// <summary>
/// Published by the task saga when it records a task as Failed because its last attempt faulted (its message is in
/// <c>&lt;Queue&gt;_error</c>), after the record is committed: once each time the task fails for good (a retried task may fail again). Type and Queue are empty for a task the
/// saga never saw start.
/// </summary>
public record TaskDeadLettered(Guid TaskId, string Type, string Queue, string ExceptionType, string Reason, DateTime FailedAt);
