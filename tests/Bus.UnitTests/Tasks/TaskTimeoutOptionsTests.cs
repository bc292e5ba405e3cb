using Bus.Gateway.Tasks;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Bus.UnitTests.Tasks;

public sealed class TaskTimeoutOptionsTests
{
    [Fact]
    public void A_type_s_configured_timeout_wins_over_the_default()
    {
        var options = Bind(new() { ["Tasks:Timeouts:Default"] = "00:05:00", ["Tasks:Timeouts:Types:email_notification"] = "00:00:30" });

        Assert.Equal(TimeSpan.FromSeconds(30), options.For("email_notification"));
        Assert.Equal(TimeSpan.FromMinutes(5), options.For("some_other_type"));
    }

    [Theory]
    [InlineData("Tasks:Timeouts:Default", "00:00:00", "Tasks:Timeouts:Default")]
    [InlineData("Tasks:Timeouts:Types:email_notification", "8.00:00:00", "Tasks:Timeouts:Types")]
    [InlineData("Tasks:Timeouts:Types:no_such_type", "00:01:00", "unknown task type")]
    public void A_bad_timeout_setting_is_refused_naming_it(string key, string value, string named)
    {
        var failure = Assert.Throws<OptionsValidationException>(() => Bind(new() { [key] = value }));

        Assert.Contains(failure.Failures, f => f.Contains(named));
    }

    private static TaskTimeoutOptions Bind(Dictionary<string, string?> settings)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(settings);
        builder.AddTaskTimeouts();
        using var services = builder.Services.BuildServiceProvider();
        return services.GetRequiredService<IOptions<TaskTimeoutOptions>>().Value;
    }
}
