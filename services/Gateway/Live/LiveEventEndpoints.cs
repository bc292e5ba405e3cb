using Bus.Gateway.Persistence;
using Bus.Gateway.Security;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Bus.Gateway.Live;

public static class LiveEventEndpoints
{
    public const string ChangeEvent = "taskChanged";
    public const string OverflowEvent = "overflow";
    private const int MaxFilterLength = 200;

    public static IEndpointRouteBuilder MapLiveEvents(this IEndpointRouteBuilder app)
    {
        app.MapGet("/tasks/{id:guid}/events", StreamTaskAsync).WithTags("Live events")
            .RequireAuthorization(GatewayPolicies.Viewer)
            .WithSummary("One task's changes as Server-Sent Events")
            .WithDescription("Sends the task's current state, then every state and progress change (`event: taskChanged`, JSON data), with a heartbeat comment every 15 s; ends after Completed, Failed or Cancelled. Browsers' EventSource may pass the token as `?access_token=`.")
            .Produces<LiveTaskEvent>(contentType: "text/event-stream")
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);
        app.MapGet("/events", StreamAllAsync).WithTags("Live events")
            .RequireAuthorization(GatewayPolicies.Viewer)
            .WithSummary("Every task's changes as Server-Sent Events")
            .WithDescription("Every state and progress change of every task, optionally only of one `type` or `queue`; a client that falls too far behind gets `event: overflow` and is disconnected. Browsers' EventSource may pass the token as `?access_token=`.")
            .Produces<LiveTaskEvent>(contentType: "text/event-stream")
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);
        app.MapHub<TaskEventsHub>(TaskEventsHub.Path).RequireAuthorization(GatewayPolicies.Viewer);
        return app;
    }

    /// <summary>The task's current state, then each change; ends after a terminal state (or when the client leaves).</summary>
    private static async Task<IResult> StreamTaskAsync(
        Guid id, HttpContext http, TaskDbContext db, LiveEventFeed feed, IOptions<LiveEventOptions> options, IHostApplicationLifetime lifetime,
        CancellationToken cancellationToken)
    {
        if (!await feed.WaitUntilListeningAsync(cancellationToken))
            return Unavailable();
        // Subscribed before the read: a change committed in between is buffered, and skipped if the read already has it.
        using var subscription = feed.Subscribe(change => change.TaskId == id);
        var task = await db.Tasks.AsNoTracking().FirstOrDefaultAsync(t => t.CorrelationId == id, cancellationToken);
        if (task is null)
            return TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Task not found", detail: $"No task has id {id}.");

        var current = LiveTaskEvent.From(task);
        return await StreamAsync(http, subscription, current, options.Value, endAfterTerminal: true, lifetime, cancellationToken);
    }

    /// <summary>Every task's changes from now on, optionally only one <c>type</c> and/or <c>queue</c>.</summary>
    private static async Task<IResult> StreamAllAsync(
        HttpContext http, LiveEventFeed feed, IOptions<LiveEventOptions> options, IHostApplicationLifetime lifetime, string? type, string? queue,
        CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>();
        if (type is { Length: 0 or > MaxFilterLength })
            errors["type"] = [$"must be 1 to {MaxFilterLength} characters"];
        if (queue is { Length: 0 or > MaxFilterLength })
            errors["queue"] = [$"must be 1 to {MaxFilterLength} characters"];
        if (errors.Count > 0)
            return TypedResults.ValidationProblem(errors, title: "The filter is not valid");
        if (!await feed.WaitUntilListeningAsync(cancellationToken))
            return Unavailable();

        using var subscription = feed.Subscribe(change =>
            (type is null || change.Type == type) && (queue is null || change.Queue == queue));
        return await StreamAsync(http, subscription, current: null, options.Value, endAfterTerminal: false, lifetime, cancellationToken);
    }

    private static async Task<IResult> StreamAsync(
        HttpContext http, LiveEventSubscription subscription, LiveTaskEvent? current, LiveEventOptions options, bool endAfterTerminal,
        IHostApplicationLifetime lifetime, CancellationToken requestAborted)
    {
        // Shutting down ends streams at once (clients reconnect to another replica) instead of holding the server open.
        using var ending = CancellationTokenSource.CreateLinkedTokenSource(requestAborted, lifetime.ApplicationStopping);
        var cancellationToken = ending.Token;
        try
        {
            var stream = await ServerSentEvents.StartAsync(http, cancellationToken);
            if (current is not null)
            {
                await WriteChangeAsync(stream, current, cancellationToken);
                if (endAfterTerminal && current.IsTerminal())
                    return Results.Empty;
            }

            while (true)
            {
                if (!await WaitForChangesAsync(subscription, stream, options.HeartbeatInterval, cancellationToken))
                {
                    if (subscription.Overflowed)
                        await stream.WriteAsync(OverflowEvent, "overflow", new { reason = $"more than {options.SubscriberBufferSize} events behind; reconnect" }, cancellationToken);
                    return Results.Empty;
                }
                while (subscription.Changes.TryRead(out var change))
                {
                    // Buffered while the current state was read, and already part of it (compared at the database's precision).
                    if (current is not null && change.Version() <= current.Version())
                        continue;
                    await WriteChangeAsync(stream, change, cancellationToken);
                    if (endAfterTerminal && change.IsTerminal())
                        return Results.Empty;
                }
            }
        }
        catch (OperationCanceledException) when (ending.IsCancellationRequested)
        {
            return Results.Empty;
        }
    }

    /// <summary>False when the subscription ended (overflow, shutdown); a heartbeat for every idle interval meanwhile.</summary>
    private static async Task<bool> WaitForChangesAsync(
        LiveEventSubscription subscription, ServerSentEvents stream, TimeSpan heartbeat, CancellationToken cancellationToken)
    {
        while (true)
        {
            using var idle = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            idle.CancelAfter(heartbeat);
            try
            {
                return await subscription.Changes.WaitToReadAsync(idle.Token);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                await stream.HeartbeatAsync(cancellationToken);
            }
        }
    }

    private static Task WriteChangeAsync(ServerSentEvents stream, LiveTaskEvent change, CancellationToken cancellationToken) =>
        stream.WriteAsync(ChangeEvent, $"{change.TaskId:N}:{change.Version()}", change, cancellationToken);

    private static IResult Unavailable() =>
        TypedResults.Problem(statusCode: StatusCodes.Status503ServiceUnavailable, title: "Live events unavailable",
            detail: "This Gateway is not connected to Redis; try again shortly.");
}
