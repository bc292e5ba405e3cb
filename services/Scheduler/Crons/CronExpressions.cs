using System.Diagnostics.CodeAnalysis;
using Quartz;

namespace Bus.Scheduler.Crons;

/// <summary>
/// Reads a configured cron expression: the five-field crontab form (minute hour day-of-month month day-of-week,
/// day-of-week 0-7 with 0 and 7 = Sunday) or Quartz's own six/seven-field form (seconds first, day-of-week 1-7 with
/// 1 = Sunday), plus the @daily/@hourly/... macros. Everything is stored and fired in Quartz's form.
/// </summary>
public static class CronExpressions
{
    private static readonly char[] Separators = [' ', '\t'];

    /// <summary>The Quartz form of <paramref name="expression"/>, or why it is not a usable cron expression.</summary>
    public static bool TryConvert(string? expression, TimeZoneInfo timeZone, DateTimeOffset now,
        [NotNullWhen(true)] out string? quartz, [NotNullWhen(false)] out string? error)
    {
        quartz = null;
        if (string.IsNullOrWhiteSpace(expression))
        {
            error = "is required";
            return false;
        }

        var text = expression.Trim();
        var fields = text.Split(Separators, StringSplitOptions.RemoveEmptyEntries).Length;
        CronFormat? format = text.StartsWith('@') ? CronFormat.Quartz : fields switch
        {
            5 => CronFormat.Unix,
            6 or 7 => CronFormat.Quartz,
            _ => null,
        };
        if (format is null)
        {
            error = $"'{text}' has {fields} field(s); write 5 (minute hour day-of-month month day-of-week, e.g. \"*/5 * * * *\") "
                + "or Quartz's 6-7 (seconds first, e.g. \"0 */5 * * * ?\")";
            return false;
        }

        CronExpression parsed;
        try
        {
            parsed = CronExpression.Parse(text, format.Value).WithTimeZone(timeZone);
        }
        catch (FormatException exception)
        {
            error = $"'{text}' is not a valid cron expression: {exception.Message}";
            return false;
        }

        if (parsed.GetNextValidTimeAfter(now) is null)
        {
            error = $"'{text}' never fires after {now.UtcDateTime:yyyy-MM-dd HH:mm}Z";
            return false;
        }

        quartz = parsed.CronExpressionString;
        error = null;
        return true;
    }

    /// <summary>When a Quartz-form expression next fires after <paramref name="after"/>, in <paramref name="timeZone"/>.</summary>
    public static DateTimeOffset? NextFireTimeUtc(string quartz, TimeZoneInfo timeZone, DateTimeOffset after) =>
        CronExpression.Parse(quartz).WithTimeZone(timeZone).GetNextValidTimeAfter(after)?.ToUniversalTime();
}
