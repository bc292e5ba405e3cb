using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Bus.ServiceDefaults.Metrics;

/// <summary>
/// Task attempts as the workers run them (<see cref="Messaging.TaskLifecycleFilter{T}"/>): how many ended, how, and how long they
/// took, by task type, queue and outcome. On <c>/metrics</c> as <c>bus_task_attempts_total</c> and
/// <c>bus_task_attempt_duration_seconds</c>.
/// </summary>
public sealed class TaskMetrics
{
    public const string MeterName = BusMeters.Prefix + "Tasks";
    public const string AttemptsInstrument = "bus.task.attempts";
    public const string AttemptDurationInstrument = "bus.task.attempt.duration";

    public const string TaskTypeTag = "task_type";
    public const string QueueTag = "queue";
    public const string OutcomeTag = "outcome";

    /// <summary>Seconds: an email takes well under one, an export may take minutes.</summary>
    public static readonly IReadOnlyList<double> DurationBuckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600];

    private readonly Counter<long> _attempts;
    private readonly Histogram<double> _duration;

    public TaskMetrics(IMeterFactory meters)
    {
        var meter = meters.Create(MeterName);
        _attempts = meter.CreateCounter<long>(AttemptsInstrument, "{attempt}", "Task attempts that ended, by task type, queue and outcome");
        _duration = meter.CreateHistogram(AttemptDurationInstrument, "s", "How long a task attempt ran, from its claim to its end",
            tags: null, advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = DurationBuckets });
    }

    /// <summary>One attempt of a <paramref name="taskType"/> task taken from <paramref name="queue"/> ended with <paramref name="outcome"/> (<see cref="TaskAttemptOutcome"/>).</summary>
    public void AttemptEnded(string taskType, string queue, string outcome, TimeSpan duration)
    {
        var tags = new TagList
        {
            { TaskTypeTag, taskType },
            { QueueTag, queue },
            { OutcomeTag, outcome },
        };
        _attempts.Add(1, tags);
        _duration.Record(duration.TotalSeconds, tags);
    }
}

/// <summary>How a task attempt ended: the values of the <c>outcome</c> label.</summary>
public static class TaskAttemptOutcome
{
    /// <summary>The consumer returned: the task completed.</summary>
    public const string Completed = "completed";

    /// <summary>The consumer threw (or the saga did not allow the attempt in time); retries and redeliveries may follow.</summary>
    public const string Failed = "failed";

    /// <summary>The attempt ran past the task's timeout: permanent, no retries.</summary>
    public const string TimedOut = "timed_out";

    /// <summary>The task was cancelled while the attempt ran.</summary>
    public const string Cancelled = "cancelled";

    /// <summary>The saga refused the claim (task already Cancelled or Completed): acknowledged without running.</summary>
    public const string Refused = "refused";

    public static IReadOnlyList<string> All { get; } = [Completed, Failed, TimedOut, Cancelled, Refused];
}
