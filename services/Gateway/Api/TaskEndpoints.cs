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

        var (request, errors) = SubmitTaskRequest.Parse(body.Value);
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
                new SubmitTask(taskId, request.Type, request.Data, request.Priority, request.IdempotencyKey),
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
            return TypedResults.Accepted(location, new TaskSubmitted(accepted.TaskId, "Queued", Duplicate: false));
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

    private static ProblemHttpResult Problem(int status, string title, string detail) =>
        TypedResults.Problem(statusCode: status, title: title, detail: detail);
}
