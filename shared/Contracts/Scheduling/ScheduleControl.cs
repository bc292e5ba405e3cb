namespace Bus.Contracts.Scheduling;

/// <summary>Asks any Scheduler replica for every cron schedule; answered with <see cref="ScheduleList"/>.</summary>
public record GetSchedules;

public record ScheduleList(IReadOnlyList<ScheduleInfo> Schedules);

/// <summary>
/// One cron schedule as the Scheduler's shared store holds it. Cron is written as configured (five-field crontab
/// or Quartz form); TimeZone is an IANA id. A disabled cron is listed with Enabled false and no fire times.
/// </summary>
public record ScheduleInfo(
    string Name,
    string Cron,
    string TimeZone,
    string TaskType,
    bool Enabled,
    bool Paused,
    DateTimeOffset? NextFireTimeUtc,
    DateTimeOffset? PreviousFireTimeUtc);

/// <summary>Stops a cron from firing, on every replica and across restarts, until it is resumed. Answered with <see cref="ScheduleInfo"/>.</summary>
public record PauseSchedule(string Name);

/// <summary>Lets a paused cron fire again from its next scheduled time; occurrences missed while paused are skipped.</summary>
public record ResumeSchedule(string Name);

/// <summary>Fires a cron once now, paused or not, besides its schedule. Answered with <see cref="ScheduleInfo"/>.</summary>
public record RunSchedule(string Name);

/// <summary>No cron has this name.</summary>
public record ScheduleNotFound(string Name);

/// <summary>The cron is configured but disabled (<c>Enabled: false</c>), so it has no schedule to pause, resume or run.</summary>
public record ScheduleDisabled(string Name);
