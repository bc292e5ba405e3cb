namespace Bus.Scheduler.Crons;

/// <summary>
/// The <c>Crons</c> section as written: a dictionary of name → cron, or a list of crons that each carry a Name.
/// Values stay as text here so that <see cref="CronOptionsValidator"/> can name every bad setting at start.
/// </summary>
public sealed class CronOptions
{
    public const string Section = "Crons";

    public List<CronSetting> Crons { get; } = [];
}

/// <summary>One entry of the <c>Crons</c> section. <see cref="Path"/> is where it is, e.g. <c>Crons:daily-report</c>.</summary>
public sealed class CronSetting
{
    public required string Path { get; init; }

    /// <summary>The Name setting, or the dictionary key when there is none.</summary>
    public string? Name { get; init; }

    public string? Cron { get; init; }

    public string? TimeZone { get; init; }

    public string? TaskType { get; init; }

    /// <summary>The task's data as JSON text, rebuilt from the configuration (see <see cref="CronConfiguration"/>).</summary>
    public string? Data { get; init; }

    public string? Priority { get; init; }

    public string? Enabled { get; init; }
}
