extern alias scheduler;

using scheduler::Bus.Scheduler.Crons;

namespace Bus.UnitTests.Scheduler.Crons;

public sealed class CronExpressionTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 25, 0, 0, 0, TimeSpan.Zero);

    [Theory]
    [InlineData("*/5 * * * *", "0 */5 * * * ?")]
    [InlineData("0 9 * * *", "0 0 9 * * ?")]
    [InlineData("0 9 * * 1-5", "0 0 9 ? * MON-FRI")]
    [InlineData("* * * * *", "0 * * * * ?")]
    [InlineData("0 * * * *", "0 0 * * * ?")]
    [InlineData("30 4 * * 0", "0 30 4 ? * SUN")]
    [InlineData("30 4 * * 7", "0 30 4 ? * SUN")]
    [InlineData("0 0 * * 6", "0 0 0 ? * SAT")]
    [InlineData("0 0 1,15 * *", "0 0 0 1,15 * ?")]
    [InlineData("0 9 ? * mon", "0 0 9 ? * MON")]
    [InlineData("  0   9  *  *  *  ", "0 0 9 * * ?")]
    [InlineData("@hourly", "0 0 * * * ?")]
    [InlineData("* * * * * ?", "* * * * * ?")]
    [InlineData("0 0 9 ? * MON-FRI", "0 0 9 ? * MON-FRI")]
    [InlineData("0 0 9 ? * 2-6 2099", "0 0 9 ? * 2-6 2099")]
    public void Crontab_and_Quartz_forms_convert_to_the_Quartz_form(string configured, string quartz)
    {
        Assert.True(CronExpressions.TryConvert(configured, TimeZoneInfo.Utc, Now, out var converted, out var error), error);
        Assert.Equal(quartz, converted);
    }

    [Theory]
    [InlineData("", "is required")]
    [InlineData("* * * *", "has 4 field(s)")]
    [InlineData("0 0 9 * * ? 2030 1", "has 8 field(s)")]
    [InlineData("60 * * * *", "not a valid cron expression")]
    [InlineData("0 24 * * *", "not a valid cron expression")]
    [InlineData("0 9 * * 8", "not a valid cron expression")]
    [InlineData("0 9 32 * *", "not a valid cron expression")]
    [InlineData("*/0 * * * *", "not a valid cron expression")]
    [InlineData("every day", "has 2 field(s)")]
    [InlineData("a b c d e", "not a valid cron expression")]
    [InlineData("@every", "not a valid cron expression")]
    [InlineData("0 0 31 2 *", "never fires")]
    [InlineData("0 0 9 * * ? 2020", "never fires")]
    public void Invalid_expressions_are_rejected_with_the_reason(string configured, string reason)
    {
        Assert.False(CronExpressions.TryConvert(configured, TimeZoneInfo.Utc, Now, out _, out var error));
        Assert.Contains(reason, error);
    }

    [Fact]
    public void Nine_in_the_morning_in_Cordoba_is_noon_UTC()
    {
        var cordoba = TimeZoneInfo.FindSystemTimeZoneById("America/Argentina/Cordoba");
        Assert.True(CronExpressions.TryConvert("0 9 * * *", cordoba, Now, out var quartz, out _));

        var next = CronExpressions.NextFireTimeUtc(quartz, cordoba, new DateTimeOffset(2026, 11, 25, 3, 0, 0, TimeSpan.Zero));

        Assert.Equal(new DateTimeOffset(2026, 11, 25, 12, 0, 0, TimeSpan.Zero), next);
        Assert.Equal(TimeSpan.Zero, next!.Value.Offset);
        // Past 12:00 UTC the next one is the following day's.
        Assert.Equal(new DateTimeOffset(2026, 11, 26, 12, 0, 0, TimeSpan.Zero),
            CronExpressions.NextFireTimeUtc(quartz, cordoba, new DateTimeOffset(2026, 11, 25, 12, 0, 0, TimeSpan.Zero)));
    }

    [Fact]
    public void Weekdays_at_nine_skip_the_weekend()
    {
        Assert.True(CronExpressions.TryConvert("0 9 * * 1-5", TimeZoneInfo.Utc, Now, out var quartz, out _));
        var friday = new DateTimeOffset(2026, 11, 27, 10, 0, 0, TimeSpan.Zero);

        Assert.Equal(new DateTimeOffset(2026, 11, 30, 9, 0, 0, TimeSpan.Zero), CronExpressions.NextFireTimeUtc(quartz, TimeZoneInfo.Utc, friday));
    }

    [Fact]
    public void With_both_day_fields_restricted_it_fires_on_either_as_crontab_does()
    {
        Assert.True(CronExpressions.TryConvert("0 0 1 * 1", TimeZoneInfo.Utc, Now, out var quartz, out _));
        Assert.Equal("0 0 0 1 * MON", quartz);

        var saturday = new DateTimeOffset(2026, 11, 28, 0, 0, 0, TimeSpan.Zero);
        var monday = CronExpressions.NextFireTimeUtc(quartz, TimeZoneInfo.Utc, saturday);
        var first = CronExpressions.NextFireTimeUtc(quartz, TimeZoneInfo.Utc, monday!.Value);

        Assert.Equal(new DateTimeOffset(2026, 11, 30, 0, 0, 0, TimeSpan.Zero), monday);
        Assert.Equal(new DateTimeOffset(2026, 12, 1, 0, 0, 0, TimeSpan.Zero), first);
    }
}
