using System.Buffers.Text;
using System.Text;
using Bus.Gateway.Persistence;
using Bus.Gateway.Tasks;
using Microsoft.EntityFrameworkCore;

namespace Bus.Gateway.Api;

/// <summary>The filters and page of <c>GET /tasks</c>, validated from the query string; newest first.</summary>
public sealed record TaskQuery(
    IReadOnlyList<string> Statuses,
    string? Type,
    DateTime? CreatedAfter,
    DateTime? CreatedBefore,
    string? IdempotencyKey,
    string? Search,
    int Limit,
    int Offset,
    TaskCursor? Cursor,
    Guid? ParentTaskId = null,
    string? Queue = null)
{
    public const int DefaultLimit = 50;
    public const int MaxLimit = 200;

    public static readonly IReadOnlyList<string> KnownStatuses = ["Scheduled", "Queued", "Running", "Completed", "Failed", "Cancelled"];

    public static (TaskQuery? Query, Dictionary<string, string[]> Errors) Parse(IQueryCollection query)
    {
        var errors = new Dictionary<string, string[]>();
        var statuses = query["status"].SelectMany(s => (s ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).ToList();
        var unknown = statuses.Where(s => !KnownStatuses.Contains(s)).ToList();
        if (unknown.Count > 0)
            errors["status"] = [$"unknown status {string.Join(", ", unknown)}; expected any of: {string.Join(", ", KnownStatuses)}"];

        var createdAfter = ReadInstant(query, "createdAfter", errors);
        var createdBefore = ReadInstant(query, "createdBefore", errors);
        var limit = ReadInt(query, "limit", DefaultLimit, 1, MaxLimit, errors);
        var offset = ReadInt(query, "offset", 0, 0, 1_000_000, errors);
        TaskCursor? cursor = null;
        if (query.TryGetValue("cursor", out var rawCursor))
        {
            cursor = TaskCursor.TryDecode(rawCursor.ToString());
            if (cursor is null)
                errors["cursor"] = ["is not a cursor returned by this API"];
            else if (offset > 0)
                errors["offset"] = ["give either offset or cursor, not both"];
        }
        Guid? parentTaskId = null;
        if (query.TryGetValue("parentId", out var rawParent))
        {
            if (Guid.TryParse(rawParent.ToString(), out var parent))
                parentTaskId = parent;
            else
                errors["parentId"] = ["must be a task id"];
        }
        var search = query["q"].ToString();
        if (search.Length > 200)
            errors["q"] = ["must be at most 200 characters"];

        return errors.Count > 0
            ? (null, errors)
            : (new TaskQuery(statuses, NullIfEmpty(query["type"]), createdAfter, createdBefore, NullIfEmpty(query["idempotencyKey"]),
                NullIfEmpty(search), limit, offset, cursor, parentTaskId, NullIfEmpty(query["queue"])), errors);
    }

    public IQueryable<TaskState> Apply(TaskDbContext db)
    {
        var tasks = Search is null ? db.Tasks : SearchText(db, Search);
        tasks = tasks.AsNoTracking();
        if (Statuses.Count > 0)
            tasks = tasks.Where(t => Statuses.Contains(t.CurrentState));
        if (Type is not null)
            tasks = tasks.Where(t => t.Type == Type);
        if (Queue is not null)
            tasks = tasks.Where(t => t.Queue == Queue);
        if (IdempotencyKey is not null)
            tasks = tasks.Where(t => t.IdempotencyKey == IdempotencyKey);
        if (ParentTaskId is { } parentTaskId)
            tasks = tasks.Where(t => t.ParentTaskId == parentTaskId);
        if (CreatedAfter is { } after)
            tasks = tasks.Where(t => t.CreatedAt >= after);
        if (CreatedBefore is { } before)
            tasks = tasks.Where(t => t.CreatedAt < before);
        if (Cursor is { } cursor)
            tasks = tasks.Where(t => t.CreatedAt < cursor.CreatedAt || (t.CreatedAt == cursor.CreatedAt && t.CorrelationId.CompareTo(cursor.TaskId) < 0));

        tasks = tasks.OrderByDescending(t => t.CreatedAt).ThenByDescending(t => t.CorrelationId);
        return Cursor is null ? tasks.Skip(Offset).Take(Limit) : tasks.Take(Limit);
    }

    /// <summary>Id, type or anything in the payload; the payload is jsonb, so it is searched as its text.</summary>
    private static IQueryable<TaskState> SearchText(TaskDbContext db, string text)
    {
        var pattern = "%" + text.Replace(@"\", @"\\").Replace("%", @"\%").Replace("_", @"\_") + "%";
        return db.Tasks.FromSql($"""
            SELECT * FROM bus.tasks
            WHERE id::text = {text.ToLowerInvariant()} OR type ILIKE {pattern} OR idempotency_key ILIKE {pattern} OR data::text ILIKE {pattern}
            """);
    }

    private static DateTime? ReadInstant(IQueryCollection query, string name, Dictionary<string, string[]> errors)
    {
        if (!query.TryGetValue(name, out var raw))
            return null;
        if (DateTimeOffset.TryParse(raw.ToString(), System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AssumeUniversal, out var instant))
            return instant.UtcDateTime;
        errors[name] = ["must be an ISO 8601 instant, e.g. 2026-11-25T00:00:00Z"];
        return null;
    }

    private static int ReadInt(IQueryCollection query, string name, int fallback, int min, int max, Dictionary<string, string[]> errors)
    {
        if (!query.TryGetValue(name, out var raw))
            return fallback;
        if (int.TryParse(raw.ToString(), out var value) && value >= min && value <= max)
            return value;
        errors[name] = [$"must be a whole number from {min} to {max}"];
        return fallback;
    }

    private static string? NullIfEmpty(Microsoft.Extensions.Primitives.StringValues value) =>
        string.IsNullOrWhiteSpace(value.ToString()) ? null : value.ToString();
}

/// <summary>Where the next page starts: the last task of this one. Opaque to clients (URL-safe base64).</summary>
public sealed record TaskCursor(DateTime CreatedAt, Guid TaskId)
{
    public string Encode() => Base64Url.EncodeToString(Encoding.UTF8.GetBytes($"{CreatedAt.Ticks}:{TaskId:N}"));

    public static TaskCursor? TryDecode(string text)
    {
        try
        {
            var parts = Encoding.UTF8.GetString(Base64Url.DecodeFromChars(text)).Split(':');
            return parts.Length == 2 && long.TryParse(parts[0], out var ticks) && ticks is >= 0 and <= 3155378975999999999 && Guid.TryParseExact(parts[1], "N", out var id)
                ? new TaskCursor(new DateTime(ticks, DateTimeKind.Utc), id)
                : null;
        }
        catch (FormatException)
        {
            return null;
        }
    }
}

public sealed record TaskPage(IReadOnlyList<TaskResponse> Items, int Limit, int Offset, string? NextCursor);
