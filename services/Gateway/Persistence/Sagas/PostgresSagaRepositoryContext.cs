using MassTransit;
using MassTransit.Context;
using MassTransit.Logging;
using MassTransit.Middleware;
using MassTransit.Saga;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Npgsql;

namespace Bus.Gateway.Persistence.Sagas;

/// <summary>
/// One message's view of the saga table, inside the transaction the factory opened: rows are read
/// with <c>FOR UPDATE</c>, so the instance stays locked until that transaction ends.
/// </summary>
internal sealed class PostgresSagaRepositoryContext<TSaga, TMessage> :
    ConsumeContextScope<TMessage>, SagaRepositoryContext<TSaga, TMessage>, IDisposable
    where TSaga : class, ISaga
    where TMessage : class
{
    private const string InsertSavepoint = "saga_insert";

    private readonly DbContext _dbContext;
    private readonly IDbContextTransaction _transaction;
    private readonly ConsumeContext<TMessage> _consumeContext;
    private readonly ISagaConsumeContextFactory<DbContext, TSaga> _consumeContextFactory;
    private readonly SagaTableStatements<TSaga> _statements;

    // A DbContext must not be used concurrently; the saga pipeline normally calls us one at a time.
    private readonly SemaphoreSlim _inUse = new(1, 1);

    public PostgresSagaRepositoryContext(
        DbContext dbContext,
        IDbContextTransaction transaction,
        ConsumeContext<TMessage> consumeContext,
        ISagaConsumeContextFactory<DbContext, TSaga> consumeContextFactory,
        SagaTableStatements<TSaga> statements)
        : base(consumeContext, dbContext)
    {
        _dbContext = dbContext;
        _transaction = transaction;
        _consumeContext = consumeContext;
        _consumeContextFactory = consumeContextFactory;
        _statements = statements;
    }

    public Task<SagaConsumeContext<TSaga, TMessage>> Add(TSaga instance) =>
        _consumeContextFactory.CreateSagaConsumeContext(_dbContext, _consumeContext, instance, SagaConsumeContextMode.Add);

    public async Task<SagaConsumeContext<TSaga, TMessage>?> Insert(TSaga instance)
    {
        await _inUse.WaitAsync(CancellationToken);
        try
        {
            // A failed statement aborts a PostgreSQL transaction; the savepoint keeps it usable when
            // another message inserted this saga first, so we can go on to lock and load its row.
            await _transaction.CreateSavepointAsync(InsertSavepoint, CancellationToken);

            var entry = _dbContext.Set<TSaga>().Add(instance);
            try
            {
                await _dbContext.SaveChangesAsync(CancellationToken);
            }
            catch (DbUpdateException exception) when (IsPrimaryKeyConflict(exception))
            {
                entry.State = EntityState.Detached;
                await _transaction.RollbackToSavepointAsync(InsertSavepoint, CancellationToken);
                _consumeContext.LogInsertFault<TSaga, TMessage>(exception, instance.CorrelationId);
                return null;
            }
            catch
            {
                entry.State = EntityState.Detached;
                throw;
            }
        }
        finally
        {
            _inUse.Release();
        }

        _consumeContext.LogInsert<TSaga, TMessage>(instance.CorrelationId);
        return await _consumeContextFactory.CreateSagaConsumeContext(_dbContext, _consumeContext, instance, SagaConsumeContextMode.Insert);
    }

    public async Task<SagaConsumeContext<TSaga, TMessage>?> Load(Guid correlationId)
    {
        TSaga? instance;
        await _inUse.WaitAsync(CancellationToken);
        try
        {
            instance = await LockAsync(correlationId);
        }
        finally
        {
            _inUse.Release();
        }

        return instance is null
            ? null
            : await _consumeContextFactory.CreateSagaConsumeContext(_dbContext, _consumeContext, instance, SagaConsumeContextMode.Load);
    }

    public async Task Save(SagaConsumeContext<TSaga> context)
    {
        await _inUse.WaitAsync(CancellationToken);
        try
        {
            // No savepoint: on a duplicate key the behaviour already ran against a new instance, so
            // the whole message must be retried (SagaDbErrors.IsTransient) to run against the winner's row.
            _dbContext.Set<TSaga>().Add(context.Saga);
            await _dbContext.SaveChangesAsync(CancellationToken);
        }
        finally
        {
            _inUse.Release();
        }
    }

    public async Task Update(SagaConsumeContext<TSaga> context)
    {
        await _inUse.WaitAsync(CancellationToken);
        try
        {
            await _dbContext.SaveChangesAsync(CancellationToken);
        }
        finally
        {
            _inUse.Release();
        }
    }

    public async Task Delete(SagaConsumeContext<TSaga> context)
    {
        await _inUse.WaitAsync(CancellationToken);
        try
        {
            _dbContext.Set<TSaga>().Remove(context.Saga);
            await _dbContext.SaveChangesAsync(CancellationToken);
        }
        finally
        {
            _inUse.Release();
        }
    }

    public Task Discard(SagaConsumeContext<TSaga> context)
    {
        Forget(context.Saga);
        return Task.CompletedTask;
    }

    public Task Undo(SagaConsumeContext<TSaga> context)
    {
        Forget(context.Saga);
        return Task.CompletedTask;
    }

    public Task<SagaConsumeContext<TSaga, T>> CreateSagaConsumeContext<T>(ConsumeContext<T> context, TSaga instance, SagaConsumeContextMode mode)
        where T : class =>
        _consumeContextFactory.CreateSagaConsumeContext(_dbContext, context, instance, mode);

    /// <summary>Locks every row among <paramref name="correlationIds"/> that still matches <paramref name="query"/>.</summary>
    public async Task<List<TSaga>> LockAsync(IReadOnlyCollection<Guid> correlationIds, ISagaQuery<TSaga> query)
    {
        if (correlationIds.Count == 0)
            return [];

        // The inner statement locks the candidates in key order; the filter is re-applied outside it
        // because a row may have changed between the unlocked search and the lock.
        return await _dbContext.Set<TSaga>()
            .FromSqlRaw(_statements.LockMany, [correlationIds.ToArray()])
            .AsTracking()
            .Where(query.FilterExpression)
            .ToListAsync(CancellationToken);
    }

    public void Dispose() => _inUse.Dispose();

    private async Task<TSaga?> LockAsync(Guid correlationId)
    {
        var rows = await _dbContext.Set<TSaga>()
            .FromSqlRaw(_statements.LockOne, correlationId)
            .AsTracking()
            .ToListAsync(CancellationToken);

        return rows.Count switch
        {
            0 => null,
            1 => rows[0],
            _ => throw new InvalidOperationException($"{rows.Count} rows of {typeof(TSaga).Name} have CorrelationId {correlationId}."),
        };
    }

    private bool IsPrimaryKeyConflict(DbUpdateException exception) =>
        SagaDbErrors.IsUniqueViolation(exception)
        && (_statements.PrimaryKeyName is null
            || exception.InnerException is not PostgresException { ConstraintName: { } constraint }
            || constraint == _statements.PrimaryKeyName);

    private void Forget(TSaga saga) => _dbContext.Entry(saga).State = EntityState.Detached;
}
