using System.Text.Json;

namespace Bus.Gateway.Tasks;

/// <summary>The attempt timeline kept on a task as a JSON array, bounded so a task retried forever stays small.</summary>
public static class AttemptLog
{
    public const int MaxEntries = 50;

    public static IReadOnlyList<TaskAttempt> Read(string? json) =>
        json is null ? [] : JsonSerializer.Deserialize<List<TaskAttempt>>(json, JsonSerializerOptions.Web) ?? [];

    public static string Append(string? json, TaskAttempt attempt) =>
        Write([.. Read(json).TakeLast(MaxEntries - 1), attempt]);

    /// <summary>Marks the newest attempt still running as failed; a failure that arrives first gets an entry of its own.</summary>
    public static string RecordFailure(string? json, DateTime failedAt, string errorType, string error)
    {
        var attempts = Read(json).ToList();
        var index = attempts.FindLastIndex(a => a.FailedAt is null);
        if (index < 0)
            return Write([.. attempts.TakeLast(MaxEntries - 1), new TaskAttempt(0, failedAt, failedAt, errorType, error)]);
        attempts[index] = attempts[index] with { FailedAt = failedAt, ErrorType = errorType, Error = error };
        return Write(attempts);
    }

    private static string Write(List<TaskAttempt> attempts) => JsonSerializer.Serialize(attempts, JsonSerializerOptions.Web);
}
