using Bus.Gateway.Persistence;
using Bus.ServiceDefaults.Messaging;
using Bus.ServiceDefaults.Options;
using Bus.ServiceDefaults.QueueControl;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Bus.Gateway.Queues;

/// <summary>Task queues as the broker and the task store see them. The broker is optional here; PostgreSQL is not.</summary>
public sealed class QueueStatsService(TaskDbContext db, RabbitMqManagementClient broker, IOptions<PostgresOptions> postgres, ILogger<QueueStatsService> logger)
{
    public static bool IsTaskQueue(string name) => TaskRoutes.All.Any(r => r.Queue == name);

    public static IReadOnlyList<string> TaskQueues => [.. TaskRoutes.All.Select(r => r.Queue).Distinct()];

    public async Task<IReadOnlyList<QueueStats>> GetAsync(IReadOnlyList<string> queues, CancellationToken cancellationToken)
    {
        var brokerSide = Task.WhenAll(queues.Select(queue => GetBrokerSideAsync(queue, cancellationToken)));
        var rows = await db.Tasks.AsNoTracking()
            .Where(t => queues.Contains(t.Queue))
            .GroupBy(t => new { t.Queue, t.CurrentState })
            .Select(g => new { g.Key.Queue, g.Key.CurrentState, Count = g.Count() })
            .ToListAsync(cancellationToken);
        var paused = await QueuePauses.GetPausedAsync(postgres.Value.ConnectionString, cancellationToken);
        var broker = await brokerSide;

        return [.. queues.Select((queue, i) => QueueStats.From(queue, broker[i].Queue, broker[i].ErrorQueue,
            StatusCounts.From(rows.Where(r => r.Queue == queue).Select(r => KeyValuePair.Create(r.CurrentState, r.Count))))
            with { Paused = paused.ContainsKey(queue) })];
    }

    private async Task<(BrokerQueue? Queue, BrokerQueue? ErrorQueue)> GetBrokerSideAsync(string queue, CancellationToken cancellationToken)
    {
        try
        {
            var main = broker.GetQueueAsync(queue, cancellationToken);
            var error = broker.GetQueueAsync($"{queue}_error", cancellationToken);
            var both = await Task.WhenAll(main, error);
            return (both[0], both[1]);
        }
        catch (BrokerUnreachableException exception)
        {
            logger.LogWarning(exception, "RabbitMQ management API unreachable; queue {Queue} reported without broker numbers", queue);
            return (null, null);
        }
    }
}
