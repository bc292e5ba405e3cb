using System.Diagnostics;
using System.Text.Json;
using Bus.Contracts.Tasks;
using Bus.Gateway.Tasks.Types;
using MassTransit;
using Microsoft.Extensions.Options;

namespace Bus.Gateway.Tasks;

/// <summary>
/// Every task's lifecycle. Workers' events may arrive out of order (the saga endpoint runs messages
/// concurrently), so terminal states are never left by a late start or progress report. Before every attempt the
/// worker claims it (<see cref="ClaimTaskAttempt"/>): a Cancelled or Completed task is refused and never runs, and a
/// granted claim carries the attempt's timeout.
/// </summary>
public sealed class TaskStateMachine : MassTransitStateMachine<TaskState>
{
    public State Scheduled { get; private set; } = null!;
    public State Queued { get; private set; } = null!;
    public State Running { get; private set; } = null!;
    public State Completed { get; private set; } = null!;
    public State Failed { get; private set; } = null!;
    public State Cancelled { get; private set; } = null!;

    public Event<SubmitTask> Submitted { get; private set; } = null!;
    public Event<ClaimTaskAttempt> Claimed { get; private set; } = null!;
    public Event<TaskStarted> Started { get; private set; } = null!;
    public Event<TaskProgressed> Progressed { get; private set; } = null!;
    public Event<TaskAttemptFailed> AttemptFailed { get; private set; } = null!;
    public Event<TaskCompleted> Succeeded { get; private set; } = null!;
    public Event<TaskFailed> Faulted { get; private set; } = null!;
    public Event<CancelTask> CancelRequested { get; private set; } = null!;
    public Event<TaskAttemptCancelled> AttemptCancelled { get; private set; } = null!;
    public Event<RetryTask> RetryRequested { get; private set; } = null!;

    public TaskStateMachine(TaskTypeCatalog catalog, SensitiveTaskData sensitive, IOptions<TaskTimeoutOptions> timeoutOptions)
    {
        var timeouts = timeoutOptions.Value;
        InstanceState(x => x.CurrentState);
        ConnectEventObserver(new Live.TaskChangeObserver());

        Event(() => Submitted, e => e.CorrelateById(c => c.Message.TaskId));
        Event(() => Claimed, e => e.CorrelateById(c => c.Message.TaskId));
        Event(() => Started, e => e.CorrelateById(c => c.Message.TaskId));
        Event(() => Progressed, e => e.CorrelateById(c => c.Message.TaskId));
        Event(() => AttemptFailed, e => e.CorrelateById(c => c.Message.TaskId));
        Event(() => Succeeded, e => e.CorrelateById(c => c.Message.TaskId));
        Event(() => Faulted, e => e.CorrelateById(c => c.Message.TaskId));
        Event(() => CancelRequested, e =>
        {
            e.CorrelateById(c => c.Message.TaskId);
            e.OnMissingInstance(missing => missing.ExecuteAsync(c => c.RespondAsync(new TaskNotFound(c.Message.TaskId))));
        });
        Event(() => AttemptCancelled, e =>
        {
            e.CorrelateById(c => c.Message.TaskId);
            e.OnMissingInstance(missing => missing.Discard());
        });
        Event(() => RetryRequested, e =>
        {
            e.CorrelateById(c => c.Message.TaskId);
            e.OnMissingInstance(missing => missing.ExecuteAsync(c => c.RespondAsync(new TaskNotFound(c.Message.TaskId))));
        });

        Initially(
            When(Submitted)
                .IfElseAsync(IsDuplicateKey,
                    duplicate => duplicate
                        .Respond(ctx => new TaskAccepted(ctx.GetPayload<EarlierTask>().TaskId, Duplicate: true))
                        .Finalize(),
                    fresh => fresh
                        .Then(ctx => RecordSubmission(ctx, catalog, sensitive, timeouts))
                        .IfElse(ctx => CommandFor(ctx, catalog, sensitive).IsValid,
                            valid => valid
                                .IfElseAsync(IsParentCancelled,
                                    orphan => orphan
                                        .Then(RecordCancellationWithParent)
                                        .TransitionTo(Cancelled),
                                    live => live
                                        .IfElse(IsDueLater,
                                            later => later
                                                .ThenAsync(ctx => ScheduleDispatch(ctx, CommandFor(ctx, catalog, sensitive).Command!))
                                                .TransitionTo(Scheduled),
                                            now => now
                                                .ThenAsync(ctx => Dispatch(ctx, CommandFor(ctx, catalog, sensitive).Command!))
                                                .TransitionTo(Queued)))
                                .Respond(ctx => new TaskAccepted(ctx.Saga.CorrelationId, Duplicate: false, ctx.Saga.CurrentState)),
                            invalid => invalid
                                .Then(ctx => RecordRejection(ctx, CommandFor(ctx, catalog, sensitive).Errors))
                                .TransitionTo(Failed)
                                .Respond(ctx => new TaskRejected(ctx.Saga.CorrelationId, CommandFor(ctx, catalog, sensitive).Errors)))));

        // Claims: a task that may still run is Running from its first granted claim on.
        During([Initial, Scheduled, Queued],
            When(Claimed).Then(ctx => RecordClaim(ctx, timeouts)).TransitionTo(Running).Respond(Granted));

        During(Running,
            When(Claimed, ctx => ctx.Saga.CancelRequestedAt is null)
                .Then(ctx => RecordClaim(ctx, timeouts)).Respond(Granted),
            // Asked to stop while between attempts (a retry, a redelivery, a worker that died): the next one never starts.
            When(Claimed, ctx => ctx.Saga.CancelRequestedAt is not null)
                .Then(RecordCancellation).TransitionTo(Cancelled).Respond(Refused));

        // A failed task's message moved back from the error queue by an operator runs again.
        During(Failed,
            When(Claimed).Then(ctx => RecordClaim(ctx, timeouts)).Respond(Granted));

        During([Completed, Cancelled],
            When(Claimed).Respond(Refused));

        During([Initial, Scheduled, Queued, Running],
            When(Started).Then(RecordStart).TransitionTo(Running),
            When(Progressed).Then(RecordProgress).TransitionTo(Running),
            When(AttemptFailed).Then(RecordAttemptFailure).TransitionTo(Running),
            When(Succeeded).Then(RecordSuccess).TransitionTo(Completed),
            When(Faulted).Then(RecordFailure).TransitionTo(Failed).Publish(DeadLettered));

        // The same SubmitTask again is a redelivery: the saga committed, then the Gateway died (or lost the broker)
        // before its command left and the message was acknowledged. Until a worker has claimed the task, nothing proves
        // the command left, so it is sent (or scheduled) again; a second copy is harmless (claims, workers' ledgers).
        During(Queued,
            When(Submitted)
                .ThenAsync(ctx => Dispatch(ctx, CommandFor(ctx, catalog, sensitive).Command!))
                .Respond(ctx => new TaskAccepted(ctx.Saga.CorrelationId, Duplicate: false, ctx.Saga.CurrentState)));

        During(Scheduled,
            When(Submitted)
                .ThenAsync(CancelScheduledDispatch)
                .ThenAsync(ctx => ScheduleDispatch(ctx, CommandFor(ctx, catalog, sensitive).Command!))
                .Respond(ctx => new TaskAccepted(ctx.Saga.CorrelationId, Duplicate: false, ctx.Saga.CurrentState)));

        During([Running, Completed, Failed, Cancelled],
            When(Submitted).Respond(ctx => new TaskAccepted(ctx.Saga.CorrelationId, Duplicate: true)));

        // Cancelling: a Scheduled or Queued task is Cancelled at once, and its message, whenever a worker gets it,
        // is refused at the claim. A Running one is asked to stop (every worker instance hears it) and becomes
        // Cancelled when its worker reports the attempt stopped — or Completed/Failed if that came first.
        // Cancelling a parent (a booking reminder) cancels its pending children too, whatever state the parent is in.
        During(Scheduled,
            When(CancelRequested)
                .ThenAsync(CancelPendingChildren)
                .ThenAsync(CancelScheduledDispatch)
                .Then(RecordCancellation)
                .TransitionTo(Cancelled)
                .Respond(ctx => new TaskCancelled(ctx.Saga.CorrelationId)));

        During(Queued,
            When(CancelRequested)
                .ThenAsync(CancelPendingChildren)
                .Then(RecordCancellation)
                .TransitionTo(Cancelled)
                .Respond(ctx => new TaskCancelled(ctx.Saga.CorrelationId)));

        During(Running,
            When(CancelRequested)
                .ThenAsync(CancelPendingChildren)
                .Then(RecordCancelRequest)
                .Publish(ctx => new TaskCancellationRequested(ctx.Saga.CorrelationId))
                .Respond(ctx => new TaskCancelling(ctx.Saga.CorrelationId)),
            When(AttemptCancelled)
                .Then(RecordAttemptCancelled)
                .TransitionTo(Cancelled));

        During(Cancelled,
            When(CancelRequested).ThenAsync(CancelPendingChildren).Respond(ctx => new TaskCancelled(ctx.Saga.CorrelationId)));

        // A finished parent's pending children (reminders it scheduled) can still be cancelled; the parent stays as it is.
        During([Completed, Failed],
            When(CancelRequested)
                .ThenAsync(CancelPendingChildren)
                .IfElse(ctx => ctx.GetPayload<CancelledChildren>().Count > 0,
                    children => children.Respond(ctx => new TaskChildrenCancelled(ctx.Saga.CorrelationId, ctx.Saga.CurrentState, ctx.GetPayload<CancelledChildren>().Count)),
                    none => none.Respond(ctx => new TaskNotCancellable(ctx.Saga.CorrelationId, ctx.Saga.CurrentState))));

        During([Scheduled, Queued, Completed, Failed, Cancelled],
            Ignore(AttemptCancelled));

        During([Failed, Cancelled],
            When(RetryRequested)
                .IfElse(ctx => RetryCommandFor(ctx, catalog).IsValid,
                    retry => retry
                        .ThenAsync(ctx => Dispatch(ctx, RetryCommandFor(ctx, catalog).Command!))
                        .Then(RecordRetry)
                        .TransitionTo(Queued)
                        .Respond(ctx => new TaskRetried(ctx.Saga.CorrelationId)),
                    refuse => refuse
                        .Respond(ctx => new TaskNotRetriable(ctx.Saga.CorrelationId, ctx.Saga.CurrentState,
                            ctx.Saga.Data is null ? "The task's data was never stored (it was sent straight to its queue)." : "The stored data is no longer valid for its task type."))));

        During([Scheduled, Queued, Running, Completed],
            When(RetryRequested).Respond(ctx => new TaskNotRetriable(ctx.Saga.CorrelationId, ctx.Saga.CurrentState, "Only a Failed or Cancelled task can be retried.")));

        During([Completed, Failed, Cancelled],
            When(Started).Then(RecordStart),
            Ignore(Progressed),
            Ignore(AttemptFailed));

        // A run the claims could not stop (a worker reporting TaskStarted itself, without claiming): recorded, the task stays Cancelled.
        During(Cancelled,
            When(Succeeded).Then(RecordSuccess),
            When(Faulted).Then(RecordFailure));

        During(Completed,
            Ignore(Succeeded),
            Ignore(Faulted));

        // A failed task whose message an operator redelivered from the error queue can still complete.
        During(Failed,
            When(Succeeded).Then(RecordSuccess).TransitionTo(Completed),
            Ignore(Faulted));

        SetCompletedWhenFinalized();
    }

    private static async Task<bool> IsDuplicateKey(BehaviorContext<TaskState, SubmitTask> context)
    {
        if (string.IsNullOrEmpty(context.Message.IdempotencyKey))
            return false;
        var lookup = context.GetServiceOrCreateInstance<ITaskLookup>();
        var earlier = await lookup.FindByIdempotencyKeyAsync(context.Message.Type, context.Message.IdempotencyKey, context.CancellationToken);
        if (earlier is not { } taskId || taskId == context.Message.TaskId)
            return false;
        context.GetOrAddPayload(() => new EarlierTask(taskId));
        return true;
    }

    /// <summary>
    /// A child submitted after its parent was cancelled, or asked to stop, would escape the parent's cancellation, which
    /// cancels only the children recorded by then. The lookup locks the parent's row until this transaction ends, so a
    /// cancellation running at the same time either finds this child among the pending ones or is seen here.
    /// </summary>
    private static async Task<bool> IsParentCancelled(BehaviorContext<TaskState, SubmitTask> context) =>
        context.Message.ParentTaskId is { } parentTaskId
        && await context.GetServiceOrCreateInstance<ITaskLookup>().IsCancelledOrCancellingAsync(parentTaskId, context.CancellationToken);

    private static TaskCommandResult CommandFor(BehaviorContext<TaskState, SubmitTask> context, TaskTypeCatalog catalog, SensitiveTaskData sensitive) =>
        context.GetOrAddPayload(() =>
        {
            // POST /tasks checked it already; a SubmitTask published on the bus may carry anything.
            if (context.Message.Priority is < 0 or > ServiceDefaults.Messaging.TaskPriority.Max)
                return TaskCommandResult.Invalid(new Dictionary<string, string[]>
                {
                    ["priority"] = [$"must be from 0 to {ServiceDefaults.Messaging.TaskPriority.Max}"],
                });
            return catalog.Find(context.Message.Type) is { } type
                ? type.CreateCommand(context.Message.TaskId, ProtectedData(context, catalog, sensitive))
                : TaskCommandResult.Invalid(new Dictionary<string, string[]>
                {
                    ["type"] = [$"'{context.Message.Type}' is not a known task type; expected one of: {string.Join(", ", catalog.Names)}"],
                });
        });

    /// <summary>Due more than a moment from now: worth a round trip through the Scheduler.</summary>
    private static bool IsDueLater(BehaviorContext<TaskState, SubmitTask> context) =>
        context.Message.RunAt is { } runAt && runAt.ToUniversalTime() > DateTime.UtcNow.AddMilliseconds(500);

    private static async Task ScheduleDispatch(BehaviorContext<TaskState, SubmitTask> context, object command)
    {
        var runAt = context.Message.RunAt!.Value.ToUniversalTime();
        var scheduled = await context.ScheduleSend(ServiceDefaults.Messaging.TaskQueueTopology.SendAddress(context.Saga.Queue), runAt, command,
            Pipe.Execute<SendContext>(send => ServiceDefaults.Messaging.TaskPriority.Apply(send, context.Saga.Priority)), context.CancellationToken);
        context.Saga.RunAt = runAt;
        context.Saga.ScheduleTokenId = scheduled.TokenId;
    }

    private static async Task CancelScheduledDispatch<T>(BehaviorContext<TaskState, T> context)
        where T : class
    {
        if (context.Saga.ScheduleTokenId is { } token)
            await context.GetPayload<MessageSchedulerContext>().CancelScheduledSend(ServiceDefaults.Messaging.TaskQueueTopology.SendAddress(context.Saga.Queue), token, context.CancellationToken);
    }

    /// <summary>Each child's own saga cancels it (and its scheduled dispatch); the sends leave after this transition commits.</summary>
    private static async Task CancelPendingChildren(BehaviorContext<TaskState, CancelTask> context)
    {
        var lookup = context.GetServiceOrCreateInstance<ITaskLookup>();
        var children = await lookup.FindPendingChildrenAsync(context.Saga.CorrelationId, context.CancellationToken);
        if (children.Count > 0)
        {
            var taskState = await context.GetSendEndpoint(new Uri($"queue:{ServiceDefaults.Messaging.QueueNames.TaskState}"));
            foreach (var child in children)
                await taskState.Send(new CancelTask(child), context.CancellationToken);
        }
        context.GetOrAddPayload(() => new CancelledChildren(children.Count));
    }

    private static void RecordCancellation<T>(BehaviorContext<TaskState, T> context)
        where T : class
    {
        context.Saga.FinishedAt = Now(context);
        Touch(context);
    }

    private static void RecordCancellationWithParent(BehaviorContext<TaskState, SubmitTask> context)
    {
        context.Saga.ErrorType = "Cancelled";
        context.Saga.Error = $"Its parent task {context.Message.ParentTaskId} was cancelled before this task was submitted.";
        RecordCancellation(context);
    }

    private static void RecordCancelRequest(BehaviorContext<TaskState, CancelTask> context)
    {
        context.Saga.CancelRequestedAt ??= Now(context);
        Touch(context);
    }

    private static void RecordAttemptCancelled(BehaviorContext<TaskState, TaskAttemptCancelled> context)
    {
        context.Saga.AttemptLog = AttemptLog.RecordFailure(context.Saga.AttemptLog, Now(context), "Cancelled", "The attempt stopped: the task was cancelled.");
        context.Saga.FinishedAt = Now(context);
        Touch(context);
    }

    private static TaskAttemptClaimed Granted(BehaviorContext<TaskState, ClaimTaskAttempt> context) =>
        new(context.Saga.CorrelationId, context.Saga.Timeout);

    private static TaskAttemptRefused Refused(BehaviorContext<TaskState, ClaimTaskAttempt> context) =>
        new(context.Saga.CorrelationId, context.Saga.CurrentState);

    private static TaskCommandResult RetryCommandFor(BehaviorContext<TaskState, RetryTask> context, TaskTypeCatalog catalog) =>
        context.GetOrAddPayload(() =>
        {
            if (context.Saga.Data is null || catalog.Find(context.Saga.Type) is not { } type)
                return TaskCommandResult.Invalid(new Dictionary<string, string[]>());
            using var data = JsonDocument.Parse(context.Saga.Data);
            return type.CreateCommand(context.Saga.CorrelationId, data.RootElement);
        });

    private static void RecordRetry(BehaviorContext<TaskState, RetryTask> context)
    {
        var saga = context.Saga;
        saga.Error = null;
        saga.ErrorType = null;
        saga.Result = null;
        saga.Progress = 0;
        saga.ProgressMessage = null;
        saga.FinishedAt = null;
        saga.CancelRequestedAt = null;
        Touch(context);
    }

    private static async Task Dispatch<T>(BehaviorContext<TaskState, T> context, object command)
        where T : class
    {
        var endpoint = await context.GetSendEndpoint(ServiceDefaults.Messaging.TaskQueueTopology.SendAddress(context.Saga.Queue));
        await endpoint.Send(command, send => ServiceDefaults.Messaging.TaskPriority.Apply(send, context.Saga.Priority), context.CancellationToken);
    }

    /// <summary>The submitted data with its type's sensitive fields encrypted: the Gateway's HTTP path already did it, other submitters may not have.</summary>
    private static JsonElement ProtectedData(BehaviorContext<TaskState, SubmitTask> context, TaskTypeCatalog catalog, SensitiveTaskData sensitive) =>
        context.GetOrAddPayload(() => new SubmittedData(catalog.Find(context.Message.Type) is { } type
            ? sensitive.Protect(type, context.Message.Data)
            : context.Message.Data)).Data;

    private static void RecordSubmission(BehaviorContext<TaskState, SubmitTask> context, TaskTypeCatalog catalog, SensitiveTaskData sensitive, TaskTimeoutOptions timeouts)
    {
        var saga = context.Saga;
        var message = context.Message;
        saga.Type = message.Type;
        saga.Queue = ServiceDefaults.Messaging.TaskRoutes.FindByType(message.Type)?.Queue ?? "";
        saga.Priority = message.Priority;
        saga.IdempotencyKey = message.IdempotencyKey;
        saga.ParentTaskId = message.ParentTaskId;
        saga.Data = ProtectedData(context, catalog, sensitive).GetRawText();
        saga.Timeout = message.Timeout ?? timeouts.For(message.Type);
        Touch(context);
    }

    private static void RecordRejection(BehaviorContext<TaskState, SubmitTask> context, IReadOnlyDictionary<string, string[]> errors)
    {
        context.Saga.ErrorType = "ValidationFailed";
        context.Saga.Error = JsonSerializer.Serialize(errors);
        context.Saga.FinishedAt = Now(context);
    }

    private static void RecordStart(BehaviorContext<TaskState, TaskStarted> context)
    {
        RecordAttemptStart(context.Saga, context.Message.Type, context.Message.Queue, Now(context));
        Touch(context);
    }

    /// <summary>A task first seen through its claim (sent straight to a queue) gets its type's default timeout.</summary>
    private static void RecordClaim(BehaviorContext<TaskState, ClaimTaskAttempt> context, TaskTimeoutOptions timeouts)
    {
        RecordAttemptStart(context.Saga, context.Message.Type, context.Message.Queue, Now(context));
        context.Saga.Timeout ??= timeouts.For(context.Saga.Type);
        Touch(context);
    }

    private static void RecordAttemptStart(TaskState saga, string type, string queue, DateTime now)
    {
        if (saga.Type.Length == 0)
            saga.Type = type;
        if (saga.Queue.Length == 0)
            saga.Queue = queue;
        saga.Attempts++;
        saga.StartedAt ??= now;
        saga.AttemptLog = AttemptLog.Append(saga.AttemptLog, new TaskAttempt(saga.Attempts, now));
    }

    private static void RecordProgress(BehaviorContext<TaskState, TaskProgressed> context)
    {
        context.Saga.Progress = Math.Clamp(context.Message.Percent, 0, 100);
        context.Saga.ProgressMessage = context.Message.Message;
        Touch(context);
    }

    private static void RecordAttemptFailure(BehaviorContext<TaskState, TaskAttemptFailed> context)
    {
        context.Saga.ErrorType = context.Message.ExceptionType;
        context.Saga.Error = context.Message.Message;
        context.Saga.AttemptLog = AttemptLog.RecordFailure(context.Saga.AttemptLog, Now(context), context.Message.ExceptionType, context.Message.Message);
        Touch(context);
    }

    private static void RecordSuccess(BehaviorContext<TaskState, TaskCompleted> context)
    {
        var saga = context.Saga;
        saga.Result = context.Message.Result?.GetRawText();
        saga.Progress = 100;
        saga.Error = null;
        saga.ErrorType = null;
        saga.StartedAt ??= Now(context);
        saga.FinishedAt = Now(context);
        Touch(context);
    }

    private static void RecordFailure(BehaviorContext<TaskState, TaskFailed> context)
    {
        context.Saga.ErrorType = context.Message.ExceptionType;
        context.Saga.Error = context.Message.Reason;
        context.Saga.FinishedAt = Now(context);
        Touch(context);
    }

    private static TaskDeadLettered DeadLettered(BehaviorContext<TaskState, TaskFailed> context) =>
        new(context.Saga.CorrelationId, context.Saga.Type, context.Saga.Queue, context.Message.ExceptionType, context.Message.Reason, context.Saga.FinishedAt ?? Now(context));

    private static void Touch<T>(BehaviorContext<TaskState, T> context)
        where T : class
    {
        var now = Now(context);
        if (context.Saga.CreatedAt == default)
        {
            context.Saga.CreatedAt = now;
            context.Saga.TraceId = Activity.Current?.TraceId.ToHexString();
        }
        // Events may be processed out of order: the record's time of last change never goes back.
        if (now > context.Saga.UpdatedAt)
            context.Saga.UpdatedAt = now;
    }

    /// <summary>When the event happened: the sender's clock, so queueing delays don't skew task timings.</summary>
    private static DateTime Now(ConsumeContext context) => context.SentTime ?? DateTime.UtcNow;

    private sealed record EarlierTask(Guid TaskId);

    private sealed record CancelledChildren(int Count);

    private sealed record SubmittedData(JsonElement Data);
}
