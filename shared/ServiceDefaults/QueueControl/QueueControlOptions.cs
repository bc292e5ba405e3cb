using System.ComponentModel.DataAnnotations;

namespace Bus.ServiceDefaults.QueueControl;

public sealed class QueueControlOptions
{
    public const string Section = "QueueControl";

    /// <summary>How often a worker replica reads the paused queues: a pause or resume takes effect within about this long.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:01:00", ErrorMessage = "QueueControl:PollInterval must be between 00:00:00.100 and 00:01:00")]
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(2);
}
