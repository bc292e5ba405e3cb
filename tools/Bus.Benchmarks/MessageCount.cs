namespace Bus.Benchmarks;

/// <summary>
/// Where the messages of a scenario went: deliveries per task on each queue of the system's virtual host (task-state
/// deliveries are saga transactions). RabbitMQ's management counters lag by a few seconds, so the reading waits until
/// they stop moving.
/// </summary>
public sealed class MessageCount(string vhost)
{
    private IReadOnlyDictionary<string, long> _before = new Dictionary<string, long>();

    public async Task StartAsync() => _before = await SettledAsync();

    public async Task<IReadOnlyDictionary<string, double>> PerTaskAsync(int tasks)
    {
        var after = await SettledAsync();
        var perTask = new SortedDictionary<string, double>(StringComparer.Ordinal);
        foreach (var (queue, count) in after)
        {
            var delta = count - _before.GetValueOrDefault(queue);
            // MassTransit's temporary queues (one per bus instance) carry request responses: the claim's, the HTTP submit's.
            var name = queue.Contains("_bus_", StringComparison.Ordinal) ? "responses" : queue;
            if (delta > 0 && tasks > 0)
                perTask[$"{name} deliveries per task"] = Math.Round(perTask.GetValueOrDefault($"{name} deliveries per task") + (double)delta / tasks, 2);
        }
        perTask["messages per task"] = Math.Round(perTask.Values.Sum(), 2);
        return perTask;
    }

    private async Task<IReadOnlyDictionary<string, long>> SettledAsync()
    {
        var last = await BenchEnvironment.DeliveriesByQueueAsync(vhost);
        for (var i = 0; i < 20; i++)
        {
            await Task.Delay(TimeSpan.FromSeconds(1));
            var now = await BenchEnvironment.DeliveriesByQueueAsync(vhost);
            if (now.Count == last.Count && now.All(q => last.GetValueOrDefault(q.Key, -1) == q.Value))
                return now;
            last = now;
        }
        return last;
    }
}
