using Bus.Contracts.Tasks;
using Bus.Gateway.Persistence;
using Bus.Gateway.Tasks.Types;
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
        tasks.MapPost("", SubmitAsync);
        tasks.MapGet("/{id:guid}", GetAsync).WithName("GetTask");
        tasks.MapDelete("/{id:guid}", CancelAsync);
        return app;
    }

    private static async Task<IResult> SubmitAsync(
        HttpRequest http,
        TaskTypeCatalog catalog,
        IRequestClient<SubmitTask> client,
        IOptions<GatewayOptions> options,
        ILogger<SubmitTaskRequest> logger,
        CancellationToken cancellationToken)
    {
        if (http.ContentType is { } contentType && !contentType.StartsWith("application/json", StringComparison.OrdinalIgnoreCase))
            return Problem(StatusCodes.Status415UnsupportedMediaType, "Unsupported media type", "Send the task as application/json.");

        var body = await RequestBody.ReadBoundedAsync(http, options.Value.MaxRequestBodyBytes, cancellationToken);
        if (body is null)
            return Problem(StatusCodes.Status413PayloadTooLarge, "Request body too large", $"The body must be at most {options.Value.MaxRequestBodyBytes} bytes.");

        var (request, errors) = SubmitTaskRequest.Parse(body.Value, DateTime.UtcNow);
        if (request is null)
            return TypedResults.ValidationProblem(errors, title: "The task is not valid");

        if (catalog.Find(request.Type) is not { } type)
            return TypedResults.ValidationProblem(
                new Dictionary<string, string[]> { ["type"] = [$"'{request.Type}' is not a known task type; expected one of: {string.Join(", ", catalog.Names)}"] },
                title: "The task is not valid");

        var taskId = NewId.NextGuid();
        var command = type.CreateCommand(taskId, request.Data);
        if (!command.IsValid)
            return TypedResults.ValidationProblem(command.Errors, title: "The task is not valid");

        try
        {
            var response = await client.GetResponse<TaskAccepted, TaskRejected>(
                new SubmitTask(taskId, request.Type, request.Data, request.Priority, request.IdempotencyKey, request.RunAt),
                cancellationToken,
                RequestTimeout.After(ms: (int)options.Value.SubmitTimeout.TotalMilliseconds));

            if (response.Is(out Response<TaskRejected>? rejected))
                return TypedResults.ValidationProblem(rejected.Message.Errors, title: "The task is not valid");

            response.Is(out Response<TaskAccepted>? acceptedResponse);
            var accepted = acceptedResponse!.Message;
            var location = $"/tasks/{accepted.TaskId}";
            if (accepted.Duplicate)
            {
                // The first submission with this key wins: answer with its task, not a new one.
                http.HttpContext.Response.Headers.Location = location;
                return TypedResults.Ok(new TaskSubmitted(accepted.TaskId, "Existing", Duplicate: true));
            }
            var status = request.RunAt > DateTime.UtcNow ? "Scheduled" : "Queued";
            return TypedResults.Accepted(location, new TaskSubmitted(accepted.TaskId, status, Duplicate: false));
        }
        catch (MassTransitException exception)
        {
            // Timeouts, an unreachable broker, or the saga failing to store the task: the client can safely retry.
            logger.LogWarning(exception, "Task {TaskId} of type {Type} could not be recorded", taskId, request.Type);
            return Problem(StatusCodes.Status503ServiceUnavailable, "Task store unavailable",
                "The task could not be recorded; it may or may not have been accepted. Retry with the same idempotencyKey.");
        }
    }

    private static async Task<Results<Ok<TaskResponse>, ProblemHttpResult>> GetAsync(Guid id, TaskDbContext db, CancellationToken cancellationToken)
    {
        var task = await db.Tasks.AsNoTracking().FirstOrDefaultAsync(t => t.CorrelationId == id, cancellationToken);
        return task is null
            ? TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Task not found", detail: $"No task has id {id}.")
            : TypedResults.Ok(TaskResponse.From(task));
    }

    /// <summary>Cancels a task that has not started: a Scheduled one never runs. Others answer 409 with their status.</summary>
    private static async Task<IResult> CancelAsync(Guid id, IRequestClient<CancelTask> client, TaskDbContext db, CancellationToken cancellationToken)
    {
        try
        {
            var response = await client.GetResponse<TaskCancelled, TaskNotCancellable, TaskNotFound>(new CancelTask(id), cancellationToken);
            if (response.Is(out Response<TaskNotFound>? _))
                return Problem(StatusCodes.Status404NotFound, "Task not found", $"No task has id {id}.");
            if (response.Is(out Response<TaskNotCancellable>? refused))
                return Problem(StatusCodes.Status409Conflict, "Task cannot be cancelled",
                    $"The task is {refused.Message.Status}; only a Scheduled task can be cancelled.");

            var task = await db.Tasks.AsNoTracking().FirstAsync(t => t.CorrelationId == id, cancellationToken);
            return TypedResults.Ok(TaskResponse.From(task));
        }
        catch (MassTransitException)
        {
            return Problem(StatusCodes.Status503ServiceUnavailable, "Task store unavailable", "The cancellation could not be confirmed; retry it.");
        }
    }

    private static ProblemHttpResult Problem(int status, string title, string detail) =>
        TypedResults.Problem(statusCode: status, title: title, detail: detail);
}
