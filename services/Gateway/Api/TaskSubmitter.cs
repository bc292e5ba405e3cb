using Bus.Contracts.Tasks;
using Bus.Gateway.Tasks.Types;
using Bus.ServiceDefaults.Messaging;
using MassTransit;
using Microsoft.Extensions.Options;

namespace Bus.Gateway.Api;

/// <summary>What became of one submitted task.</summary>
public abstract record SubmissionOutcome
{
    public sealed record Accepted(TaskSubmitted Task) : SubmissionOutcome;

    public sealed record Invalid(IReadOnlyDictionary<string, string[]> Errors) : SubmissionOutcome;

    public sealed record Unavailable : SubmissionOutcome;
}

/// <summary>
/// Validates a task against its type and has the task saga record it, answering only once it is stored;
/// shared by <c>POST /tasks</c> and <c>POST /tasks/batch</c>. Sensitive fields are encrypted before the data leaves the Gateway.
/// </summary>
public sealed class TaskSubmitter(TaskTypeCatalog catalog, SensitiveTaskData sensitive, IRequestClient<SubmitTask> client, IOptions<GatewayOptions> options, ILogger<TaskSubmitter> logger)
{
    public async Task<SubmissionOutcome> SubmitAsync(SubmitTaskRequest request, CancellationToken cancellationToken)
    {
        if (catalog.Find(request.Type) is not { } type)
            return new SubmissionOutcome.Invalid(new Dictionary<string, string[]>
            {
                ["type"] = [$"'{request.Type}' is not a known task type; expected one of: {string.Join(", ", catalog.Names)}"],
            });

        var taskId = NewId.NextGuid();
        var command = type.CreateCommand(taskId, request.Data);
        if (!command.IsValid)
            return new SubmissionOutcome.Invalid(command.Errors);

        try
        {
            var response = await client.GetResponse<TaskAccepted, TaskRejected>(
                new SubmitTask(taskId, request.Type, sensitive.Protect(type, request.Data), request.Priority, request.IdempotencyKey, request.RunAt, request.Timeout),
                TaskSagaRequests.NeverExpire,
                cancellationToken,
                RequestTimeout.After(ms: (int)options.Value.SubmitTimeout.TotalMilliseconds));

            if (response.Is(out Response<TaskRejected>? rejected))
                return new SubmissionOutcome.Invalid(rejected.Message.Errors);

            response.Is(out Response<TaskAccepted>? accepted);
            // The saga's own decision: a RunAt a moment away is dispatched at once, and the answer may come back after it.
            var status = accepted!.Message.Duplicate ? "Existing" : accepted.Message.Status ?? (request.RunAt > DateTime.UtcNow ? "Scheduled" : "Queued");
            return new SubmissionOutcome.Accepted(new TaskSubmitted(accepted.Message.TaskId, status, accepted.Message.Duplicate));
        }
        catch (MassTransitException exception)
        {
            // Timeouts, an unreachable broker, or the saga failing to store the task: the client can safely retry.
            logger.LogWarning(exception, "Task {TaskId} of type {Type} could not be recorded", taskId, request.Type);
            return new SubmissionOutcome.Unavailable();
        }
    }
}
