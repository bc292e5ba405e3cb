using MassTransit;
using MassTransit.Configuration;
using MassTransit.Saga;
using Microsoft.EntityFrameworkCore;

namespace Bus.Gateway.Persistence.Sagas;

public static class PostgresSagaRepositoryRegistrationExtensions
{
    /// <summary>
    /// Stores <typeparamref name="TSaga"/> in PostgreSQL through <typeparamref name="TContext"/> (register that
    /// DbContext yourself, AddDbContext or AddDbContextPool, with a pool of at least the endpoint's
    /// ConcurrentMessageLimit). Without this call MassTransit silently keeps sagas in memory.
    /// Retry the saga endpoint on <see cref="SagaDbErrors.IsTransient"/>.
    /// </summary>
    public static ISagaRegistrationConfigurator<TSaga> UsePostgresRepository<TSaga, TContext>(this ISagaRegistrationConfigurator<TSaga> configurator)
        where TSaga : class, SagaStateMachineInstance
        where TContext : DbContext =>
        configurator.Repository(r =>
        {
            r.RegisterSagaRepository<TSaga, DbContext, SagaConsumeContextFactory<DbContext, TSaga>, PostgresSagaRepositoryContextFactory<TSaga, TContext>>();
            r.RegisterQuerySagaRepository<TSaga, PostgresSagaRepositoryContextFactory<TSaga, TContext>>();
            r.RegisterLoadSagaRepository<TSaga, PostgresSagaRepositoryContextFactory<TSaga, TContext>>();
        });
}
