using Bus.Gateway.Tasks;
using MassTransit;
using MassTransit.Saga;

namespace Bus.UnitTests.Tasks;

/// <summary>
/// Answers the saga's look-ups (idempotency keys, children, a parent's cancellation) from the test harness's in-memory
/// saga repository, for tests that run the real <see cref="TaskStateMachine"/> without PostgreSQL.
/// </summary>
public sealed class InMemoryTaskLookup(IQuerySagaRepository<TaskState> repository) : ITaskLookup
{
    public async Task<Guid?> FindByIdempotencyKeyAsync(string type, string idempotencyKey, CancellationToken cancellationToken)
    {
        var ids = await repository.Find(new SagaQuery<TaskState>(s => s.Type == type && s.IdempotencyKey == idempotencyKey));
        return ids.Select(id => (Guid?)id).FirstOrDefault();
    }

    public async Task<IReadOnlyList<Guid>> FindPendingChildrenAsync(Guid parentTaskId, CancellationToken cancellationToken) =>
        [.. await repository.Find(new SagaQuery<TaskState>(s => s.ParentTaskId == parentTaskId && (s.CurrentState == "Scheduled" || s.CurrentState == "Queued" || s.CurrentState == "Running")))];

    // No lock to take in memory: the harness's tests send one message after another.
    public async Task<bool> IsCancelledOrCancellingAsync(Guid taskId, CancellationToken cancellationToken) =>
        (await repository.Find(new SagaQuery<TaskState>(s => s.CorrelationId == taskId && (s.CurrentState == "Cancelled" || s.CancelRequestedAt != null)))).Any();
}
