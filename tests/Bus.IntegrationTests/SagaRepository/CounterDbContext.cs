using System.Collections.Concurrent;
using System.Data.Common;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Npgsql;

namespace Bus.IntegrationTests.SagaRepository;

/// <summary>
/// A schema, table and column names unlike the defaults, so a repository that guessed names instead of
/// reading them from the EF model would fail.
/// </summary>
public sealed class CounterDbContext(DbContextOptions<CounterDbContext> options) : DbContext(options)
{
    public const string LabelConstraint = "uq_counter_label";

    public DbSet<CounterState> Counters => Set<CounterState>();

    protected override void OnModelCreating(ModelBuilder modelBuilder) =>
        modelBuilder.Entity<CounterState>(e =>
        {
            e.ToTable("counter_saga", "sagas");
            e.HasKey(x => x.CorrelationId).HasName("pk_counter_saga");
            e.Property(x => x.CorrelationId).HasColumnName("counter_id");
            e.Property(x => x.CurrentState).HasColumnName("current_state").HasMaxLength(64);
            e.Property(x => x.Key).HasColumnName("lookup_key").HasMaxLength(200);
            e.Property(x => x.Count).HasColumnName("hits");
            e.Property(x => x.Label).HasColumnName("label").HasMaxLength(200);
            e.HasIndex(x => x.Key);
        });

    /// <summary>Checked only at COMMIT, so a duplicate label makes the commit itself fail.</summary>
    public Task AddDeferredLabelConstraintAsync() =>
        Database.ExecuteSqlRawAsync(
            $"ALTER TABLE sagas.counter_saga ADD CONSTRAINT {LabelConstraint} UNIQUE (label) DEFERRABLE INITIALLY DEFERRED");
}

/// <summary>Records what reached the database: the saga ids INSERTed, the unique violations raised, how many transactions overlapped.</summary>
public sealed class DbActivity : DbCommandInterceptor, IDbTransactionInterceptor
{
    private int _uniqueViolations;
    private int _openTransactions;
    private int _mostOpenTransactions;

    public int MostOpenTransactions => Volatile.Read(ref _mostOpenTransactions);

    public ConcurrentBag<Guid> InsertedIds { get; } = [];

    public int UniqueViolations => Volatile.Read(ref _uniqueViolations);

    public override ValueTask<InterceptionResult<DbDataReader>> ReaderExecutingAsync(DbCommand command, CommandEventData eventData,
        InterceptionResult<DbDataReader> result, CancellationToken cancellationToken = default)
    {
        RecordInsert(command);
        return base.ReaderExecutingAsync(command, eventData, result, cancellationToken);
    }

    public override ValueTask<InterceptionResult<int>> NonQueryExecutingAsync(DbCommand command, CommandEventData eventData,
        InterceptionResult<int> result, CancellationToken cancellationToken = default)
    {
        RecordInsert(command);
        return base.NonQueryExecutingAsync(command, eventData, result, cancellationToken);
    }

    public override Task CommandFailedAsync(DbCommand command, CommandErrorEventData eventData, CancellationToken cancellationToken = default)
    {
        if (eventData.Exception is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation })
            Interlocked.Increment(ref _uniqueViolations);
        return base.CommandFailedAsync(command, eventData, cancellationToken);
    }

    public ValueTask<DbTransaction> TransactionStartedAsync(DbConnection connection, TransactionEndEventData eventData, DbTransaction result,
        CancellationToken cancellationToken = default)
    {
        var open = Interlocked.Increment(ref _openTransactions);
        for (var most = MostOpenTransactions; open > most; most = MostOpenTransactions)
            Interlocked.CompareExchange(ref _mostOpenTransactions, open, most);
        return ValueTask.FromResult(result);
    }

    public Task TransactionCommittedAsync(DbTransaction transaction, TransactionEndEventData eventData, CancellationToken cancellationToken = default) =>
        Ended();

    public Task TransactionRolledBackAsync(DbTransaction transaction, TransactionEndEventData eventData, CancellationToken cancellationToken = default) =>
        Ended();

    public Task TransactionFailedAsync(DbTransaction transaction, TransactionErrorEventData eventData, CancellationToken cancellationToken = default) =>
        eventData.Action == "Commit" ? Ended() : Task.CompletedTask;

    private Task Ended()
    {
        Interlocked.Decrement(ref _openTransactions);
        return Task.CompletedTask;
    }

    private void RecordInsert(DbCommand command)
    {
        if (!command.CommandText.Contains("INSERT INTO", StringComparison.OrdinalIgnoreCase))
            return;

        foreach (DbParameter parameter in command.Parameters)
        {
            if (parameter.Value is Guid id)
                InsertedIds.Add(id);
        }
    }
}
