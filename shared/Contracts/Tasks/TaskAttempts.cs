namespace Bus.Contracts.Tasks;

/// <summary>
/// A worker asks the task saga, before every attempt, whether the attempt may run (request/response on
/// <c>task-state</c>). It is the attempt's start report: the first claim about an unknown task creates its record.
/// </summary>
public record ClaimTaskAttempt(Guid TaskId, string Type, string Queue);

/// <summary>The attempt may run, and must stop after Timeout (null: no limit).</summary>
public record TaskAttemptClaimed(Guid TaskId, TimeSpan? Timeout);

/// <summary>The attempt must not run: the task is Cancelled or already Completed (Status says which). The message is acknowledged.</summary>
public record TaskAttemptRefused(Guid TaskId, string Status);

/// <summary>Published by the saga to every worker instance: stop the running attempt of this task.</summary>
public record TaskCancellationRequested(Guid TaskId);

/// <summary>A worker stopped an attempt because its task was cancelled; the message is acknowledged, not retried.</summary>
public record TaskAttemptCancelled(Guid TaskId);
