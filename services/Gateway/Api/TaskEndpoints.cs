using Bus.Contracts.Tasks;
using Bus.Gateway.OpenApi;
using Bus.Gateway.Persistence;
using Bus.Gateway.Security;
using Bus.ServiceDefaults.Messaging;
using MassTransit;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Bus.Gateway.Api;

public static class TaskEndpoints
{
    public static IEndpointRouteBuilder MapTaskEndpoints(this IEndpointRouteBuilder app)
    {
        var tasks = app.MapGroup("/tasks").WithTags("Tasks");
        tasks.MapPost("", SubmitAsync)
            .RequireAuthorization(GatewayPolicies.Producer)
            .WithSummary("Submit a task")
            .WithDescription("Validates the task against its type and answers once the task saga has stored it, so GET /tasks/{id} finds it at once. " +
                "With runAt or delay the task is Scheduled until due. A repeated idempotencyKey returns the first task (200, duplicate: true).")
            .Accepts<TaskSubmissionBody>("application/json")
            .WithTaskExamples()
            .Produces<TaskSubmitted>(StatusCodes.Status202Accepted)
            .Produces<TaskSubmitted>(StatusCodes.Status200OK)
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);
        tasks.MapPost("/batch", SubmitBatchAsync)
            .RequireAuthorization(GatewayPolicies.Producer)
            .WithSummary("Submit many tasks")
            .WithDescription("Each item is validated and submitted on its own: bad items are reported by index, good ones accepted (202). 400 when none was.")
            .Accepts<TaskBatchBody>("application/json")
            .WithBatchExample()
            .Produces<BatchResult>(StatusCodes.Status202Accepted)
            .Produces<BatchResult>(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType);
        tasks.MapGet("", ListAsync)
            .RequireAuthorization(GatewayPolicies.Viewer)
            .WithSummary("List tasks")
            .WithDescription("Newest first. Filters: status (comma-separated), type, queue, createdAfter, createdBefore, idempotencyKey, parentId (a task's children), q (free text). " +
                "Page with limit (1-200) and offset, or follow nextCursor (cursor=...).")
            .Produces<TaskPage>()
            .ProducesValidationProblem();
        tasks.MapGet("/{id:guid}", GetAsync).WithName("GetTask")
            .RequireAuthorization(GatewayPolicies.Viewer)
            .WithSummary("Get a task")
            .WithDescription("The task's status, progress, attempts and their history, data, result and last error.")
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);
        tasks.MapDelete("/{id:guid}", CancelAsync)
            .RequireAuthorization(GatewayPolicies.Producer)
            .WithSummary("Cancel a task")
            .WithDescription("A Scheduled or Queued task never runs (200); a Running one is asked to stop (202). Its pending children are cancelled too, " +
                "even when the task itself already finished (200, the task unchanged). A finished task without pending children answers 409.")
            .Produces<TaskResponse>()
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);
        tasks.MapPost("/{id:guid}/retry", RetryAsync)
            .RequireAuthorization(GatewayPolicies.Producer)
            .WithSummary("Retry a failed or cancelled task")
            .WithDescription("Runs the task again with its stored data; its attempt count continues.")
            .Produces<TaskSubmitted>(StatusCodes.Status202Accepted)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);
        return app;
    }

    private static async Task<IResult> SubmitAsync(
        HttpRequest http, TaskSubmitter submitter, IOptions<GatewayOptions> options, CancellationToken cancellationToken)
    {
        var (body, refusal) = await ReadJsonBodyAsync(http, options.Value.MaxRequestBodyBytes, cancellationToken);
        if (refusal is not null)
            return refusal;

        var (request, errors) = SubmitTaskRequest.Parse(body, DateTime.UtcNow);
        if (request is null)
            return TypedResults.ValidationProblem(errors, title: "The task is not valid");

        switch (await submitter.SubmitAsync(request, cancellationToken))
        {
            case SubmissionOutcome.Accepted { Task: var task }:
                var location = $"/tasks/{task.TaskId}";
                if (!task.Duplicate)
                    return TypedResults.Accepted(location, task);
                // The first submission with this key wins: answer with its task, not a new one.
                http.HttpContext.Response.Headers.Location = location;
                return TypedResults.Ok(task);
            case SubmissionOutcome.Invalid { Errors: var invalid }:
                return TypedResults.ValidationProblem(invalid, title: "The task is not valid");
            default:
                return Problem(StatusCodes.Status503ServiceUnavailable, "Task store unavailable",
                    "The task could not be recorded; it may or may not have been accepted. Retry with the same idempotencyKey.");
        }
    }

    /// <summary>
    /// Many tasks in one request (<c>{"tasks": [...]}</c>, at most <see cref="GatewayOptions.MaxBatchSize"/>): each item
    /// is validated and submitted on its own, so a bad item is reported by its index and the good ones are accepted.
    /// </summary>
    private static async Task<IResult> SubmitBatchAsync(
        HttpRequest http, TaskSubmitter submitter, IOptions<GatewayOptions> options, CancellationToken cancellationToken)
    {
        var (body, refusal) = await ReadJsonBodyAsync(http, options.Value.MaxBatchBodyBytes, cancellationToken);
        if (refusal is not null)
            return refusal;

        var (document, errors) = SubmitTaskRequest.ParseJson(body);
        if (document is null)
            return TypedResults.ValidationProblem(errors, title: "The batch is not valid");
        using (document)
        {
            if (document.RootElement.ValueKind != System.Text.Json.JsonValueKind.Object
                || !document.RootElement.TryGetProperty("tasks", out var items)
                || items.ValueKind != System.Text.Json.JsonValueKind.Array)
                return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["tasks"] = ["must be an array of tasks"] }, title: "The batch is not valid");
            var count = items.GetArrayLength();
            if (count == 0 || count > options.Value.MaxBatchSize)
                return TypedResults.ValidationProblem(
                    new Dictionary<string, string[]> { ["tasks"] = [$"must hold from 1 to {options.Value.MaxBatchSize} tasks"] }, title: "The batch is not valid");

            var now = DateTime.UtcNow;
            using var concurrency = new SemaphoreSlim(16);
            var results = await Task.WhenAll(items.EnumerateArray().Select(async (item, index) =>
            {
                var (request, itemErrors) = SubmitTaskRequest.FromElement(item, now);
                if (request is null)
                    return BatchItemResult.Rejected(index, itemErrors);
                await concurrency.WaitAsync(cancellationToken);
                try
                {
                    return await submitter.SubmitAsync(request, cancellationToken) switch
                    {
                        SubmissionOutcome.Accepted { Task: var task } => BatchItemResult.Accepted(index, task),
                        SubmissionOutcome.Invalid { Errors: var invalid } => BatchItemResult.Rejected(index, invalid),
                        _ => BatchItemResult.Unavailable(index),
                    };
                }
                finally
                {
                    concurrency.Release();
                }
            }));

            var accepted = results.Count(r => r.TaskId is not null);
            var batch = new BatchResult(accepted, results.Length - accepted, results);
            return accepted > 0 ? TypedResults.Accepted((string?)null, batch) : TypedResults.BadRequest(batch);
        }
    }

    private static async Task<(ReadOnlyMemory<byte> Body, IResult? Refusal)> ReadJsonBodyAsync(HttpRequest http, int maxBytes, CancellationToken cancellationToken)
    {
        if (http.ContentType is { } contentType && !contentType.StartsWith("application/json", StringComparison.OrdinalIgnoreCase))
            return (default, Problem(StatusCodes.Status415UnsupportedMediaType, "Unsupported media type", "Send the task as application/json."));
        var body = await RequestBody.ReadBoundedAsync(http, maxBytes, cancellationToken);
        return body is null
            ? (default, Problem(StatusCodes.Status413PayloadTooLarge, "Request body too large", $"The body must be at most {maxBytes} bytes."))
            : (body.Value, null);
    }

    /// <summary>Newest first, filtered; page with <c>limit</c> + <c>offset</c>, or follow <c>nextCursor</c> (stable under inserts).</summary>
    private static async Task<IResult> ListAsync(HttpRequest http, TaskDbContext db, CancellationToken cancellationToken)
    {
        var (query, errors) = TaskQuery.Parse(http.Query);
        if (query is null)
            return TypedResults.ValidationProblem(errors, title: "The query is not valid");

        var tasks = await query.Apply(db).ToListAsync(cancellationToken);
        var next = tasks.Count == query.Limit ? new TaskCursor(tasks[^1].CreatedAt, tasks[^1].CorrelationId).Encode() : null;
        return TypedResults.Ok(new TaskPage([.. tasks.Select(TaskResponse.From)], query.Limit, query.Offset, next));
    }

    private static async Task<Results<Ok<TaskResponse>, ProblemHttpResult>> GetAsync(Guid id, TaskDbContext db, CancellationToken cancellationToken)
    {
        var task = await db.Tasks.AsNoTracking().FirstOrDefaultAsync(t => t.CorrelationId == id, cancellationToken);
        return task is null
            ? TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Task not found", detail: $"No task has id {id}.")
            : TypedResults.Ok(TaskResponse.From(task));
    }

    /// <summary>
    /// Cancels a task: a Scheduled or Queued one never runs (200, Cancelled); a Running one is asked to stop (202, still
    /// Running with <c>cancelRequestedAt</c>, Cancelled once its worker has stopped). Its pending children are cancelled too; a finished task with none answers 409.
    /// </summary>
    private static async Task<IResult> CancelAsync(Guid id, IRequestClient<CancelTask> client, TaskDbContext db, CancellationToken cancellationToken)
    {
        try
        {
            // Five possible answers and the request client takes at most three types at once: one handle, five awaits.
            using var request = client.Create(new CancelTask(id), cancellationToken);
            TaskSagaRequests.NeverExpire(request);
            var notFound = request.GetResponse<TaskNotFound>(readyToSend: false);
            var refused = request.GetResponse<TaskNotCancellable>(readyToSend: false);
            var stopping = request.GetResponse<TaskCancelling>(readyToSend: false);
            var childrenCancelled = request.GetResponse<TaskChildrenCancelled>(readyToSend: false);
            var cancelled = request.GetResponse<TaskCancelled>();
            var answer = await Task.WhenAny(notFound, refused, stopping, childrenCancelled, cancelled);
            await answer;

            if (answer == notFound)
                return Problem(StatusCodes.Status404NotFound, "Task not found", $"No task has id {id}.");
            if (answer == refused)
                return Problem(StatusCodes.Status409Conflict, "Task cannot be cancelled",
                    $"The task is {refused.Result.Message.Status}; only a Scheduled, Queued or Running task can be cancelled.");

            var task = TaskResponse.From(await db.Tasks.AsNoTracking().FirstAsync(t => t.CorrelationId == id, cancellationToken));
            return answer == stopping ? TypedResults.Accepted($"/tasks/{id}", task) : TypedResults.Ok(task);
        }
        catch (MassTransitException)
        {
            return Problem(StatusCodes.Status503ServiceUnavailable, "Task store unavailable", "The cancellation could not be confirmed; retry it.");
        }
    }

    /// <summary>Runs a Failed or Cancelled task again with its stored data; its attempt count continues.</summary>
    private static async Task<IResult> RetryAsync(Guid id, IRequestClient<RetryTask> client, CancellationToken cancellationToken)
    {
        try
        {
            var response = await client.GetResponse<TaskRetried, TaskNotRetriable, TaskNotFound>(new RetryTask(id), TaskSagaRequests.NeverExpire, cancellationToken);
            if (response.Is(out Response<TaskNotFound>? _))
                return Problem(StatusCodes.Status404NotFound, "Task not found", $"No task has id {id}.");
            if (response.Is(out Response<TaskNotRetriable>? refused))
                return Problem(StatusCodes.Status409Conflict, "Task cannot be retried", $"The task is {refused.Message.Status}. {refused.Message.Reason}");
            return TypedResults.Accepted($"/tasks/{id}", new TaskSubmitted(id, "Queued", Duplicate: false));
        }
        catch (MassTransitException)
        {
            return Problem(StatusCodes.Status503ServiceUnavailable, "Task store unavailable", "The retry could not be confirmed; retrying it is safe.");
        }
    }

    private static ProblemHttpResult Problem(int status, string title, string detail) =>
        TypedResults.Problem(statusCode: status, title: title, detail: detail);
}
