using System.Text.Json;
using Bus.Gateway.Tasks;
using Bus.Gateway.Tasks.Types;

namespace Bus.Gateway.Api;

/// <summary>The body of <c>POST /tasks</c>, read by hand so every bad field is named in the 400.</summary>
public sealed record SubmitTaskRequest(string Type, int Priority, JsonElement Data, string? IdempotencyKey, DateTime? RunAt, TimeSpan? Timeout = null)
{
    public const int MaxPriority = Bus.ServiceDefaults.Messaging.TaskPriority.Max;
    private const int MaxDepth = 64;
    private static readonly TimeSpan MaxDelay = TimeSpan.FromDays(366);

    private static readonly TimeSpan MinTimeout = TimeSpan.FromMilliseconds(100);

    private static readonly HashSet<string> Fields = ["type", "priority", "data", "idempotencyKey", "runAt", "delay", "timeout"];

    /// <summary>Parses the raw body; either a request or the errors by field, never an exception.</summary>
    public static (SubmitTaskRequest? Request, IReadOnlyDictionary<string, string[]> Errors) Parse(ReadOnlyMemory<byte> body, DateTime now)
    {
        var (document, errors) = ParseJson(body);
        if (document is null)
            return (null, errors);
        using (document)
            return FromElement(document.RootElement, now);
    }

    /// <summary>Untrusted bytes as JSON, depth-limited; a parse error is reported under <c>body</c>.</summary>
    public static (JsonDocument? Document, IReadOnlyDictionary<string, string[]> Errors) ParseJson(ReadOnlyMemory<byte> body)
    {
        // JsonDocument only checks a string's UTF-8 when it is read, which would be a 500 deep in validation.
        if (!System.Text.Unicode.Utf8.IsValid(body.Span))
            return (null, new Dictionary<string, string[]> { ["body"] = ["is not valid UTF-8"] });
        try
        {
            return (JsonDocument.Parse(body, new JsonDocumentOptions { MaxDepth = MaxDepth }), new Dictionary<string, string[]>());
        }
        catch (JsonException exception)
        {
            return (null, new Dictionary<string, string[]> { ["body"] = [$"is not valid JSON: {exception.Message}"] });
        }
    }

    /// <summary>One task object (the whole body of <c>POST /tasks</c>, or one item of a batch).</summary>
    public static (SubmitTaskRequest? Request, IReadOnlyDictionary<string, string[]> Errors) FromElement(JsonElement root, DateTime now)
    {
        var reader = new JsonFieldReader("");
        if (!reader.RequireObject(root, Fields))
            return (null, reader.Errors);

        var type = reader.ReadString(root, "type", required: true, maxLength: 100);
        var priority = reader.ReadInt(root, "priority", 0, MaxPriority) ?? 0;
        var idempotencyKey = reader.ReadString(root, "idempotencyKey", required: false, maxLength: 255);
        if (!root.TryGetProperty("data", out var data) || data.ValueKind == JsonValueKind.Null)
            reader.AddError("data", "is required");
        var runAt = ReadRunAt(reader, root, now);
        var timeout = ReadTimeout(reader, root);

        return reader.HasErrors
            ? (null, reader.Errors)
            : (new SubmitTaskRequest(type!, priority, data.Clone(), idempotencyKey, runAt, timeout), reader.Errors);
    }

    /// <summary><c>timeout</c>: how long one attempt may run, in milliseconds; absent = the task type's configured default.</summary>
    private static TimeSpan? ReadTimeout(JsonFieldReader reader, JsonElement root)
    {
        if (!root.TryGetProperty("timeout", out var timeout) || timeout.ValueKind == JsonValueKind.Null)
            return null;
        if (timeout.ValueKind != JsonValueKind.Number || !timeout.TryGetInt64(out var milliseconds)
            || milliseconds < MinTimeout.TotalMilliseconds || milliseconds > TaskTimeoutOptions.Max.TotalMilliseconds)
        {
            reader.AddError("timeout", $"must be a whole number of milliseconds from {(long)MinTimeout.TotalMilliseconds} to {(long)TaskTimeoutOptions.Max.TotalMilliseconds}");
            return null;
        }
        return TimeSpan.FromMilliseconds(milliseconds);
    }

    /// <summary>
    /// <c>runAt</c> (an ISO 8601 instant with its offset) or <c>delay</c> (milliseconds, as BullMQ takes it);
    /// a time already past runs now.
    /// </summary>
    private static DateTime? ReadRunAt(JsonFieldReader reader, JsonElement root, DateTime now)
    {
        var hasRunAt = root.TryGetProperty("runAt", out var runAt) && runAt.ValueKind != JsonValueKind.Null;
        var hasDelay = root.TryGetProperty("delay", out var delay) && delay.ValueKind != JsonValueKind.Null;
        if (hasRunAt && hasDelay)
        {
            reader.AddError("delay", "give either runAt or delay, not both");
            return null;
        }
        if (hasDelay)
        {
            if (delay.ValueKind != JsonValueKind.Number || !delay.TryGetInt64(out var milliseconds) || milliseconds < 0 || milliseconds > MaxDelay.TotalMilliseconds)
            {
                reader.AddError("delay", $"must be a whole number of milliseconds from 0 to {(long)MaxDelay.TotalMilliseconds}");
                return null;
            }
            return now.AddMilliseconds(milliseconds);
        }
        if (!hasRunAt)
            return null;
        if (runAt.ValueKind != JsonValueKind.String || !DateTimeOffset.TryParse(runAt.GetString(), System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.None, out var instant)
            || !HasExplicitOffset(runAt.GetString()!))
        {
            reader.AddError("runAt", "must be an ISO 8601 instant with a UTC offset, e.g. 2026-12-01T09:00:00Z");
            return null;
        }
        if (instant.UtcDateTime > now + MaxDelay)
        {
            reader.AddError("runAt", $"must be within {MaxDelay.TotalDays} days");
            return null;
        }
        return instant.UtcDateTime;
    }

    private static bool HasExplicitOffset(string text) =>
        text.EndsWith('Z') || text.EndsWith('z') || (text.Length > 6 && text[^6] is '+' or '-' && text[^3] == ':');
}
