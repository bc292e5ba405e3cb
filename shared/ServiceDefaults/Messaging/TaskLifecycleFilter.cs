using System.Diagnostics;
using Bus.Contracts.Tasks;
using Bus.ServiceDefaults.Metrics;
using Bus.ServiceDefaults.Options;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Bus.ServiceDefaults.Messaging;

/// <summary>
/// Runs inside the retry filter, around every attempt:
/// <list type="number">
/// <item>claims the attempt from the task saga (<see cref="ClaimTaskAttempt"/>, which is also its start report) and
/// acknowledges without running a task the saga says is Cancelled or Completed — so a cancelled task never runs, however
/// many replicas there are and even if none was running at cancel time;</item>
/// <item>gives the consumer a <see cref="ConsumeContext.CancellationToken"/> that fires when the task is cancelled
/// (<see cref="TaskCancellationRequested"/>) or its timeout elapses;</item>
/// <item>reports the end: a cancelled attempt as <see cref="TaskAttemptCancelled"/> (acknowledged, not retried), a
/// failed or timed-out one as <see cref="TaskAttemptFailed"/> (a timeout is permanent: no retries). The final failure
/// reaches the saga from the bus's own Fault&lt;T&gt;.</item>
/// <item>counts the attempt and its duration by outcome (<see cref="TaskMetrics"/>).</item>
/// </list>
/// If the saga does not answer the claim within <see cref="TaskAttemptOptions.ClaimTimeout"/> the attempt does not
/// run: <see cref="TaskClaimException"/> sends the message the normal retry and redelivery way.
/// </summary>
public sealed class TaskLifecycleFilter<T>(IServiceProvider services) : IFilter<ConsumeContext<T>>
    where T : class, ITaskCommand
{
    private static readonly TaskRoute Route = TaskRoutes.ForCommand(typeof(T));
    private static readonly Uri TaskStateAddress = new($"queue:{QueueNames.TaskState}");

    // Resolved on the first message: the client factory needs the bus, which is still being built when endpoints are configured.
    private readonly Lazy<Dependencies> _dependencies = new(() => new Dependencies(
        services.GetRequiredService<RunningTaskAttempts>(),
        services.GetRequiredService<IClientFactory>(),
        services.GetRequiredService<IOptions<TaskAttemptOptions>>().Value,
        services.GetRequiredService<TaskMetrics>(),
        services.GetRequiredService<ILogger<TaskLifecycleFilter<T>>>()));

    public async Task Send(ConsumeContext<T> context, IPipe<ConsumeContext<T>> next)
    {
        var (running, clients, options, metrics, logger) = _dependencies.Value;
        var taskId = context.Message.TaskId;
        var started = Stopwatch.GetTimestamp();
        // Whatever throws before the attempt says otherwise (an unanswered claim included) is a failed attempt.
        var outcome = TaskAttemptOutcome.Failed;
        try
        {
            using var attempt = running.Begin(taskId, context.CancellationToken);
            var claim = await ClaimAsync(context, clients, options, taskId);
            if (claim.Is(out Response<TaskAttemptRefused>? refused))
            {
                logger.LogInformation("Task {TaskId} is {Status}: its message is acknowledged without running", taskId, refused.Message.Status);
                outcome = TaskAttemptOutcome.Refused;
                return;
            }
            claim.Is(out Response<TaskAttemptClaimed>? claimed);
            if (claimed!.Message.Timeout is { } timeout)
                attempt.StopAfter(timeout);

            try
            {
                await next.Send(new TaskAttemptConsumeContext<T>(context, attempt));
                outcome = TaskAttemptOutcome.Completed;
            }
            catch (Exception) when (attempt.StoppedBy == TaskAttemptStop.Cancelled)
            {
                logger.LogInformation("Task {TaskId} was cancelled while running; its attempt stopped", taskId);
                outcome = TaskAttemptOutcome.Cancelled;
                await context.Publish(new TaskAttemptCancelled(taskId), CancellationToken.None);
            }
            catch (Exception exception) when (attempt.StoppedBy == TaskAttemptStop.TimedOut)
            {
                var timedOut = attempt.TimedOut();
                logger.LogWarning(exception, "Task {TaskId} timed out after {Timeout}", taskId, attempt.Timeout);
                outcome = TaskAttemptOutcome.TimedOut;
                await ReportFailure(context, taskId, timedOut);
                throw timedOut;
            }
            catch (Exception exception)
            {
                await ReportFailure(context, taskId, exception);
                throw;
            }
        }
        finally
        {
            metrics.AttemptEnded(Route.Type, QueueOf(context), outcome, Stopwatch.GetElapsedTime(started));
        }
    }

    private static async Task<Response<TaskAttemptClaimed, TaskAttemptRefused>> ClaimAsync(
        ConsumeContext<T> context, IClientFactory clients, TaskAttemptOptions options, Guid taskId)
    {
        var client = clients.CreateRequestClient<ClaimTaskAttempt>(context, TaskStateAddress, RequestTimeout.After(ms: (int)options.ClaimTimeout.TotalMilliseconds));
        try
        {
            return await client.GetResponse<TaskAttemptClaimed, TaskAttemptRefused>(new ClaimTaskAttempt(taskId, Route.Type, Route.Queue), context.CancellationToken);
        }
        catch (RequestTimeoutException exception)
        {
            var unclaimed = new TaskClaimException($"The task saga did not allow the attempt of task {taskId} within {options.ClaimTimeout}; it did not run.", exception);
            // As a consumer's exception would be: held by the retry filter, and once retries and redeliveries are
            // spent a Fault<T> tells the saga (when it is back) that the task failed.
            await context.NotifyFaulted(options.ClaimTimeout, nameof(TaskLifecycleFilter<T>), unclaimed);
            throw unclaimed;
        }
    }

    /// <summary>The queue the message came from (its receive endpoint's last address segment), e.g. <c>email</c>.</summary>
    private static string QueueOf(ConsumeContext context) =>
        context.ReceiveContext.InputAddress.AbsolutePath.TrimEnd('/').Split('/')[^1];

    private static Task ReportFailure(ConsumeContext context, Guid taskId, Exception exception) =>
        context.Publish(
            new TaskAttemptFailed(taskId, exception.GetType().FullName ?? exception.GetType().Name, exception.Message),
            CancellationToken.None);

    public void Probe(ProbeContext context) => context.CreateFilterScope("taskLifecycle");

    private sealed record Dependencies(RunningTaskAttempts Running, IClientFactory Clients, TaskAttemptOptions Options, TaskMetrics Metrics, ILogger Logger);
}
