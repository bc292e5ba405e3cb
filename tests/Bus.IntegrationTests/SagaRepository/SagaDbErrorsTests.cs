using Bus.Gateway.Persistence.Sagas;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace Bus.IntegrationTests.SagaRepository;

public sealed class SagaDbErrorsTests
{
    [Theory]
    [InlineData(PostgresErrorCodes.UniqueViolation)]
    [InlineData(PostgresErrorCodes.SerializationFailure)]
    [InlineData(PostgresErrorCodes.DeadlockDetected)]
    public void Retryable_postgres_errors_are_transient_however_they_are_wrapped(string sqlState)
    {
        var postgres = Postgres(sqlState);

        Assert.True(SagaDbErrors.IsTransient(postgres));
        Assert.True(SagaDbErrors.IsTransient(new DbUpdateException("save failed", postgres)));
        Assert.True(SagaDbErrors.IsTransient(new InvalidOperationException("execution strategy", new DbUpdateException("save failed", postgres))));
        Assert.True(SagaDbErrors.IsTransient(new AggregateException(new TimeoutException(), new DbUpdateException("save failed", postgres))));
    }

    [Theory]
    [InlineData(PostgresErrorCodes.ForeignKeyViolation)]
    [InlineData(PostgresErrorCodes.NotNullViolation)]
    [InlineData(PostgresErrorCodes.UndefinedTable)]
    [InlineData(PostgresErrorCodes.QueryCanceled)]
    public void Other_postgres_errors_are_not_transient(string sqlState)
    {
        Assert.False(SagaDbErrors.IsTransient(Postgres(sqlState)));
        Assert.False(SagaDbErrors.IsTransient(new DbUpdateException("save failed", Postgres(sqlState))));
    }

    [Fact]
    public void Errors_without_a_postgres_cause_are_not_transient()
    {
        Assert.False(SagaDbErrors.IsTransient(null));
        Assert.False(SagaDbErrors.IsTransient(new InvalidOperationException("boom")));
        Assert.False(SagaDbErrors.IsTransient(new DbUpdateException("save failed", new TimeoutException())));
        Assert.False(SagaDbErrors.IsTransient(new NpgsqlException("connection reset")));
    }

    private static PostgresException Postgres(string sqlState) => new("message", "ERROR", "ERROR", sqlState);
}
