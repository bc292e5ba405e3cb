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
