using System.ComponentModel.DataAnnotations;
using Quartz;

namespace Bus.Scheduler;

/// <summary>The Quartz scheduler and the message-scheduler queue. Bound from <c>Scheduler</c>.</summary>
public sealed class SchedulerOptions
{
    public const string Section = "Scheduler";

    /// <summary>Every replica of one cluster shares this name (Quartz's SCHED_NAME); another name is another cluster in the same tables.</summary>
    [Required(ErrorMessage = "Scheduler:InstanceName is required")]
    [StringLength(120, ErrorMessage = "Scheduler:InstanceName must be at most 120 characters")]
    public string InstanceName { get; set; } = "bus-scheduler";

    /// <summary>How often a replica records in PostgreSQL that it is alive.</summary>
    [Range(typeof(TimeSpan), "00:00:00.500", "00:10:00", ErrorMessage = "Scheduler:CheckinInterval must be between 00:00:00.500 and 00:10:00")]
    public TimeSpan CheckinInterval { get; set; } = TimeSpan.FromSeconds(7.5);

    /// <summary>How long past a missed check-in the other replicas wait before taking over a replica's claimed and running triggers.</summary>
    [Range(typeof(TimeSpan), "00:00:00.500", "00:10:00", ErrorMessage = "Scheduler:CheckinMisfireThreshold must be between 00:00:00.500 and 00:10:00")]
    public TimeSpan CheckinMisfireThreshold { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>How late a trigger may fire before Quartz applies its misfire instruction instead (scheduled messages: send now).</summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00", ErrorMessage = "Scheduler:MisfireThreshold must be between 00:00:01 and 01:00:00")]
    public TimeSpan MisfireThreshold { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>Jobs (scheduled sends, crons) one replica runs at once.</summary>
    [Range(1, 200, ErrorMessage = "Scheduler:ThreadCount must be between 1 and 200")]
    public int ThreadCount { get; set; } = 10;

    /// <summary>
    /// How long a replica with nothing due waits before asking PostgreSQL again. Something scheduled by this replica
    /// wakes it at once; one scheduled by another replica is seen within this interval at worst.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:05:00", ErrorMessage = "Scheduler:IdleWaitTime must be between 00:00:01 and 00:05:00")]
    public TimeSpan IdleWaitTime { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Waits between attempts to store a ScheduleMessage (or act on a cancel) while PostgreSQL fails; then it goes to
    /// <c>scheduler_error</c>. The queue has one active consumer, so these hold up everything behind it: keep them short.
    /// </summary>
    public TimeSpan[] RetryIntervals { get; set; } = [];

    /// <summary>
    /// How long one send of a due message may take. MassTransit keeps retrying a send while RabbitMQ is unreachable
    /// or refuses it; past this the firing fails, frees its thread and is retried by Quartz (<see cref="SendRetryPeriod"/>).
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:05:00", ErrorMessage = "Scheduler:SendTimeout must be between 00:00:00.100 and 00:05:00")]
    public TimeSpan SendTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How long a scheduled message whose send fails (RabbitMQ unreachable) keeps being retried, backing off to a minute.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "30.00:00:00", ErrorMessage = "Scheduler:SendRetryPeriod must be between 00:00:01 and 30.00:00:00")]
    public TimeSpan SendRetryPeriod { get; set; } = TimeSpan.FromHours(24);

    /// <summary>How long a cancel that found nothing to cancel is remembered, in case its ScheduleMessage arrives after it.</summary>
    [Range(typeof(TimeSpan), "00:01:00", "365.00:00:00", ErrorMessage = "Scheduler:CancelledTokenRetention must be between 00:01:00 and 365.00:00:00")]
    public TimeSpan CancelledTokenRetention { get; set; } = TimeSpan.FromDays(7);

    /// <summary>
    /// A failed send is tried again after 1 s, doubling (±20 %) up to a minute between tries, until
    /// <see cref="SendRetryPeriod"/> is used up; Quartz keeps the count with the trigger, so it survives restarts.
    /// </summary>
    public RetryPolicy SendRetryPolicy()
    {
        var maxDelay = TimeSpan.FromMinutes(1);
        var (attempts, delay, total) = (0, TimeSpan.FromSeconds(1), TimeSpan.Zero);
        while (total < SendRetryPeriod)
        {
            attempts++;
            total += delay;
            delay = delay * 2 < maxDelay ? delay * 2 : maxDelay;
        }
        return RetryPolicy.Exponential(Math.Max(attempts, 1), TimeSpan.FromSeconds(1), 2, maxDelay, jitter: 0.2);
    }

    public static readonly TimeSpan[] DefaultRetryIntervals =
        [TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(15), TimeSpan.FromSeconds(30)];
}
