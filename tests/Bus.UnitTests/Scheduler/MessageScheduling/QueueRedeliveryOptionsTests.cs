using Bus.ServiceDefaults;
using Bus.ServiceDefaults.Options;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Bus.UnitTests.Scheduler.MessageScheduling;

/// <summary>The redelivery back-off a service gives its queue, and what configuration does to it.</summary>
public sealed class QueueRedeliveryOptionsTests
{
    private static readonly TimeSpan[] Retry = [TimeSpan.FromMilliseconds(200)];
    private static readonly TimeSpan[] Redelivery = [TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(5)];

    [Fact]
    public void Without_configuration_the_service_defaults_apply()
    {
        var options = Resolve([]);

        Assert.Equal(Retry, options.RetryIntervals);
        Assert.Equal(Redelivery, options.RedeliveryIntervals);
        Assert.Equal(5, options.ConcurrencyLimit);
    }

    [Fact]
    public void A_configured_list_replaces_the_default_list_rather_than_adding_to_it()
    {
        var options = Resolve(new() { ["Queues:reports:RedeliveryIntervals:0"] = "00:00:30" });

        Assert.Equal([TimeSpan.FromSeconds(30)], options.RedeliveryIntervals);
        Assert.Equal(Retry, options.RetryIntervals);
    }

    [Fact]
    public void The_old_overload_has_no_scheduled_redelivery()
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.AddQueueOptions("reports", concurrencyLimit: 1, TimeSpan.FromSeconds(1));

        using var host = builder.Build();
        Assert.Empty(host.Services.GetRequiredService<IOptionsMonitor<QueueOptions>>().Get("reports").RedeliveryIntervals);
    }

    [Fact]
    public void A_negative_redelivery_interval_is_refused_naming_the_queue()
    {
        var failure = Assert.Throws<OptionsValidationException>(() => Resolve(new() { ["Queues:reports:RedeliveryIntervals:0"] = "-00:00:01" }));

        Assert.Contains("Queues:reports:RedeliveryIntervals must not be negative", failure.Failures);
    }

    private static QueueOptions Resolve(Dictionary<string, string?> settings)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(settings);
        builder.AddQueueOptions("reports", concurrencyLimit: 5, retryIntervals: Retry, redeliveryIntervals: Redelivery);
        using var host = builder.Build();
        return host.Services.GetRequiredService<IOptionsMonitor<QueueOptions>>().Get("reports");
    }
}
