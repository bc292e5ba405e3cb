using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Bus.Scheduler.Crons;

/// <summary>A cron from configuration, checked and resolved: what the Scheduler stores in Quartz and submits when it fires.</summary>
/// <param name="Cron">As configured (shown to operators).</param>
/// <param name="QuartzCron">The same schedule in Quartz's form (what the trigger holds).</param>
/// <param name="Data">The task's data, compact JSON text of an object.</param>
public sealed partial record CronSchedule(
    string Name,
    string Cron,
    string QuartzCron,
    TimeZoneInfo TimeZone,
    string TaskType,
    string Data,
    int Priority,
    bool Enabled)
{
    /// <summary>As <c>POST /tasks</c> accepts.</summary>
    public const int MaxPriority = Bus.ServiceDefaults.Messaging.TaskPriority.Max;
    public const int MaxTaskTypeLength = 100;
    public const string DefaultTimeZone = "UTC";

    /// <summary>Resolves one configured cron, or says what is wrong with each of its settings, naming the setting.</summary>
    public static CronSchedule? Resolve(CronSetting setting, DateTimeOffset now, List<string> errors)
    {
        var before = errors.Count;
        var name = setting.Name?.Trim();
        if (string.IsNullOrEmpty(name))
            errors.Add($"{setting.Path}:Name is required (a cron in a list needs a Name)");
        else if (!ValidName().IsMatch(name))
            errors.Add($"{setting.Path}:Name '{name}' must be 1-100 letters, digits, '-', '_' or '.', starting with a letter or digit");
        var label = name is { Length: > 0 } ? $"{setting.Path} (cron '{name}')" : setting.Path;

        var timeZoneId = string.IsNullOrWhiteSpace(setting.TimeZone) ? DefaultTimeZone : setting.TimeZone.Trim();
        if (!TimeZoneInfo.TryFindSystemTimeZoneById(timeZoneId, out var timeZone))
            errors.Add($"{label}: TimeZone '{timeZoneId}' is not a known time zone; use an IANA id such as America/Argentina/Cordoba or UTC");

        string? quartz = null;
        if (timeZone is not null && !CronExpressions.TryConvert(setting.Cron, timeZone, now, out quartz, out var cronError))
            errors.Add($"{label}: Cron {cronError}");

        var taskType = setting.TaskType?.Trim();
        if (string.IsNullOrEmpty(taskType))
            errors.Add($"{label}: TaskType is required");
        else if (taskType.Length > MaxTaskTypeLength)
            errors.Add($"{label}: TaskType must be at most {MaxTaskTypeLength} characters");

        if (!CronConfiguration.TryParseData(setting.Data, out var data))
            errors.Add($"{label}: Data must be a JSON object");

        var priority = 0;
        if (!string.IsNullOrWhiteSpace(setting.Priority)
            && (!int.TryParse(setting.Priority, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out priority) || priority is < 0 or > MaxPriority))
            errors.Add($"{label}: Priority '{setting.Priority}' must be a whole number from 0 to {MaxPriority}");

        var enabled = true;
        if (!string.IsNullOrWhiteSpace(setting.Enabled) && !bool.TryParse(setting.Enabled, out enabled))
            errors.Add($"{label}: Enabled '{setting.Enabled}' must be true or false");

        if (errors.Count > before)
            return null;
        return new CronSchedule(name!, setting.Cron!.Trim(), quartz!, timeZone!, taskType!, JsonSerializer.Serialize(data), priority, enabled);
    }

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")]
    private static partial Regex ValidName();
}
