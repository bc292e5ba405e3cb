using Bus.Gateway.Api;
using Bus.Gateway.Security;
using Bus.Gateway.Tasks.Types;
using Microsoft.Extensions.Options;

namespace Bus.Gateway.Admin;

public sealed record SampleTask(string Type, Guid? TaskId, string Status, IReadOnlyDictionary<string, string[]>? Errors);

/// <summary>
/// <c>POST /demo/create-sample-tasks</c>: one task of every type with the type's own example, submitted like any other.
/// Mapped only with <c>Gateway:EnableDemoEndpoints</c> (on in Development), so elsewhere the route does not exist (404).
/// </summary>
public static class DemoEndpoints
{
    public static IEndpointRouteBuilder MapDemoEndpoints(this WebApplication app)
    {
        if (app.Services.GetRequiredService<IOptions<GatewayOptions>>().Value.EnableDemoEndpoints)
            app.MapPost("/demo/create-sample-tasks", CreateSampleTasksAsync).WithTags("Demo")
                .RequireAuthorization(GatewayPolicies.Producer)
                .WithSummary("Create one sample task of every type")
                .WithDescription("Submits each task type's documented example, exactly as POST /tasks would. Exists only with Gateway:EnableDemoEndpoints (on in Development).")
                .Produces<IReadOnlyList<SampleTask>>()
                .ProducesProblem(StatusCodes.Status503ServiceUnavailable);
        return app;
    }

    private static async Task<IResult> CreateSampleTasksAsync(IEnumerable<ITaskType> types, TaskSubmitter submitter, CancellationToken cancellationToken)
    {
        var created = new List<SampleTask>();
        foreach (var type in types.OrderBy(t => t.Route.Type, StringComparer.Ordinal))
        {
            var request = new SubmitTaskRequest(type.Route.Type, Priority: 0, type.Example, IdempotencyKey: null, RunAt: null);
            created.Add(await submitter.SubmitAsync(request, cancellationToken) switch
            {
                SubmissionOutcome.Accepted { Task: var task } => new SampleTask(type.Route.Type, task.TaskId, task.Status, null),
                SubmissionOutcome.Invalid { Errors: var errors } => new SampleTask(type.Route.Type, null, "Rejected", errors),
                _ => new SampleTask(type.Route.Type, null, "Unavailable", null),
            });
        }
        return created.All(t => t.TaskId is not null)
            ? TypedResults.Ok(created)
            : TypedResults.Json(created, statusCode: created.Any(t => t.Status == "Unavailable") ? StatusCodes.Status503ServiceUnavailable : StatusCodes.Status500InternalServerError);
    }
}
