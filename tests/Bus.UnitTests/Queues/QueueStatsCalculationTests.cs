using System.Text.Json;
using Bus.Gateway.Queues;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Bus.UnitTests.Queues;

public sealed class QueueStatsCalculationTests
{
    /// <summary>Trimmed from RabbitMQ 3.10's <c>GET /api/queues/%2F/email</c>.</summary>
    private const string ManagementQueue = """
        {"name":"email","vhost":"/","consumers":2,"messages":7,"messages_ready":5,"messages_unacknowledged":2,
         "message_stats":{"ack":5,"ack_details":{"rate":1.5},"deliver":6,"deliver_details":{"rate":2.0},
           "deliver_get":6,"deliver_get_details":{"rate":2.5},"publish":5,"publish_details":{"rate":3.25},
           "redeliver":1,"redeliver_details":{"rate":0.0}}}
        """;

    [Fact]
    public void A_management_api_queue_maps_to_ready_unacked_consumers_and_rates()
    {
        using var json = JsonDocument.Parse(ManagementQueue);

        var queue = BrokerQueue.Parse(json.RootElement);

        Assert.Equal(new BrokerQueue(true, 5, 2, 2, new QueueRates(3.25, 2.5, 1.5)), queue);
    }

    [Fact]
    public void A_just_declared_queue_without_counters_or_stats_reads_as_empty_with_no_rates()
    {
        using var json = JsonDocument.Parse("""{"name":"email","vhost":"/","consumers":1}""");

        Assert.Equal(new BrokerQueue(true, 0, 0, 1, null), BrokerQueue.Parse(json.RootElement));
    }

    [Fact]
    public void Stats_without_a_rate_sample_leave_that_rate_null()
    {
        using var json = JsonDocument.Parse("""{"messages_ready":1,"consumers":0,"message_stats":{"publish":1,"publish_details":{"rate":0.4}}}""");

        Assert.Equal(new QueueRates(0.4, null, null), BrokerQueue.Parse(json.RootElement).Rates);
    }

    [Fact]
    public void Queue_stats_combine_the_broker_queue_its_error_queue_and_the_status_counts()
    {
        var counts = StatusCounts.From([new("Completed", 4), new("Failed", 1), new("Queued", 2), new("Unknown", 3)]);

        var stats = QueueStats.From("email", new BrokerQueue(true, 5, 2, 1, null), new BrokerQueue(true, 9, 0, 0, null), counts);

        Assert.Equal(new QueueStats("email", true, true, 5, 2, 1, 9, null, 0, 2, 0, 4, 1, 0), stats);
        Assert.Equal(10, counts.Total);
    }

    [Fact]
    public void Without_the_management_api_the_broker_part_is_null_and_the_counts_remain()
    {
        var stats = QueueStats.From("email", null, null, StatusCounts.From([new("Completed", 4)]));

        Assert.False(stats.BrokerReachable);
        Assert.Null(stats.Waiting);
        Assert.Null(stats.Consumers);
        Assert.Null(stats.ErrorQueueDepth);
        Assert.Equal(4, stats.Completed);
    }

    [Fact]
    public void A_missing_error_queue_counts_as_an_empty_one()
    {
        var stats = QueueStats.From("email", new BrokerQueue(true, 0, 0, 1, null), BrokerQueue.NotDeclared, StatusCounts.None);

        Assert.Equal(0, stats.ErrorQueueDepth);
    }

    [Theory]
    [InlineData(3, 1, 0.75)]
    [InlineData(5, 0, 1.0)]
    [InlineData(0, 2, 0.0)]
    public void Success_rate_is_completed_over_finished(int completed, int failed, double expected) =>
        Assert.Equal(expected, SystemStatsCalculations.SuccessRate(completed, failed));

    [Fact]
    public void Success_rate_is_unknown_when_nothing_finished() =>
        Assert.Null(SystemStatsCalculations.SuccessRate(0, 0));

    [Fact]
    public void Health_is_the_worst_check_and_a_queue_without_consumers_degrades_it()
    {
        var consumed = QueueStats.From("email", new BrokerQueue(true, 0, 0, 1, null), BrokerQueue.NotDeclared, StatusCounts.None);
        var unconsumed = QueueStats.From("email", new BrokerQueue(true, 3, 0, 0, null), BrokerQueue.NotDeclared, StatusCounts.None);

        Assert.Equal("Healthy", HealthSummary.From(Report(HealthStatus.Healthy, HealthStatus.Healthy), [consumed]).Status);
        Assert.Equal("Degraded", HealthSummary.From(Report(HealthStatus.Healthy, HealthStatus.Healthy), [unconsumed]).Status);
        Assert.Equal("Unhealthy", HealthSummary.From(Report(HealthStatus.Unhealthy, HealthStatus.Healthy), [consumed]).Status);

        var summary = HealthSummary.From(Report(HealthStatus.Healthy, HealthStatus.Unhealthy), [unconsumed]);
        Assert.Equal("Unhealthy", summary.Status);
        Assert.Equal("Healthy", summary.Checks.Rabbitmq!.Status);
        Assert.Equal("Unhealthy", summary.Checks.Postgres!.Status);
        Assert.Equal(new QueueHealth(0, 3, 0), summary.Checks.Queues["email"]);
    }

    private static HealthReport Report(HealthStatus rabbit, HealthStatus postgres) =>
        new(new Dictionary<string, HealthReportEntry>
        {
            [HealthSummary.RabbitMqCheck] = new(rabbit, null, TimeSpan.FromMilliseconds(1), null, null),
            [HealthSummary.PostgresCheck] = new(postgres, null, TimeSpan.FromMilliseconds(1), null, null),
        }, TimeSpan.FromMilliseconds(2));
}
