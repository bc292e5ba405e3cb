namespace Bus.Gateway.Queues;

/// <summary>
/// One task queue: the broker's view (null with <see cref="BrokerReachable"/> false when the management API does not
/// answer) beside the task store's counts by status.
/// </summary>
public sealed record QueueStats(
    string Name,
    bool BrokerReachable,
    bool? Declared,
    long? Waiting,
    long? Active,
    int? Consumers,
    long? ErrorQueueDepth,
    QueueRates? Rates,
    int Scheduled,
    int Queued,
    int Running,
    int Completed,
    int Failed,
    int Cancelled)
{
    /// <summary>An operator paused the queue (<c>POST /admin/queues/{name}/pause</c>): no replica consumes it.</summary>
    public bool Paused { get; init; }

    public static QueueStats From(string name, BrokerQueue? queue, BrokerQueue? errorQueue, StatusCounts counts) =>
        queue is null || errorQueue is null
            ? new(name, false, null, null, null, null, null, null,
                counts.Scheduled, counts.Queued, counts.Running, counts.Completed, counts.Failed, counts.Cancelled)
            : new(name, true, queue.Declared, queue.Ready, queue.Unacknowledged, queue.Consumers, errorQueue.Ready, queue.Rates,
                counts.Scheduled, counts.Queued, counts.Running, counts.Completed, counts.Failed, counts.Cancelled);
}

/// <summary>Tasks by <c>status</c>; statuses other than the six known ones count only in <see cref="Total"/>.</summary>
public sealed record StatusCounts(int Scheduled, int Queued, int Running, int Completed, int Failed, int Cancelled, int Total)
{
    public static readonly StatusCounts None = new(0, 0, 0, 0, 0, 0, 0);

    public static StatusCounts From(IEnumerable<KeyValuePair<string, int>> byStatus)
    {
        var counts = byStatus.GroupBy(c => c.Key).ToDictionary(g => g.Key, g => g.Sum(c => c.Value));
        int Of(string status) => counts.GetValueOrDefault(status);
        return new(Of("Scheduled"), Of("Queued"), Of("Running"), Of("Completed"), Of("Failed"), Of("Cancelled"), counts.Values.Sum());
    }
}
