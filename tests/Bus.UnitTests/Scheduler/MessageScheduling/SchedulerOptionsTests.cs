extern alias scheduler;

using Bus.ServiceDefaults;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using scheduler::Bus.Scheduler;

namespace Bus.UnitTests.Scheduler.MessageScheduling;

public sealed class SchedulerOptionsTests
{
    [Theory]
    [InlineData("00:00:01", 1)]
    [InlineData("00:01:00", 6)]
    [InlineData("1.00:00:00", 1445)]
    public void A_failed_send_is_retried_for_the_whole_send_retry_period(string period, int attempts)
    {
        var policy = new SchedulerOptions { SendRetryPeriod = TimeSpan.Parse(period) }.SendRetryPolicy();

        Assert.Equal(attempts, policy.MaxAttempts);
        Assert.Equal(TimeSpan.FromSeconds(1), policy.InitialDelay);
        Assert.Equal(TimeSpan.FromMinutes(1), policy.MaxDelay);
    }

    [Fact]
    public async Task A_check_in_threshold_shorter_than_the_interval_stops_the_Scheduler_at_start()
    {
        await using var app = Build(new()
        {
            ["Scheduler:CheckinInterval"] = "00:00:10",
            ["Scheduler:CheckinMisfireThreshold"] = "00:00:05",
        });

        var failure = await Assert.ThrowsAsync<OptionsValidationException>(() => app.StartAsync());

        Assert.Contains("Scheduler:CheckinMisfireThreshold must not be shorter than Scheduler:CheckinInterval", failure.Failures);
    }

    [Fact]
    public async Task Out_of_range_settings_stop_the_Scheduler_naming_them()
    {
        await using var app = Build(new()
        {
            ["Scheduler:InstanceName"] = "",
            ["Scheduler:ThreadCount"] = "0",
            ["Scheduler:RetryIntervals:0"] = "-00:00:01",
        });

        var failure = await Assert.ThrowsAsync<OptionsValidationException>(() => app.StartAsync());

        var failures = string.Join(";", failure.Failures);
        Assert.Contains("Scheduler:InstanceName is required", failures);
        Assert.Contains("Scheduler:ThreadCount must be between 1 and 200", failures);
        Assert.Contains("Scheduler:RetryIntervals must not be negative", failures);
    }

    [Fact]
    public void Without_configured_retry_intervals_the_defaults_apply()
    {
        using var app = Build([]);

        Assert.Equal(SchedulerOptions.DefaultRetryIntervals, app.Services.GetRequiredService<IOptions<SchedulerOptions>>().Value.RetryIntervals);
    }

    [Fact]
    public void Readiness_includes_Quartz()
    {
        using var app = Build([]);

        var checks = app.Services.GetRequiredService<IOptions<HealthCheckServiceOptions>>().Value.Registrations;
        Assert.Contains(checks, check => check.Name == "quartz" && check.Tags.Contains("ready"));
    }

    private static WebApplication Build(Dictionary<string, string?> settings)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = "Testing" });
        builder.Configuration.Sources.Clear();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["RabbitMq:Host"] = "127.0.0.1",
            ["RabbitMq:Username"] = "bus",
            ["RabbitMq:Password"] = "bus",
            ["Postgres:ConnectionString"] = "Host=127.0.0.1;Port=1;Username=bus;Password=bus;Database=bus;Timeout=1",
        });
        builder.Configuration.AddInMemoryCollection(settings);
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.AddServiceDefaults();
        builder.AddScheduler();
        return builder.Build();
    }
}
