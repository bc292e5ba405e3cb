using System.Globalization;
using System.Text.Json;
using Bus.Gateway.Api;
using Bus.Gateway.Queues;
using Bus.Gateway.Security;
using Bus.Gateway.Tasks.Types;
using Bus.ServiceDefaults.Options;
using Bus.ServiceDefaults.QueueControl;
using MassTransit;
using RabbitMQ.Client.Exceptions;
using Microsoft.Extensions.Options;

namespace Bus.Gateway.Admin;

public sealed record QueuePauseState(string Queue, bool Paused, DateTime? PausedAt);

public sealed record CleanResult(string Queue, string Status, long GracePeriodMs, int Removed);

/// <summary>
/// Operator actions on task queues: pause/resume (every replica, persisted), the error queue (browse, redeliver,
/// discard), retrying failed tasks and cleaning old records. Only task queues (<c>TaskRoutes</c>) are accepted.
/// </summary>
public static class AdminEndpoints
{
    public const int DefaultErrorPageSize = 20;
    public const int MaxErrorPageSize = 100;
    public const int MaxRedeliverIds = 1000;
    private const int MaxRedeliverBodyBytes = 256 * 1024;
    private static readonly long MaxGracePeriodMs = (long)TimeSpan.FromDays(3650).TotalMilliseconds;

    public static RouteGroupBuilder MapAdminEndpoints(this IEndpointRouteBuilder app)
    {
        var admin = app.MapGroup("/admin").WithTags("Admin").RequireAuthorization(GatewayPolicies.Admin)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);
        admin.MapPost("/queues/{name}/pause", PauseAsync)
            .WithSummary("Pause a task queue on every replica")
            .WithDescription("Every replica of the queue's service stops consuming within QueueControl:PollInterval (2 s); the state is stored in PostgreSQL, so a replica started while paused stays paused. Tasks keep queueing. Pausing twice keeps the first pausedAt.")
            .Produces<QueuePauseState>();
        admin.MapPost("/queues/{name}/resume", ResumeAsync)
            .WithSummary("Resume a paused task queue")
            .WithDescription("Every replica starts consuming again within the poll interval and drains what waited.")
            .Produces<QueuePauseState>();
        admin.MapGet("/queues/{name}/errors", BrowseErrorsAsync)
            .WithSummary("Browse the queue's error queue")
            .WithDescription("The messages in <name>_error with MassTransit's fault headers (exception type, message, stack trace, time, input address), paged by offset and limit (at most 100). Nothing is consumed: the depth and order stay as they were.")
            .Produces<ErrorQueuePage>()
            .ProducesValidationProblem();
        admin.MapPost("/queues/{name}/errors/redeliver", RedeliverAsync)
            .WithSummary("Move error-queue messages back to their queue")
            .WithDescription("All messages, or only {\"messageIds\": [...]}. Each is republished (publisher confirms) with its fault headers removed, then taken off the error queue: at least once, never lost.")
            .Produces<RedeliveryResult>()
            .ProducesValidationProblem();
        admin.MapDelete("/queues/{name}/errors/{id}", DiscardAsync)
            .WithSummary("Discard one error-queue message")
            .WithDescription("Removes the message with this MassTransit message id from <name>_error; 404 when it is not there.")
            .Produces(StatusCodes.Status204NoContent);
        admin.MapDelete("/queues/{name}/errors", DiscardAllAsync)
            .WithSummary("Discard every error-queue message")
            .WithDescription("Purges <name>_error and answers how many messages were dropped; they are gone for good (redeliver first what should run).")
            .Produces<DiscardResult>();
        admin.MapPost("/queues/{name}/clean/completed", (string name, HttpRequest http, TaskCleaner cleaner, CancellationToken cancellationToken) =>
                CleanAsync(name, "Completed", http, cleaner, cancellationToken))
            .WithSummary("Delete old completed task records")
            .WithDescription("Removes the queue's Completed tasks that finished more than gracePeriod milliseconds ago (required; 0 = all) and answers how many.")
            .Produces<CleanResult>()
            .ProducesValidationProblem();
        admin.MapPost("/queues/{name}/clean/failed", (string name, HttpRequest http, TaskCleaner cleaner, CancellationToken cancellationToken) =>
                CleanAsync(name, "Failed", http, cleaner, cancellationToken))
            .WithSummary("Delete old failed task records")
            .WithDescription("As clean/completed, for Failed tasks.")
            .Produces<CleanResult>()
            .ProducesValidationProblem();
        admin.MapPost("/retry-failed", RetryFailedAsync)
            .WithSummary("Retry every failed task")
            .WithDescription("Re-runs every Failed task, or only those of ?taskType= and/or ?queue=, with their stored data; answers how many were retried and skipped.")
            .Produces<RetryFailedResult>()
            .ProducesValidationProblem();
        return admin;
    }

    public static IHostApplicationBuilder AddAdmin(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSingleton<ErrorQueueClient>();
        builder.Services.AddScoped<TaskCleaner>();
        builder.Services.AddScoped<FailedTaskRetrier>();
        return builder;
    }

    private static async Task<IResult> PauseAsync(string name, IOptions<PostgresOptions> postgres, ILoggerFactory logs, CancellationToken cancellationToken)
    {
        if (UnknownQueue(name) is { } notFound)
            return notFound;
        var pausedAt = await QueuePauses.PauseAsync(postgres.Value.ConnectionString, name, cancellationToken);
        logs.CreateLogger(typeof(AdminEndpoints)).LogInformation("Task queue {Queue} paused", name);
        return TypedResults.Ok(new QueuePauseState(name, true, pausedAt));
    }

    private static async Task<IResult> ResumeAsync(string name, IOptions<PostgresOptions> postgres, ILoggerFactory logs, CancellationToken cancellationToken)
    {
        if (UnknownQueue(name) is { } notFound)
            return notFound;
        await QueuePauses.ResumeAsync(postgres.Value.ConnectionString, name, cancellationToken);
        logs.CreateLogger(typeof(AdminEndpoints)).LogInformation("Task queue {Queue} resumed", name);
        return TypedResults.Ok(new QueuePauseState(name, false, null));
    }

    /// <summary>A page of the error queue (<c>offset</c>, <c>limit</c> ≤ 100), oldest first; nothing is consumed.</summary>
    private static async Task<IResult> BrowseErrorsAsync(string name, HttpRequest http, ErrorQueueClient errors, CancellationToken cancellationToken)
    {
        if (UnknownQueue(name) is { } notFound)
            return notFound;
        var problems = new Dictionary<string, string[]>();
        var limit = ReadLong(http.Query, "limit", DefaultErrorPageSize, 1, MaxErrorPageSize, problems);
        var offset = ReadLong(http.Query, "offset", 0, 0, ErrorQueueClient.MaxWindow - MaxErrorPageSize, problems);
        if (problems.Count > 0)
            return TypedResults.ValidationProblem(problems, title: "The query is not valid");
        return await BrokerCallAsync(async () => TypedResults.Ok(await errors.BrowseAsync(name, (int)offset, (int)limit, cancellationToken)));
    }

    /// <summary>
    /// Moves error-queue messages back to the queue: all of them with no body, or <c>{"messageIds": [...]}</c>.
    /// 404 when none of the named messages is there; the ones not found are listed otherwise.
    /// </summary>
    private static async Task<IResult> RedeliverAsync(string name, HttpRequest http, ErrorQueueClient errors, CancellationToken cancellationToken)
    {
        if (UnknownQueue(name) is { } notFound)
            return notFound;
        var body = await RequestBody.ReadBoundedAsync(http, MaxRedeliverBodyBytes, cancellationToken);
        if (body is null)
            return Problem(StatusCodes.Status413PayloadTooLarge, "Request body too large", $"The body must be at most {MaxRedeliverBodyBytes} bytes.");
        var (ids, problems) = ParseMessageIds(body.Value);
        if (problems is not null)
            return TypedResults.ValidationProblem(problems, title: "The redelivery request is not valid");

        return await BrokerCallAsync(async () =>
        {
            var result = await errors.RedeliverAsync(name, ids, cancellationToken);
            if (ids is not null && result.Redelivered == 0)
                return Problem(StatusCodes.Status404NotFound, "Messages not found",
                    $"None of the {ids.Count} message id(s) is in {ErrorQueueClient.ErrorQueueOf(name)}.");
            return TypedResults.Ok(result);
        });
    }

    private static async Task<IResult> DiscardAsync(string name, string id, ErrorQueueClient errors, CancellationToken cancellationToken)
    {
        if (UnknownQueue(name) is { } notFound)
            return notFound;
        if (!Guid.TryParse(id, out var messageId))
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["id"] = ["must be a message id (a GUID)"] }, title: "The message id is not valid");
        return await BrokerCallAsync(async () => await errors.DiscardAsync(name, messageId.ToString(), cancellationToken)
            ? TypedResults.NoContent()
            : Problem(StatusCodes.Status404NotFound, "Message not found", $"No message {id} in {ErrorQueueClient.ErrorQueueOf(name)}."));
    }

    private static async Task<IResult> DiscardAllAsync(string name, ErrorQueueClient errors, CancellationToken cancellationToken)
    {
        if (UnknownQueue(name) is { } notFound)
            return notFound;
        return await BrokerCallAsync(async () => TypedResults.Ok(await errors.DiscardAllAsync(name, cancellationToken)));
    }

    /// <summary>Deletes the queue's tasks in <paramref name="status"/> that finished more than <c>gracePeriod</c> ms ago (required).</summary>
    private static async Task<IResult> CleanAsync(string name, string status, HttpRequest http, TaskCleaner cleaner, CancellationToken cancellationToken)
    {
        if (UnknownQueue(name) is { } notFound)
            return notFound;
        var problems = new Dictionary<string, string[]>();
        if (!http.Query.ContainsKey("gracePeriod"))
            problems["gracePeriod"] = ["is required: how old (in ms since finishing) a task must be to be removed; 0 removes all"];
        var grace = ReadLong(http.Query, "gracePeriod", 0, 0, MaxGracePeriodMs, problems);
        if (problems.Count > 0)
            return TypedResults.ValidationProblem(problems, title: "The clean request is not valid");
        var removed = await cleaner.CleanAsync(name, status, TimeSpan.FromMilliseconds(grace), cancellationToken);
        return TypedResults.Ok(new CleanResult(name, status, grace, removed));
    }

    /// <summary>Retries every Failed task, or those of <c>taskType</c> and/or <c>queue</c>; answers how many were retried.</summary>
    private static async Task<IResult> RetryFailedAsync(HttpRequest http, TaskTypeCatalog catalog, FailedTaskRetrier retrier, CancellationToken cancellationToken)
    {
        var taskType = http.Query["taskType"].ToString() is { Length: > 0 } type ? type : null;
        if (taskType is not null && catalog.Find(taskType) is null)
            return TypedResults.ValidationProblem(new Dictionary<string, string[]>
            {
                ["taskType"] = [$"'{taskType}' is not a known task type; expected one of: {string.Join(", ", catalog.Names)}"],
            }, title: "The retry request is not valid");
        var queue = http.Query["queue"].ToString() is { Length: > 0 } name ? name : null;
        if (queue is not null && UnknownQueue(queue) is { } notFound)
            return notFound;
        try
        {
            return TypedResults.Ok(await retrier.RetryAsync(taskType, queue, cancellationToken));
        }
        catch (MassTransitException)
        {
            return Problem(StatusCodes.Status503ServiceUnavailable, "Task store unavailable",
                "Not every retry could be confirmed; the ones made stand, and repeating the request is safe.");
        }
    }

    /// <summary>
    /// RabbitMQ failing under an error-queue operation: every message not yet moved or dropped is back in the error
    /// queue (unacknowledged messages return when the channel closes), so the operator can simply repeat it.
    /// </summary>
    private static async Task<IResult> BrokerCallAsync(Func<Task<IResult>> call)
    {
        try
        {
            return await call();
        }
        catch (Exception exception) when (exception is RabbitMQClientException or IOException)
        {
            return Problem(StatusCodes.Status503ServiceUnavailable, "RabbitMQ unavailable",
                $"The error queue operation did not complete ({exception.Message}); messages not yet handled are still in the error queue, so repeating it is safe.");
        }
    }

    private static IResult? UnknownQueue(string name) =>
        QueueStatsService.IsTaskQueue(name)
            ? null
            : Problem(StatusCodes.Status404NotFound, "Queue not found",
                $"{name} is not a task queue; task queues: {string.Join(", ", QueueStatsService.TaskQueues)}.");

    /// <summary>No body (or an empty one) means all; otherwise <c>{"messageIds": ["guid", ...]}</c>.</summary>
    private static (IReadOnlySet<string>? Ids, Dictionary<string, string[]>? Problems) ParseMessageIds(ReadOnlyMemory<byte> body)
    {
        if (body.Span.Trim(" \t\r\n"u8).IsEmpty)
            return (null, null);
        var (document, errors) = SubmitTaskRequest.ParseJson(body);
        if (document is null)
            return (null, new Dictionary<string, string[]>(errors));
        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("messageIds", out var array) || array.ValueKind != JsonValueKind.Array)
                return (null, new() { ["messageIds"] = ["send {\"messageIds\": [...]} to redeliver some messages, or no body to redeliver all"] });
            var count = array.GetArrayLength();
            if (count == 0 || count > MaxRedeliverIds)
                return (null, new() { ["messageIds"] = [$"must hold from 1 to {MaxRedeliverIds} ids"] });
            var ids = new HashSet<string>(StringComparer.Ordinal);
            var index = 0;
            foreach (var item in array.EnumerateArray())
            {
                if (item.ValueKind != JsonValueKind.String || !Guid.TryParse(item.GetString(), out var id))
                    return (null, new() { [$"messageIds[{index}]"] = ["must be a message id (a GUID)"] });
                ids.Add(id.ToString());
                index++;
            }
            return (ids, null);
        }
    }

    private static long ReadLong(IQueryCollection query, string name, long fallback, long min, long max, Dictionary<string, string[]> problems)
    {
        if (!query.TryGetValue(name, out var raw))
            return fallback;
        if (!long.TryParse(raw.ToString(), NumberStyles.None, CultureInfo.InvariantCulture, out var value) || value < min || value > max)
        {
            problems[name] = [$"must be a whole number from {min} to {max}"];
            return fallback;
        }
        return value;
    }

    private static IResult Problem(int status, string title, string detail) =>
        TypedResults.Problem(statusCode: status, title: title, detail: detail);
}
