using System.ComponentModel.DataAnnotations;

namespace Bus.ServiceDefaults.Options;

/// <summary>How a worker runs task attempts. Bound from <c>Tasks</c>.</summary>
public sealed class TaskAttemptOptions
{
    public const string Section = "Tasks";

    /// <summary>How long an attempt waits for the task saga to allow it before it counts as a transient failure.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:10:00", ErrorMessage = "Tasks:ClaimTimeout must be between 00:00:01 and 00:10:00")]
    public TimeSpan ClaimTimeout { get; set; } = TimeSpan.FromSeconds(30);
}
