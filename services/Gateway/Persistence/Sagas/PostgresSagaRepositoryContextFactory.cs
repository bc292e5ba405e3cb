using System.Data;
using MassTransit;
using MassTransit.Saga;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;

namespace Bus.Gateway.Persistence.Sagas;

/// <summary>
/// MassTransit saga repository over an EF Core (Npgsql) <typeparamref name="TContext"/>: one ReadCommitted
/// transaction per message, the instance's row locked with <c>SELECT … FOR UPDATE</c> until commit.
/// Registered scoped (see <see cref="PostgresSagaRepositoryRegistrationExtensions"/>), so each message gets its own DbContext.
/// </summary>
public sealed class PostgresSagaRepositoryContextFactory<TSaga, TContext>(
    TContext dbContext,
    ISagaConsumeContextFactory<DbContext, TSaga> consumeContextFactory)
    : ISagaRepositoryContextFactory<TSaga>, IQuerySagaRepositoryContextFactory<TSaga>, ILoadSagaRepositoryContextFactory<TSaga>
    where TSaga : class, ISaga
    where TContext : DbContext
{
    public async Task Send<T>(ConsumeContext<T> context, IPipe<SagaRepositoryContext<TSaga, T>> next)
        where T : class
    {
        var statements = SagaTableStatements<TSaga>.For(dbContext);

        await InTransactionAsync(async transaction =>
        {
            using var repositoryContext = new PostgresSagaRepositoryContext<TSaga, T>(dbContext, transaction, context, consumeContextFactory, statements);
            await next.Send(repositoryContext);
        }, context.CancellationToken);
    }

    public async Task SendQuery<T>(ConsumeContext<T> context, ISagaQuery<TSaga> query, IPipe<SagaRepositoryQueryContext<TSaga, T>> next)
        where T : class
    {
        var statements = SagaTableStatements<TSaga>.For(dbContext);

        await InTransactionAsync(async transaction =>
        {
            using var repositoryContext = new PostgresSagaRepositoryContext<TSaga, T>(dbContext, transaction, context, consumeContextFactory, statements);

            var candidates = await dbContext.Set<TSaga>()
                .AsNoTracking()
                .Where(query.FilterExpression)
                .Select(x => x.CorrelationId)
                .ToListAsync(context.CancellationToken);

            var instances = await repositoryContext.LockAsync(candidates, query);

            await next.Send(new LoadedSagaRepositoryQueryContext<TSaga, T>(repositoryContext, instances));
        }, context.CancellationToken);
    }

    public Task<T> Execute<T>(Func<LoadSagaRepositoryContext<TSaga>, Task<T>> asyncMethod, CancellationToken cancellationToken = default)
        where T : class =>
        asyncMethod(new PostgresSagaQueryContext<TSaga>(dbContext, cancellationToken));

    public Task<T> Execute<T>(Func<QuerySagaRepositoryContext<TSaga>, Task<T>> asyncMethod, CancellationToken cancellationToken = default)
        where T : class =>
        asyncMethod(new PostgresSagaQueryContext<TSaga>(dbContext, cancellationToken));

    public void Probe(ProbeContext context)
    {
        context.Add("persistence", "postgresql");
        context.Add("dbContext", typeof(TContext).Name);
    }

    private async Task InTransactionAsync(Func<IDbContextTransaction, Task> work, CancellationToken cancellationToken)
    {
        var database = dbContext.Database;

        // The scope may be reused (a retry inside an outer message scope): start from a clean slate.
        dbContext.ChangeTracker.Clear();

        // The repository places its own savepoint around the only statement whose failure it recovers from.
        var autoSavepoints = database.AutoSavepointsEnabled;
        database.AutoSavepointsEnabled = false;
        try
        {
            await using var transaction = await database.BeginTransactionAsync(IsolationLevel.ReadCommitted, cancellationToken);
            try
            {
                await work(transaction);
            }
            catch
            {
                await RollbackQuietlyAsync(transaction);
                throw;
            }

            // Outside the catch on purpose: a failed COMMIT has already ended the transaction, and a
            // rollback there would throw and hide the database's error.
            await transaction.CommitAsync(cancellationToken);
        }
        finally
        {
            database.AutoSavepointsEnabled = autoSavepoints;
        }
    }

    private static async Task RollbackQuietlyAsync(IDbContextTransaction transaction)
    {
        try
        {
            await transaction.RollbackAsync(CancellationToken.None);
        }
        catch (Exception)
        {
            // The original failure is the one worth reporting; a broken connection rolls back by itself.
        }
    }
}
