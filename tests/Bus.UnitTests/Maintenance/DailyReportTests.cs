extern alias maintenance;
using maintenance::Bus.MaintenanceService;

namespace Bus.UnitTests.Maintenance;

public sealed class DailyReportTests
{
    private static readonly DateTime To = new(2026, 12, 5, 6, 0, 0, DateTimeKind.Utc);

    private static readonly DailyReport Report = new(To - DailyReport.Period, To,
    [
        new TaskTypeFigures("data_export", 4, 3, 1, 1500, 58_000),
        new TaskTypeFigures("email_notification", 120, 117, 0, 240.4, 910),
        new TaskTypeFigures("media_thumbnail", 2, 0, 0, null, null),
    ]);

    [Fact]
    public void The_failure_rate_is_failed_among_finished_tasks_and_unknown_when_none_finished()
    {
        Assert.Equal(0.25, Report.Types[0].FailureRate);
        Assert.Equal(0.0, Report.Types[1].FailureRate);
        Assert.Null(Report.Types[2].FailureRate);
        Assert.Equal((126L, 120L, 1L), (Report.Submitted, Report.Completed, Report.Failed));
    }

    [Fact]
    public void The_text_has_a_row_per_type_and_a_total_with_rates_and_durations_in_readable_units()
    {
        var lines = Report.Text().Split('\n').Select(l => l.TrimEnd('\r')).ToList();

        Assert.Equal("Tasks from 2026-12-04 06:00 to 2026-12-05 06:00 UTC.", lines[0]);
        Assert.Equal(string.Join("\n",
            [
                "task type           submitted  completed  failed  failure rate     p50     p95",
                "data_export                 4          3       1        25.0 %   1.5 s  58.0 s",
                "email_notification        120        117       0         0.0 %  240 ms  910 ms",
                "media_thumbnail             2          0       0             –       –       –",
                "total                     126        120       1         0.8 %       –       –",
            ]),
            string.Join("\n", lines.Skip(2).Take(5)));
        Assert.Equal("Bus daily report: 2026-12-04 06:00 – 2026-12-05 06:00 UTC", Report.Subject("Bus daily report"));
    }

    [Fact]
    public void The_slack_summary_names_the_types_that_failed()
    {
        Assert.Equal(
            "Daily report 2026-12-04 06:00 – 2026-12-05 06:00 UTC: 126 submitted, 120 completed, 1 failed\n• data_export: 1 failed (25.0 %)",
            Report.Summary());
    }

    [Theory]
    [InlineData(null, "–")]
    [InlineData(0.4, "0 ms")]
    [InlineData(999.4, "999 ms")]
    [InlineData(1000.0, "1.0 s")]
    [InlineData(59_949.0, "59.9 s")]
    [InlineData(90_000.0, "1.5 min")]
    public void Durations_read_in_the_unit_that_fits(double? ms, string expected) =>
        Assert.Equal(expected, DailyReport.Duration(ms));
}
