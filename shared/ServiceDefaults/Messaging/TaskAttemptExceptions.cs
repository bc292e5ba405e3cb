namespace Bus.ServiceDefaults.Messaging;

/// <summary>
/// The attempt ran past its task's timeout and was cancelled. Permanent: another attempt would most likely time out
/// too, so the message goes to the error queue and the task fails with the reason "timed out".
/// It never wraps what the consumer threw when its token fired: MassTransit matches exception filters on the innermost
/// exception, and an inner OperationCanceledException makes the receive pipe requeue the message instead of moving it
/// to the error queue.
/// </summary>
public sealed class TaskTimedOutException(TimeSpan timeout) : PermanentTaskException("timed out")
{
    public TimeSpan Timeout { get; } = timeout;
}

/// <summary>
/// The task saga did not answer an attempt's claim in time (Gateway or broker unreachable). Transient: the attempt
/// did not run, and the message goes the normal retry and redelivery way.
/// </summary>
public sealed class TaskClaimException(string message, Exception innerException) : Exception(message, innerException);
