using Bus.Gateway.Queues;
using Bus.Gateway.Security;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Bus.Gateway.Api;

public static class StatsEndpoints
{
    public static IEndpointRouteBuilder MapStatsEndpoints(this IEndpointRouteBuilder app)
    {
        var stats = app.MapGroup("/stats").WithTags("Stats").RequireAuthorization(GatewayPolicies.Viewer);
        stats.MapGet("/queues", ListQueuesAsync)
            .WithSummary("Every task queue's statistics")
            .WithDescription("Waiting and active messages, consumers, error-queue depth and rates from RabbitMQ, and the tasks by status from PostgreSQL.");
        stats.MapGet("/queues/{name}", GetQueueAsync)
            .WithSummary("One task queue's statistics")
            .WithDescription("As GET /stats/queues for one queue; a name that is not a task queue answers 404.")
            .ProducesProblem(StatusCodes.Status404NotFound);
        stats.MapGet("/system", GetSystemAsync)
            .WithSummary("System statistics")
            .WithDescription("Totals by status, completions per minute over 15 minutes, processing time and success rate over the last hour.");
        app.MapGet("/health", GetHealthAsync).WithTags("Stats").AllowAnonymous()
            .WithSummary("Health summary")
            .WithDescription("RabbitMQ, PostgreSQL and every task queue: Degraded (still 200) when a queue has no consumer, 503 when a check is unhealthy. Anonymous.")
            .Produces<HealthSummary>()
            .Produces<HealthSummary>(StatusCodes.Status503ServiceUnavailable);
        return app;
    }

    private static async Task<Ok<IReadOnlyList<QueueStats>>> ListQueuesAsync(QueueStatsService queues, CancellationToken cancellationToken) =>
        TypedResults.Ok(await queues.GetAsync(QueueStatsService.TaskQueues, cancellationToken));

    private static async Task<Results<Ok<QueueStats>, ProblemHttpResult>> GetQueueAsync(
        string name, QueueStatsService queues, CancellationToken cancellationToken)
    {
        if (!QueueStatsService.IsTaskQueue(name))
            return TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Queue not found",
                detail: $"{name} is not a task queue; task queues: {string.Join(", ", QueueStatsService.TaskQueues)}.");
        return TypedResults.Ok((await queues.GetAsync([name], cancellationToken))[0]);
    }

    private static async Task<Ok<SystemStats>> GetSystemAsync(SystemStatsQuery query, CancellationToken cancellationToken) =>
        TypedResults.Ok(await query.GetAsync(cancellationToken));

    /// <summary>Every registered check plus the task queues; 503 only when a check is unhealthy, so a Degraded system stays in rotation.</summary>
    private static async Task<JsonHttpResult<HealthSummary>> GetHealthAsync(
        HealthCheckService health, QueueStatsService queues, ILogger<HealthSummary> logger, CancellationToken cancellationToken)
    {
        var report = await health.CheckHealthAsync(cancellationToken);
        IReadOnlyList<QueueStats> queueStats;
        try
        {
            queueStats = await queues.GetAsync(QueueStatsService.TaskQueues, cancellationToken);
        }
        catch (Exception exception) when (exception is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            // The task store is down: the postgres check already says so, and the queues are reported unknown.
            logger.LogWarning(exception, "Queue statistics unavailable for /health");
            queueStats = [.. QueueStatsService.TaskQueues.Select(q => QueueStats.From(q, null, null, StatusCounts.None))];
        }

        var summary = HealthSummary.From(report, queueStats);
        return TypedResults.Json(summary, statusCode: summary.Status == nameof(HealthStatus.Unhealthy)
            ? StatusCodes.Status503ServiceUnavailable
            : StatusCodes.Status200OK);
    }
}
