using Bus.Contracts.Tasks;
using Bus.Gateway.Persistence;
using Bus.ServiceDefaults.Messaging;
using MassTransit;
using Microsoft.EntityFrameworkCore;

namespace Bus.Gateway.Admin;

public sealed record RetryFailedResult(string? TaskType, int Retried, int Skipped)
{
    public string? Queue { get; init; }
}

/// <summary>
/// Retries every Failed task (of one type and/or one queue, or all) through the task saga's own <see cref="RetryTask"/>, so the rules of
/// <c>POST /tasks/{id}/retry</c> apply to each: a task whose state changed meanwhile is skipped, not retried twice.
/// </summary>
public sealed class FailedTaskRetrier(TaskDbContext db, IRequestClient<RetryTask> client)
{
    private const int PageSize = 500;
    private const int Concurrency = 8;

    /// <exception cref="MassTransitException">The saga stopped answering; the tasks retried so far stay retried and a repeat is safe.</exception>
    public async Task<RetryFailedResult> RetryAsync(string? taskType, string? queue, CancellationToken cancellationToken)
    {
        int retried = 0, skipped = 0;
        var after = Guid.Empty;
        while (true)
        {
            // Keyset over the id: a retried task leaves Failed, so offsets would skip rows; ids never move.
            var ids = await db.Tasks.AsNoTracking()
                .Where(t => t.CurrentState == "Failed" && (taskType == null || t.Type == taskType) && (queue == null || t.Queue == queue) && t.CorrelationId.CompareTo(after) > 0)
                .OrderBy(t => t.CorrelationId)
                .Select(t => t.CorrelationId)
                .Take(PageSize)
                .ToListAsync(cancellationToken);
            if (ids.Count == 0)
                return new RetryFailedResult(taskType, retried, skipped) { Queue = queue };
            after = ids[^1];

            await Parallel.ForEachAsync(ids, new ParallelOptions { MaxDegreeOfParallelism = Concurrency, CancellationToken = cancellationToken }, async (id, token) =>
            {
                var response = await client.GetResponse<TaskRetried, TaskNotRetriable, TaskNotFound>(new RetryTask(id), TaskSagaRequests.NeverExpire, token);
                if (response.Is(out Response<TaskRetried>? _))
                    Interlocked.Increment(ref retried);
                else
                    Interlocked.Increment(ref skipped);
            });
        }
    }
}
