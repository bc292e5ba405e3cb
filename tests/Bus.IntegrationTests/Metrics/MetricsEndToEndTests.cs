using System.Net;
using Bus.IntegrationTests.EndToEnd;
using Bus.IntegrationTests.Infrastructure;
using Bus.ServiceDefaults.Messaging;

namespace Bus.IntegrationTests.Metrics;

/// <summary>Prometheus' view of the running system: each process's <c>/metrics</c>, scraped without a token.</summary>
[Collection(RunningSystemCollection.Name)]
public sealed class MetricsEndToEndTests(RunningSystem system)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task After_an_email_task_completed_the_email_service_counts_its_attempt_and_times_it_by_type_queue_and_outcome()
    {
        (string, string)[] labels = [("task_type", "email_notification"), ("queue", QueueNames.Email), ("outcome", "completed")];
        var before = await PrometheusScrape.GetAsync(system.EmailServiceAddress);

        await CompleteAnEmailTaskAsync();

        // The attempt is counted as the filter returns, a moment after the saga may already show Completed.
        var after = await ScrapeUntilAsync(system.EmailServiceAddress,
            scrape => scrape.Sum("bus_task_attempts_total", labels) > before.Sum("bus_task_attempts_total", labels));

        Assert.Equal("counter", after.Types["bus_task_attempts_total"]);
        Assert.Equal("histogram", after.Types["bus_task_attempt_duration_seconds"]);
        Assert.True(after.Sum("bus_task_attempt_duration_seconds_count", labels) > before.Sum("bus_task_attempt_duration_seconds_count", labels));
        var buckets = after.Named("bus_task_attempt_duration_seconds_bucket", labels);
        Assert.Contains(buckets, b => b.Labels["le"] == "+Inf");
        Assert.Contains(buckets, b => b.Labels["le"] == "0.5");
        Assert.True(after.Sum("bus_task_attempt_duration_seconds_sum", labels) > 0);
    }

    [Fact]
    public async Task The_gateway_reports_every_task_queue_with_its_depth_consumers_error_queue_and_pause()
    {
        var scrape = await ScrapeUntilAsync(system.Gateway.BaseAddress!,
            s => s.Sum("bus_queue_consumers", ("queue", QueueNames.Email)) >= 1);

        foreach (var queue in TaskRoutes.All.Select(r => r.Queue).Distinct())
        foreach (var gauge in new[] { "bus_queue_messages_ready", "bus_queue_messages_unacknowledged", "bus_queue_consumers", "bus_queue_error_messages", "bus_queue_paused" })
            Assert.Single(scrape.Named(gauge, ("queue", queue)));
        // This system runs no MediaService: its queue exists (the Gateway declared it) and nobody consumes it.
        Assert.Equal(0, scrape.Sum("bus_queue_consumers", ("queue", QueueNames.Media)));
        Assert.Equal("gauge", scrape.Types["bus_queue_consumers"]);
    }

    [Fact]
    public async Task Every_service_serves_its_metrics_without_a_token_with_the_runtime_and_asp_net_core_meters_and_masstransit_s_once_it_consumed()
    {
        await CompleteAnEmailTaskAsync();

        foreach (var service in new[] { system.Gateway.BaseAddress!, system.EmailServiceAddress, system.SchedulerAddress })
        {
            var scrape = await PrometheusScrape.GetAsync(service);
            Assert.Contains("dotnet_process_memory_working_set_bytes", scrape.SampleNames);
            Assert.Contains("http_server_request_duration_seconds_count", scrape.SampleNames);
        }
        // MassTransit's meter shows an endpoint once it received: the saga's and the worker's have, the Scheduler's may not.
        foreach (var service in new[] { system.Gateway.BaseAddress!, system.EmailServiceAddress })
            Assert.Contains("messaging_masstransit_receive_ea_total", (await PrometheusScrape.GetAsync(service)).SampleNames);
    }

    [Fact]
    public async Task Every_metric_the_dashboard_and_alert_rules_query_is_exported_by_a_running_service()
    {
        await CompleteAnEmailTaskAsync();
        await ScrapeUntilAsync(system.Gateway.BaseAddress!, s => s.SampleNames.Contains("bus_queue_consumers"));

        var exported = new HashSet<string>();
        foreach (var service in new[] { system.Gateway.BaseAddress!, system.EmailServiceAddress, system.SchedulerAddress })
            exported.UnionWith((await PrometheusScrape.GetAsync(service)).SampleNames);

        var queries = MonitoringQueries.All(ServiceProcess.RepositoryRoot);
        Assert.NotEmpty(queries);
        foreach (var (where, expression) in queries)
        foreach (var name in MonitoringQueries.MetricNames(expression).Where(n => n != "up"))
            Assert.True(exported.Contains(name), $"{where} reads {name}, which no service exports");
    }

    private async Task CompleteAnEmailTaskAsync()
    {
        var taskId = await RunningSystem.TaskIdOf(await system.SubmitAsync(new
        {
            type = "email_notification",
            data = new { to = new[] { "metrics@example.com" }, subject = $"metrics-{Guid.NewGuid():N}", body = "b" },
        }));
        await system.WaitForStatusAsync(taskId, "Completed");
    }

    private static async Task<PrometheusScrape> ScrapeUntilAsync(Uri service, Func<PrometheusScrape, bool> condition)
    {
        var deadline = DateTime.UtcNow + Timeout;
        while (true)
        {
            var scrape = await PrometheusScrape.GetAsync(service);
            if (condition(scrape))
                return scrape;
            if (DateTime.UtcNow > deadline)
                Assert.Fail($"{service}metrics did not show what was expected within {Timeout.TotalSeconds} s; last scrape:\n{scrape.Text}");
            await Task.Delay(250);
        }
    }
}
