using Npgsql;

namespace Bus.Gateway.Persistence.Sagas;

/// <summary>Classifies the database errors a saga message may simply be retried after.</summary>
public static class SagaDbErrors
{
    /// <summary>
    /// True when <paramref name="exception"/> or any exception it wraps (DbUpdateException, EF's
    /// InvalidOperationException, AggregateException) is a PostgreSQL unique violation (23505, the
    /// first-event race), serialization failure (40001) or deadlock (40P01).
    /// </summary>
    public static bool IsTransient(Exception? exception)
    {
        for (var current = exception; current is not null; current = current.InnerException)
        {
            if (current is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation or PostgresErrorCodes.SerializationFailure or PostgresErrorCodes.DeadlockDetected })
                return true;

            if (current is AggregateException aggregate && aggregate.InnerExceptions.Count > 1)
                return aggregate.InnerExceptions.Any(IsTransient);
        }

        return false;
    }

    internal static bool IsUniqueViolation(Exception exception)
    {
        for (var current = exception; current is not null; current = current.InnerException)
        {
            if (current is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation })
                return true;
        }

        return false;
    }
}
