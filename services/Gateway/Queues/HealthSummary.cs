using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Bus.Gateway.Queues;

public sealed record CheckSummary(string Status, double DurationMs, string? Description);

public sealed record QueueHealth(int? Consumers, long? Waiting, long? ErrorQueueDepth);

public sealed record HealthChecks(CheckSummary? Rabbitmq, CheckSummary? Postgres, CheckSummary? Redis, IReadOnlyDictionary<string, QueueHealth> Queues);

public sealed record HealthSummary(string Status, HealthChecks Checks)
{
    /// <summary>MassTransit's bus check: it holds the AMQP connection, so it speaks for RabbitMQ.</summary>
    public const string RabbitMqCheck = "masstransit-bus";
    public const string PostgresCheck = "postgres";
    public const string RedisCheck = "redis";

    /// <summary>
    /// The worst of the registered checks; a task queue with no consumer (unless paused on purpose) or a management API that does not answer
    /// degrades an otherwise healthy system (work would wait, or we cannot tell), but never makes it unhealthy.
    /// </summary>
    public static HealthSummary From(HealthReport report, IReadOnlyList<QueueStats> queues)
    {
        var status = report.Status;
        if (status == HealthStatus.Healthy && queues.Any(q => !q.BrokerReachable || (q.Consumers == 0 && !q.Paused)))
            status = HealthStatus.Degraded;

        return new HealthSummary(status.ToString(), new HealthChecks(
            Summary(report, RabbitMqCheck),
            Summary(report, PostgresCheck),
            Summary(report, RedisCheck),
            queues.ToDictionary(q => q.Name, q => new QueueHealth(q.Consumers, q.Waiting, q.ErrorQueueDepth))));
    }

    private static CheckSummary? Summary(HealthReport report, string name) =>
        report.Entries.TryGetValue(name, out var entry)
            ? new CheckSummary(entry.Status.ToString(), Math.Round(entry.Duration.TotalMilliseconds, 1), entry.Description)
            : null;
}
