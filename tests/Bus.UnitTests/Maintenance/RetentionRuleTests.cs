extern alias maintenance;
using maintenance::Bus.MaintenanceService;

namespace Bus.UnitTests.Maintenance;

public sealed class RetentionRuleTests
{
    [Fact]
    public void By_default_completed_tasks_are_kept_an_hour_and_failed_and_cancelled_ones_a_day_whatever_their_type()
    {
        var rules = RetentionRule.From(new RetentionOptions());

        Assert.Equal(
            [("Completed", TimeSpan.FromHours(1)), ("Failed", TimeSpan.FromHours(24)), ("Cancelled", TimeSpan.FromHours(24))],
            rules.Select(r => (r.Status, r.Retention)));
        Assert.All(rules, r => Assert.Null(r.Type));
        Assert.All(rules, r => Assert.Empty(r.OtherTypes));
    }

    [Fact]
    public void A_type_with_its_own_retention_gets_a_rule_of_its_own_and_is_left_out_of_the_default_only_for_that_status()
    {
        var rules = RetentionRule.From(new RetentionOptions
        {
            Types =
            {
                ["report_generation"] = new TypeRetention { Completed = TimeSpan.FromDays(7) },
                ["email_notification"] = new TypeRetention { Completed = TimeSpan.FromMinutes(10), Failed = TimeSpan.FromDays(3) },
            },
        });

        Assert.Equal(
            [
                ("Completed", "email_notification", TimeSpan.FromMinutes(10), ""),
                ("Completed", "report_generation", TimeSpan.FromDays(7), ""),
                ("Completed", null, TimeSpan.FromHours(1), "email_notification,report_generation"),
                ("Failed", "email_notification", TimeSpan.FromDays(3), ""),
                ("Failed", null, TimeSpan.FromHours(24), "email_notification"),
                ("Cancelled", null, TimeSpan.FromHours(24), ""),
            ],
            rules.Select(r => (r.Status, r.Type, r.Retention, string.Join(",", r.OtherTypes))));
    }
}
