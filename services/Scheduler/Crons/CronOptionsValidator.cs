using Microsoft.Extensions.Options;

namespace Bus.Scheduler.Crons;

/// <summary>Every cron must resolve, and names must be unique: otherwise the Scheduler does not start.</summary>
public sealed class CronOptionsValidator(TimeProvider time) : IValidateOptions<CronOptions>
{
    public ValidateOptionsResult Validate(string? name, CronOptions options)
    {
        var errors = new List<string>();
        var now = time.GetUtcNow();
        var schedules = options.Crons.Select(setting => CronSchedule.Resolve(setting, now, errors)).OfType<CronSchedule>().ToList();
        foreach (var duplicate in schedules.GroupBy(s => s.Name, StringComparer.OrdinalIgnoreCase).Where(g => g.Count() > 1))
            errors.Add($"{CronOptions.Section}: the name '{duplicate.Key}' is used by more than one cron");
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
