using Bus.ServiceDefaults;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace Bus.UnitTests.ServiceDefaults;

public sealed class StartupValidationTests
{
    [Fact]
    public async Task A_service_without_its_settings_stops_at_start_naming_each_missing_setting()
    {
        await using var app = Build(new Dictionary<string, string?>());

        var failure = await Assert.ThrowsAsync<AggregateException>(() => app.StartAsync());

        var messages = failure.InnerExceptions.OfType<OptionsValidationException>().SelectMany(e => e.Failures).ToList();
        Assert.Contains(messages, m => m.Contains("RabbitMq:Host is required"));
        Assert.Contains(messages, m => m.Contains("RabbitMq:Password is required"));
        Assert.Contains(messages, m => m.Contains("Postgres:ConnectionString is required"));
    }

    [Fact]
    public async Task A_wrong_setting_stops_the_service_naming_it()
    {
        await using var app = Build(new Dictionary<string, string?>
        {
            ["RabbitMq:Host"] = "127.0.0.1",
            ["RabbitMq:Port"] = "70000",
            ["RabbitMq:Username"] = "bus",
            ["RabbitMq:Password"] = "bus",
            ["Postgres:ConnectionString"] = "Host=127.0.0.1",
        });

        var failure = await Assert.ThrowsAsync<OptionsValidationException>(() => app.StartAsync());

        Assert.Contains("RabbitMq:Port must be a TCP port", string.Join(";", failure.Failures));
    }

    [Fact]
    public async Task A_negative_retry_interval_stops_the_service_naming_the_queue()
    {
        await using var app = Build(new Dictionary<string, string?>
        {
            ["RabbitMq:Host"] = "127.0.0.1",
            ["RabbitMq:Username"] = "bus",
            ["RabbitMq:Password"] = "bus",
            ["Postgres:ConnectionString"] = "Host=127.0.0.1",
            ["Queues:reports:RetryIntervals:0"] = "-00:00:01",
        }, builder => builder.AddQueueOptions("reports", concurrencyLimit: 1, TimeSpan.FromSeconds(1)));

        var failure = await Assert.ThrowsAsync<OptionsValidationException>(() => app.StartAsync());

        Assert.Contains("Queues:reports:RetryIntervals must not be negative", string.Join(";", failure.Failures));
    }

    private static WebApplication Build(Dictionary<string, string?> settings, Action<WebApplicationBuilder>? configure = null)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = "Testing" });
        builder.Configuration.Sources.Clear();
        builder.Configuration.AddInMemoryCollection(settings);
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.AddServiceDefaults();
        configure?.Invoke(builder);
        return builder.Build();
    }
}
