using System.Diagnostics;
using Bus.Gateway.Persistence.Sagas;
using MassTransit;
using MassTransit.Saga;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Xunit.Abstractions;

namespace Bus.IntegrationTests.SagaRepository;

public sealed class PostgresSagaRepositoryTests(SagaDatabaseFixture database, ITestOutputHelper output) : IClassFixture<SagaDatabaseFixture>
{
    [Fact]
    public async Task UsePostgresRepository_replaces_the_in_memory_repository()
    {
        await using var provider = SagaTestHost.BuildServices(database.ConnectionString, output).BuildServiceProvider();
        await using var scope = provider.CreateAsyncScope();

        Assert.IsType<PostgresSagaRepositoryContextFactory<CounterState, CounterDbContext>>(
            scope.ServiceProvider.GetRequiredService<ISagaRepositoryContextFactory<CounterState>>());
        Assert.IsType<PostgresSagaRepositoryContextFactory<CounterState, CounterDbContext>>(
            scope.ServiceProvider.GetRequiredService<IQuerySagaRepositoryContextFactory<CounterState>>());
        Assert.IsType<PostgresSagaRepositoryContextFactory<CounterState, CounterDbContext>>(
            scope.ServiceProvider.GetRequiredService<ILoadSagaRepositoryContextFactory<CounterState>>());
    }

    [Fact]
    public async Task Saga_state_survives_a_restart_of_the_process()
    {
        var id = NewId.NextGuid();
        var key = $"restart-{id:N}";

        await using (var first = await SagaTestHost.StartAsync(database.ConnectionString, output))
        {
            await first.PublishAsync(new StartCounter(id, key));
            Assert.True(await first.WaitForAsync<StartCounter>(1));
            for (var i = 0; i < 3; i++)
                await first.PublishAsync(new IncrementCounter(id));
            Assert.True(await first.WaitForAsync<IncrementCounter>(3));
            Assert.Empty(first.Consumed.Faults);
        }

        await using var second = await SagaTestHost.StartAsync(database.ConnectionString, output);

        var loaded = await second.Services.GetRequiredService<ILoadSagaRepository<CounterState>>().Load(id);
        Assert.NotNull(loaded);
        Assert.Equal(("Active", 3, key), (loaded.CurrentState, loaded.Count, loaded.Key));

        var found = await second.Services.GetRequiredService<IQuerySagaRepository<CounterState>>()
            .Find(new SagaQuery<CounterState>(x => x.Key == key));
        Assert.Equal([id], found);

        await second.PublishAsync(new IncrementCounter(id));
        Assert.True(await second.WaitForAsync<IncrementCounter>(1));
        Assert.Empty(second.Consumed.Faults);
        Assert.Equal(4, (await database.FindAsync(id))?.Count);
    }

    [Fact]
    public async Task Without_UsePostgresRepository_MassTransit_silently_keeps_the_saga_in_memory()
    {
        // The control for the restart test: the fallback is real and leaves the table empty.
        var id = NewId.NextGuid();
        await using var host = await SagaTestHost.StartAsync(database.ConnectionString, output, usePostgres: false);

        await host.PublishAsync(new StartCounter(id, $"memory-{id:N}"));
        Assert.True(await host.WaitForAsync<StartCounter>(1));

        Assert.Empty(host.Consumed.Faults);
        Assert.Null(await database.FindAsync(id));
    }

    [Theory]
    [InlineData("AddDbContext")]
    [InlineData("AddDbContextPool")]
    public async Task Concurrent_events_for_one_saga_never_lose_an_update(string registration)
    {
        const int sagas = 20, eventsPerSaga = 30;
        var ids = Enumerable.Range(0, sagas).Select(_ => NewId.NextGuid()).ToArray();
        await using var host = await SagaTestHost.StartAsync(database.ConnectionString, output, pooledDbContext: registration == "AddDbContextPool");

        await Task.WhenAll(ids.Select(id => host.PublishAsync(new StartCounter(id, $"load-{id:N}"))));
        Assert.True(await host.WaitForAsync<StartCounter>(sagas));

        // Each saga's events back to back, so most in-flight messages contend for the same row.
        var stopwatch = Stopwatch.StartNew();
        await Task.WhenAll(ids.SelectMany(id => Enumerable.Repeat(id, eventsPerSaga)).Select(id => host.PublishAsync(new IncrementCounter(id))));
        var finished = await host.WaitForAsync<IncrementCounter>(sagas * eventsPerSaga, TimeSpan.FromSeconds(25));
        stopwatch.Stop();

        Assert.True(finished, $"only {host.Consumed.Finished<IncrementCounter>()} of {sagas * eventsPerSaga} events finished");
        Assert.Empty(host.Consumed.Faults);

        await using var db = database.CreateDbContext();
        var counts = await db.Counters.AsNoTracking().Where(x => ids.Contains(x.CorrelationId)).Select(x => x.Count).ToListAsync();
        Assert.Equal(sagas, counts.Count);
        Assert.All(counts, count => Assert.Equal(eventsPerSaga, count));

        output.WriteLine(
            $"{registration}: {sagas * eventsPerSaga} events for {sagas} sagas at ConcurrentMessageLimit {CounterStateMachineDefinition.ConcurrentMessages}: " +
            $"{stopwatch.Elapsed.TotalSeconds:F2} s, {sagas * eventsPerSaga / stopwatch.Elapsed.TotalSeconds:F0} events/s, " +
            $"{host.Probe.RetriedDeliveries} retried deliveries, at most {host.Db.MostOpenTransactions} transactions at once");
    }

    [Fact]
    public async Task Racing_first_events_with_InsertOnInitial_create_one_row_and_lose_nothing()
    {
        const int sagas = 5, racers = 20;
        var ids = Enumerable.Range(0, sagas).Select(_ => NewId.NextGuid()).ToArray();
        await using var host = await SagaTestHost.StartAsync(database.ConnectionString, output);

        await Task.WhenAll(Enumerable.Range(0, racers).SelectMany(_ => ids).Select(id => host.PublishAsync(new HitCounterPreInserted(id))));

        Assert.True(await host.WaitForAsync<HitCounterPreInserted>(sagas * racers));
        Assert.Empty(host.Consumed.Faults);
        await AssertOneRowEachCountingAsync(ids, racers);

        output.WriteLine($"{host.Db.UniqueViolations} inserts lost the race and went on to the winner's row; {host.Probe.RetriedDeliveries} retried deliveries");
        Assert.True(host.Db.UniqueViolations > 0, "no insert raced, so this run proved nothing about the race");
        // Losers roll back to the savepoint and load the winner's row: no message needs a retry.
        Assert.Equal(0, host.Probe.RetriedDeliveries);
    }

    [Fact]
    public async Task Racing_first_events_without_InsertOnInitial_create_one_row_and_lose_nothing()
    {
        const int sagas = 10, racers = 20;
        var ids = Enumerable.Range(0, sagas).Select(_ => NewId.NextGuid()).ToArray();
        await using var host = await SagaTestHost.StartAsync(database.ConnectionString, output);

        await Task.WhenAll(Enumerable.Range(0, racers).SelectMany(_ => ids).Select(id => host.PublishAsync(new HitCounter(id))));

        Assert.True(await host.WaitForAsync<HitCounter>(sagas * racers));
        Assert.Empty(host.Consumed.Faults);
        await AssertOneRowEachCountingAsync(ids, racers);

        // A loser's 23505 surfaces at INSERT; the retry policy (SagaDbErrors.IsTransient) re-runs it against the winner's row.
        output.WriteLine($"{host.Db.UniqueViolations} duplicate inserts, {host.Probe.RetriedDeliveries} retried deliveries");
        Assert.Equal(host.Db.UniqueViolations, host.Probe.RetriedDeliveries);
    }

    [Fact]
    public async Task A_finalized_saga_is_deleted()
    {
        var id = NewId.NextGuid();
        await using var host = await SagaTestHost.StartAsync(database.ConnectionString, output);

        await host.PublishAsync(new StartCounter(id, $"finish-{id:N}"));
        Assert.True(await host.WaitForAsync<StartCounter>(1));
        Assert.NotNull(await database.FindAsync(id));

        await host.PublishAsync(new FinishCounter(id));
        Assert.True(await host.WaitForAsync<FinishCounter>(1));

        Assert.Empty(host.Consumed.Faults);
        Assert.Null(await database.FindAsync(id));
    }

    [Fact]
    public async Task A_new_saga_that_finalizes_on_its_first_event_is_never_inserted()
    {
        var id = NewId.NextGuid();
        await using var host = await SagaTestHost.StartAsync(database.ConnectionString, output);

        await host.PublishAsync(new FlashCounter(id));
        Assert.True(await host.WaitForAsync<FlashCounter>(1));

        Assert.Empty(host.Consumed.Faults);
        Assert.Null(await database.FindAsync(id));
        Assert.DoesNotContain(id, host.Db.InsertedIds);

        // The interceptor does see this saga's inserts, so the line above can fail.
        var other = NewId.NextGuid();
        await host.PublishAsync(new StartCounter(other, $"flash-{other:N}"));
        Assert.True(await host.WaitForAsync<StartCounter>(1));
        Assert.Contains(other, host.Db.InsertedIds);
    }

    [Fact]
    public async Task A_query_correlated_event_updates_only_the_matching_saga()
    {
        var (alpha, beta) = (NewId.NextGuid(), NewId.NextGuid());
        var betaKey = $"beta-{beta:N}";
        await using var host = await SagaTestHost.StartAsync(database.ConnectionString, output);

        await host.PublishAsync(new StartCounter(alpha, $"alpha-{alpha:N}"));
        await host.PublishAsync(new StartCounter(beta, betaKey));
        Assert.True(await host.WaitForAsync<StartCounter>(2));

        const int events = 30;
        await Task.WhenAll(Enumerable.Range(0, events).Select(_ => host.PublishAsync(new IncrementCounterByKey(betaKey))));

        Assert.True(await host.WaitForAsync<IncrementCounterByKey>(events));
        Assert.Empty(host.Consumed.Faults);
        Assert.Equal(events, (await database.FindAsync(beta))?.Count);
        Assert.Equal(0, (await database.FindAsync(alpha))?.Count);
    }

    [Fact]
    public async Task A_failed_commit_faults_the_message_with_the_database_error_and_keeps_nothing()
    {
        var (first, second) = (NewId.NextGuid(), NewId.NextGuid());
        var label = $"label-{first:N}";
        await using var host = await SagaTestHost.StartAsync(database.ConnectionString, output);

        await host.PublishAsync(new StartCounter(first, $"commit-{first:N}"));
        await host.PublishAsync(new StartCounter(second, $"commit-{second:N}"));
        Assert.True(await host.WaitForAsync<StartCounter>(2));
        await host.PublishAsync(new LabelCounter(first, label));
        Assert.True(await host.WaitForAsync<LabelCounter>(1));

        // The label's unique constraint is deferred, so this duplicate fails at COMMIT, not at UPDATE.
        await host.PublishAsync(new LabelCounter(second, label));
        Assert.True(await host.WaitForAsync<LabelCounter>(2));

        var (messageType, exception) = Assert.Single(host.Consumed.Faults);
        Assert.Equal(typeof(LabelCounter), messageType);
        var postgres = Assert.IsType<PostgresException>(exception.GetBaseException());
        Assert.Equal((PostgresErrorCodes.UniqueViolation, CounterDbContext.LabelConstraint), (postgres.SqlState, postgres.ConstraintName));
        Assert.True(SagaDbErrors.IsTransient(exception));

        Assert.Equal(label, (await database.FindAsync(first))?.Label);
        Assert.Null((await database.FindAsync(second))?.Label);
    }

    private async Task AssertOneRowEachCountingAsync(Guid[] ids, int expected)
    {
        await using var db = database.CreateDbContext();
        var rows = await db.Counters.AsNoTracking().Where(x => ids.Contains(x.CorrelationId)).ToListAsync();
        Assert.Equal(ids.Length, rows.Count);
        Assert.All(rows, row => Assert.Equal(("Active", expected), (row.CurrentState, row.Count)));
    }
}
