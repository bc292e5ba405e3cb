using Bus.Gateway.Queues;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Bus.Gateway.Api;

public static class StatsEndpoints
{
    public static IEndpointRouteBuilder MapStatsEndpoints(this IEndpointRouteBuilder app)
    {
        var stats = app.MapGroup("/stats").WithTags("Stats");
        stats.MapGet("/queues", ListQueuesAsync);
        stats.MapGet("/queues/{name}", GetQueueAsync);
        stats.MapGet("/system", GetSystemAsync);
        app.MapGet("/health", GetHealthAsync).WithTags("Stats").AllowAnonymous();
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
