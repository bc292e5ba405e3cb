using Bus.Gateway.Persistence;
using Bus.ServiceDefaults.Persistence;
using Microsoft.EntityFrameworkCore;

namespace Bus.Gateway.Tasks;

/// <summary>Reads the saga's own table from inside a saga transition (the same scoped DbContext and transaction).</summary>
public interface ITaskLookup
{
    Task<Guid?> FindByIdempotencyKeyAsync(string type, string idempotencyKey, CancellationToken cancellationToken);

    /// <summary>The children of a task that have not finished yet (Scheduled, Queued or Running).</summary>
    Task<IReadOnlyList<Guid>> FindPendingChildrenAsync(Guid parentTaskId, CancellationToken cancellationToken);

    /// <summary>
    /// Whether the task is Cancelled or was asked to stop (false for an unknown task). Its row stays locked
    /// (<c>FOR SHARE</c>) until the caller's transaction ends, so that task's saga can't change it meanwhile.
    /// </summary>
    Task<bool> IsCancelledOrCancellingAsync(Guid taskId, CancellationToken cancellationToken);
}

public sealed class TaskLookup(TaskDbContext db) : ITaskLookup
{
    public async Task<Guid?> FindByIdempotencyKeyAsync(string type, string idempotencyKey, CancellationToken cancellationToken) =>
        await db.Tasks.AsNoTracking()
            .Where(t => t.Type == type && t.IdempotencyKey == idempotencyKey)
            .Select(t => (Guid?)t.CorrelationId)
            .FirstOrDefaultAsync(cancellationToken);

    public async Task<IReadOnlyList<Guid>> FindPendingChildrenAsync(Guid parentTaskId, CancellationToken cancellationToken) =>
        await db.Tasks.AsNoTracking()
            .Where(t => t.ParentTaskId == parentTaskId && PendingStates.Contains(t.CurrentState))
            .Select(t => t.CorrelationId)
            .ToListAsync(cancellationToken);

    public async Task<bool> IsCancelledOrCancellingAsync(Guid taskId, CancellationToken cancellationToken) =>
        await db.Tasks
            .FromSqlRaw($"SELECT * FROM {TaskTable.QualifiedName} WHERE {TaskTable.Columns.Id} = {{0}} FOR SHARE", taskId)
            .AsNoTracking()
            .Select(t => t.CurrentState == CancelledState || t.CancelRequestedAt != null)
            .FirstOrDefaultAsync(cancellationToken);

    private const string CancelledState = nameof(TaskStateMachine.Cancelled);

    private static readonly string[] PendingStates = ["Scheduled", "Queued", "Running"];
}
