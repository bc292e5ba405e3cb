using System.Text.Json;
using Bus.Contracts.Email;
using Bus.Contracts.Tasks;
using Bus.Gateway.Tasks;
using Bus.Gateway.Tasks.Types;
using MassTransit;
using MassTransit.Saga;
using MassTransit.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Bus.UnitTests.Tasks;

public sealed class TaskStateMachineTests : IAsyncLifetime
{
    private static readonly JsonElement ValidEmail = JsonSerializer.SerializeToElement(new
    {
        to = new[] { "user@example.com" },
        subject = "Test Email",
        body = "This is a test email",
    });

    private static readonly TimeSpan EmailTimeout = TimeSpan.FromMinutes(2);

    private ServiceProvider _provider = null!;
    private ITestHarness _harness = null!;
    private ISagaStateMachineTestHarness<TaskStateMachine, TaskState> _sagas = null!;

    public async Task InitializeAsync()
    {
        _provider = new ServiceCollection()
            .AddSingleton<ITaskType, EmailNotificationTaskType>()
            .AddSingleton<TaskTypeCatalog>()
            .AddSingleton(TestSecrets.Protector)
            .AddSingleton<SensitiveTaskData>()
            .AddScoped<ITaskLookup, InMemoryTaskLookup>()
            .Configure<TaskTimeoutOptions>(timeouts =>
            {
                timeouts.Default = TimeSpan.FromMinutes(10);
                timeouts.Types["email_notification"] = EmailTimeout;
            })
            .AddMassTransitTestHarness(x =>
            {
                x.SetTestTimeouts(testInactivityTimeout: TimeSpan.FromSeconds(5));
                x.AddDelayedMessageScheduler();
                x.UsingInMemory((context, bus) =>
                {
                    bus.UseDelayedMessageScheduler();
                    bus.ConfigureEndpoints(context);
                });
                x.AddSagaStateMachine<TaskStateMachine, TaskState>().InMemoryRepository();
                x.AddConsumer<TaskFaultConsumer<SendEmail>>();
                x.AddConsumer<FailingEmailConsumer>().Endpoint(e => e.Name = "email");
            })
            .BuildServiceProvider(true);
        _harness = _provider.GetRequiredService<ITestHarness>();
        _sagas = _harness.GetSagaStateMachineHarness<TaskStateMachine, TaskState>();
        await _harness.Start();
    }

    public async Task DisposeAsync()
    {
        await _harness.Stop();
        await _provider.DisposeAsync();
    }

    [Fact]
    public async Task A_submitted_task_is_queued_then_running_then_completed_with_its_result()
    {
        var taskId = NewId.NextGuid();
        var accepted = await Submit(taskId, "email_notification", ValidEmail);

        Assert.Equal(taskId, accepted.TaskId);
        Assert.False(accepted.Duplicate);
        Assert.Equal("Queued", accepted.Status);
        var task = await WaitForState(taskId, machine => machine.Queued);
        Assert.Equal("email", task.Queue);
        Assert.True(await _harness.Sent.Any<SendEmail>(m => m.Context.Message.TaskId == taskId && m.Context.Message.To.Single() == "user@example.com"));

        await _harness.Bus.Publish(new TaskStarted(taskId, "email_notification", "email"));
        task = await WaitForState(taskId, machine => machine.Running);
        Assert.Equal(1, task.Attempts);
        Assert.NotNull(task.StartedAt);

        await _harness.Bus.Publish(new TaskCompleted(taskId, JsonSerializer.SerializeToElement(new { messageId = "m-1" })));
        task = await WaitForState(taskId, machine => machine.Completed);
        Assert.Equal(100, task.Progress);
        Assert.Contains("m-1", task.Result);
        Assert.NotNull(task.FinishedAt);
    }

    [Fact]
    public async Task A_fault_of_the_task_command_fails_the_task_with_the_exception()
    {
        var taskId = NewId.NextGuid();
        var failing = JsonSerializer.SerializeToElement(new { to = new[] { "user@example.com" }, subject = "fail", body = "b" });
        await Submit(taskId, "email_notification", failing);
        await _harness.Bus.Publish(new TaskStarted(taskId, "email_notification", "email"));
        await _harness.Bus.Publish(new TaskAttemptFailed(taskId, "System.Net.Sockets.SocketException", "Connection refused"));

        var task = await WaitForState(taskId, machine => machine.Failed);
        Assert.True(await _harness.Published.Any<Fault<SendEmail>>(f => f.Context.Message.Message.TaskId == taskId));
        Assert.Equal("SMTP refused the connection", task.Error);
        Assert.Equal(typeof(InvalidOperationException).FullName, task.ErrorType);
        Assert.NotNull(task.FinishedAt);
    }

    [Fact]
    public async Task A_task_that_fails_for_good_is_announced_dead_lettered_once_with_its_type_queue_and_reason()
    {
        var taskId = NewId.NextGuid();
        var failing = JsonSerializer.SerializeToElement(new { to = new[] { "user@example.com" }, subject = "fail", body = "b" });
        await Submit(taskId, "email_notification", failing);
        await _harness.Bus.Publish(new TaskStarted(taskId, "email_notification", "email"));
        await WaitForState(taskId, machine => machine.Failed);

        // A late, repeated failure report of a task that is already Failed announces nothing more.
        await _harness.Bus.Publish(new TaskFailed(taskId, "System.InvalidOperationException", "again"));
        await WaitUntil(() => _harness.Consumed.Select<TaskFailed>().Count(m => m.Context.Message.TaskId == taskId) == 2);

        var announced = _harness.Published.Select<TaskDeadLettered>().Where(m => m.Context.Message.TaskId == taskId).ToList();
        var deadLettered = Assert.Single(announced).Context.Message;
        Assert.Equal("email_notification", deadLettered.Type);
        Assert.Equal("email", deadLettered.Queue);
        Assert.Equal("SMTP refused the connection", deadLettered.Reason);
    }

    [Fact]
    public async Task Submitting_the_same_idempotency_key_twice_returns_the_first_task()
    {
        var first = await Submit(NewId.NextGuid(), "email_notification", ValidEmail, idempotencyKey: "order-42");
        await WaitForState(first.TaskId, machine => machine.Queued);

        var secondId = NewId.NextGuid();
        var second = await Submit(secondId, "email_notification", ValidEmail, idempotencyKey: "order-42");

        Assert.True(second.Duplicate);
        Assert.Equal(first.TaskId, second.TaskId);
        // Without the saga's outbox here, the reply can overtake the repository discarding the duplicate.
        var repository = _provider.GetRequiredService<IQuerySagaRepository<TaskState>>();
        await WaitUntil(() => !repository.Find(new SagaQuery<TaskState>(s => s.CorrelationId == secondId)).Result.Any());
        Assert.Single(_harness.Sent.Select<SendEmail>());
    }

    [Fact]
    public async Task A_submission_delivered_again_before_any_worker_claimed_it_sends_its_command_again()
    {
        // The saga committed, then its Gateway died before the command left: the redelivered SubmitTask must not strand it.
        var taskId = NewId.NextGuid();
        await Submit(taskId, "email_notification", ValidEmail);
        await WaitForState(taskId, machine => machine.Queued);

        var again = await Submit(taskId, "email_notification", ValidEmail);

        Assert.Equal(taskId, again.TaskId);
        Assert.False(again.Duplicate);
        await WaitUntil(() => _harness.Sent.Select<SendEmail>(m => m.Context.Message.TaskId == taskId).Count() == 2);
    }

    [Fact]
    public async Task A_submission_delivered_again_after_a_worker_claimed_it_is_only_answered()
    {
        var taskId = NewId.NextGuid();
        await Submit(taskId, "email_notification", ValidEmail);
        await Claim(taskId);

        var again = await Submit(taskId, "email_notification", ValidEmail);

        Assert.True(again.Duplicate);
        Assert.Single(_harness.Sent.Select<SendEmail>(m => m.Context.Message.TaskId == taskId));
    }

    [Fact]
    public async Task The_first_event_about_an_unknown_task_creates_its_record()
    {
        var taskId = NewId.NextGuid();
        await _harness.Bus.Publish(new TaskStarted(taskId, "email_notification", "email"));

        var task = await WaitForState(taskId, machine => machine.Running);
        Assert.Equal("email_notification", task.Type);
        Assert.Equal("email", task.Queue);
        Assert.Null(task.Data);
    }

    [Fact]
    public async Task A_late_start_report_never_reopens_a_completed_task()
    {
        var taskId = NewId.NextGuid();
        await _harness.Bus.Publish(new TaskCompleted(taskId));
        await WaitForState(taskId, machine => machine.Completed);

        await _harness.Bus.Publish(new TaskStarted(taskId, "email_notification", "email"));
        await WaitUntil(() => _sagas.Sagas.Contains(taskId)?.Attempts == 1);

        var task = _sagas.Sagas.Contains(taskId)!;
        Assert.Equal(nameof(TaskStateMachine.Completed), task.CurrentState);
    }

    [Fact]
    public async Task Invalid_data_submitted_on_the_bus_is_rejected_and_recorded_as_failed()
    {
        var taskId = NewId.NextGuid();
        var client = _harness.GetRequestClient<SubmitTask>();
        var response = await client.GetResponse<TaskAccepted, TaskRejected>(
            new SubmitTask(taskId, "email_notification", JsonSerializer.SerializeToElement(new { to = "not-an-address" })));

        Assert.True(response.Is(out Response<TaskRejected>? rejected));
        Assert.Contains("data.to[0]", rejected!.Message.Errors.Keys);
        var task = await WaitForState(taskId, machine => machine.Failed);
        Assert.Equal("ValidationFailed", task.ErrorType);
        Assert.False(await _harness.Sent.Any<SendEmail>(m => m.Context.Message.TaskId == taskId));
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(11)]
    public async Task A_priority_outside_0_to_10_submitted_on_the_bus_is_rejected(int priority)
    {
        var taskId = NewId.NextGuid();
        var client = _harness.GetRequestClient<SubmitTask>();
        var response = await client.GetResponse<TaskAccepted, TaskRejected>(
            new SubmitTask(taskId, "email_notification", ValidEmail, Priority: priority));

        Assert.True(response.Is(out Response<TaskRejected>? rejected));
        Assert.Contains("priority", rejected!.Message.Errors.Keys);
        await WaitForState(taskId, machine => machine.Failed);
    }

    [Fact]
    public async Task A_task_due_later_waits_as_scheduled_and_runs_when_the_scheduler_sends_it()
    {
        var taskId = NewId.NextGuid();
        var accepted = await Submit(taskId, "email_notification", ValidEmail, runAt: DateTime.UtcNow.AddSeconds(2));

        Assert.Equal("Scheduled", accepted.Status);
        var task = await WaitForState(taskId, machine => machine.Scheduled);
        Assert.NotNull(task.ScheduleTokenId);
        Assert.NotNull(task.RunAt);
        Assert.False(await _harness.Consumed.Any<SendEmail>(m => m.Context.Message.TaskId == taskId, new CancellationTokenSource(500).Token));

        Assert.True(await _harness.Consumed.Any<SendEmail>(m => m.Context.Message.TaskId == taskId), "the scheduler delivers the command when it is due");
        await _harness.Bus.Publish(new TaskStarted(taskId, "email_notification", "email"));
        await WaitForState(taskId, machine => machine.Running);
    }

    [Fact]
    public async Task A_cancelled_scheduled_task_stays_cancelled_even_if_the_scheduler_already_fired()
    {
        // The harness's in-memory scheduler cannot cancel; the end-to-end tests prove the real Scheduler does.
        var taskId = NewId.NextGuid();
        await Submit(taskId, "email_notification", ValidEmail, runAt: DateTime.UtcNow.AddMinutes(5));
        await WaitForState(taskId, machine => machine.Scheduled);

        var response = await _harness.GetRequestClient<CancelTask>().GetResponse<TaskCancelled, TaskNotCancellable>(new CancelTask(taskId));

        Assert.True(response.Is(out Response<TaskCancelled>? _));
        await WaitForState(taskId, machine => machine.Cancelled);
        await _harness.Bus.Publish(new TaskStarted(taskId, "email_notification", "email"));
        await _harness.Bus.Publish(new TaskCompleted(taskId));
        await WaitUntil(() => _sagas.Sagas.Contains(taskId)?.Result is not null || _sagas.Sagas.Contains(taskId)?.Attempts == 1);
        Assert.Equal(nameof(TaskStateMachine.Cancelled), _sagas.Sagas.Contains(taskId)!.CurrentState);
    }

    [Fact]
    public async Task A_cancelled_queued_task_is_refused_when_a_worker_claims_it_and_an_unknown_one_is_not_found()
    {
        var taskId = NewId.NextGuid();
        await Submit(taskId, "email_notification", ValidEmail);
        await WaitForState(taskId, machine => machine.Queued);
        var client = _harness.GetRequestClient<CancelTask>();

        var queued = await client.GetResponse<TaskCancelled, TaskNotCancellable, TaskNotFound>(new CancelTask(taskId));
        var unknown = await client.GetResponse<TaskCancelled, TaskNotCancellable, TaskNotFound>(new CancelTask(NewId.NextGuid()));

        Assert.True(queued.Is(out Response<TaskCancelled>? _));
        Assert.True(unknown.Is(out Response<TaskNotFound>? _));
        var task = await WaitForState(taskId, machine => machine.Cancelled);
        Assert.NotNull(task.FinishedAt);

        var claim = await Claim(taskId);
        Assert.True(claim.Is(out Response<TaskAttemptRefused>? refused));
        Assert.Equal("Cancelled", refused!.Message.Status);
        Assert.Equal(0, _sagas.Sagas.Contains(taskId)!.Attempts);
    }

    [Fact]
    public async Task Cancelling_a_running_task_asks_every_worker_to_stop_and_it_is_cancelled_once_its_attempt_stopped()
    {
        var taskId = NewId.NextGuid();
        await Submit(taskId, "email_notification", ValidEmail);
        Assert.True((await Claim(taskId)).Is(out Response<TaskAttemptClaimed>? _));
        await WaitForState(taskId, machine => machine.Running);

        var answer = await Cancel(taskId);

        Assert.True(answer.Is(out Response<TaskCancelling>? _));
        Assert.True(await _harness.Published.Any<TaskCancellationRequested>(m => m.Context.Message.TaskId == taskId));
        var task = _sagas.Sagas.Contains(taskId)!;
        Assert.Equal(nameof(TaskStateMachine.Running), task.CurrentState);
        Assert.NotNull(task.CancelRequestedAt);

        await _harness.Bus.Publish(new TaskAttemptCancelled(taskId));
        task = await WaitForState(taskId, machine => machine.Cancelled);
        Assert.NotNull(task.FinishedAt);
        Assert.Null(task.Error);
        Assert.Equal("Cancelled", AttemptLog.Read(task.AttemptLog).Single().ErrorType);
    }

    [Fact]
    public async Task A_child_submitted_after_its_parent_was_cancelled_or_asked_to_stop_is_cancelled_and_never_sent()
    {
        var (cancelledParent, stoppingParent, liveParent) = (NewId.NextGuid(), NewId.NextGuid(), NewId.NextGuid());
        foreach (var parent in new[] { cancelledParent, stoppingParent, liveParent })
            await Submit(parent, "email_notification", ValidEmail);
        Assert.True((await Claim(stoppingParent)).Is(out Response<TaskAttemptClaimed>? _));
        Assert.True((await Claim(liveParent)).Is(out Response<TaskAttemptClaimed>? _));
        Assert.True((await Cancel(cancelledParent)).Is(out Response<TaskCancelled>? _));
        Assert.True((await Cancel(stoppingParent)).Is(out Response<TaskCancelling>? _));

        var (orphan, stoppingChild, liveChild) = (NewId.NextGuid(), NewId.NextGuid(), NewId.NextGuid());
        var orphanAccepted = await Submit(orphan, "email_notification", ValidEmail, parentTaskId: cancelledParent);
        Assert.Equal((false, "Cancelled"), (orphanAccepted.Duplicate, orphanAccepted.Status));
        await Submit(stoppingChild, "email_notification", ValidEmail, parentTaskId: stoppingParent);
        await Submit(liveChild, "email_notification", ValidEmail, parentTaskId: liveParent);

        foreach (var (child, parent) in new[] { (orphan, cancelledParent), (stoppingChild, stoppingParent) })
        {
            var task = await WaitForState(child, machine => machine.Cancelled);
            Assert.Equal(parent, task.ParentTaskId);
            Assert.NotNull(task.FinishedAt);
            Assert.Equal("Cancelled", task.ErrorType);
            Assert.Contains(parent.ToString(), task.Error);
        }

        // The control: a running parent's child is queued and sent as usual.
        await WaitForState(liveChild, machine => machine.Queued);
        Assert.True(await _harness.Sent.Any<SendEmail>(m => m.Context.Message.TaskId == liveChild));
        Assert.False(await _harness.Sent.Any<SendEmail>(m => m.Context.Message.TaskId == orphan || m.Context.Message.TaskId == stoppingChild));
    }

    [Fact]
    public async Task A_running_task_that_completes_before_its_worker_sees_the_cancellation_is_completed()
    {
        var taskId = NewId.NextGuid();
        await Submit(taskId, "email_notification", ValidEmail);
        await Claim(taskId);
        Assert.True((await Cancel(taskId)).Is(out Response<TaskCancelling>? _));

        await _harness.Bus.Publish(new TaskCompleted(taskId));

        await WaitForState(taskId, machine => machine.Completed);
        var again = await Cancel(taskId);
        Assert.True(again.Is(out Response<TaskNotCancellable>? refused));
        Assert.Equal("Completed", refused!.Message.Status);
    }

    [Fact]
    public async Task A_task_asked_to_stop_between_attempts_refuses_its_next_attempt_and_is_cancelled()
    {
        var taskId = NewId.NextGuid();
        await Submit(taskId, "email_notification", ValidEmail);
        await Claim(taskId);
        await _harness.Bus.Publish(new TaskAttemptFailed(taskId, "System.TimeoutException", "SMTP timed out"));
        await WaitUntil(() => _sagas.Sagas.Contains(taskId)?.Error is not null);
        await Cancel(taskId);

        var next = await Claim(taskId);

        Assert.True(next.Is(out Response<TaskAttemptRefused>? refused));
        Assert.Equal("Cancelled", refused!.Message.Status);
        var task = await WaitForState(taskId, machine => machine.Cancelled);
        Assert.Equal(1, task.Attempts);
    }

    [Fact]
    public async Task A_task_cancelled_while_running_can_be_retried_and_runs_again()
    {
        var taskId = NewId.NextGuid();
        await Submit(taskId, "email_notification", ValidEmail);
        await Claim(taskId);
        await Cancel(taskId);
        await _harness.Bus.Publish(new TaskAttemptCancelled(taskId));
        await WaitForState(taskId, machine => machine.Cancelled);

        await _harness.GetRequestClient<RetryTask>().GetResponse<TaskRetried>(new RetryTask(taskId));

        var task = await WaitForState(taskId, machine => machine.Queued);
        Assert.Null(task.CancelRequestedAt);
        Assert.True((await Claim(taskId)).Is(out Response<TaskAttemptClaimed>? _));
        Assert.Equal(2, _sagas.Sagas.Contains(taskId)!.Attempts);
    }

    [Fact]
    public async Task A_claim_for_a_completed_task_is_refused_and_not_counted()
    {
        var taskId = NewId.NextGuid();
        await Submit(taskId, "email_notification", ValidEmail);
        await Claim(taskId);
        await _harness.Bus.Publish(new TaskCompleted(taskId));
        await WaitForState(taskId, machine => machine.Completed);

        var duplicate = await Claim(taskId);

        Assert.True(duplicate.Is(out Response<TaskAttemptRefused>? refused));
        Assert.Equal("Completed", refused!.Message.Status);
        Assert.Equal(1, _sagas.Sagas.Contains(taskId)!.Attempts);
    }

    [Fact]
    public async Task A_granted_claim_carries_the_task_s_own_timeout_else_its_type_s_default()
    {
        var own = NewId.NextGuid();
        var typeDefault = NewId.NextGuid();
        var sentStraightToTheQueue = NewId.NextGuid();
        await _harness.GetRequestClient<SubmitTask>().GetResponse<TaskAccepted>(
            new SubmitTask(own, "email_notification", ValidEmail, Timeout: TimeSpan.FromSeconds(1)));
        await Submit(typeDefault, "email_notification", ValidEmail);

        var claims = new[] { await Claim(own), await Claim(typeDefault), await Claim(sentStraightToTheQueue) };

        Assert.Equal([TimeSpan.FromSeconds(1), EmailTimeout, EmailTimeout], claims.Select(c =>
        {
            Assert.True(c.Is(out Response<TaskAttemptClaimed>? claimed));
            return claimed!.Message.Timeout;
        }));
        var created = await WaitForState(sentStraightToTheQueue, machine => machine.Running);
        Assert.Equal(("email_notification", "email", 1), (created.Type, created.Queue, created.Attempts));
        Assert.Equal(TimeSpan.FromSeconds(1), _sagas.Sagas.Contains(own)!.Timeout);
    }

    [Fact]
    public async Task Every_attempt_is_kept_with_its_times_and_error()
    {
        var taskId = NewId.NextGuid();
        await Submit(taskId, "email_notification", ValidEmail);
        await _harness.Bus.Publish(new TaskStarted(taskId, "email_notification", "email"));
        await WaitUntil(() => _sagas.Sagas.Contains(taskId)?.Attempts == 1);
        await _harness.Bus.Publish(new TaskAttemptFailed(taskId, "System.TimeoutException", "SMTP timed out"));
        await WaitUntil(() => _sagas.Sagas.Contains(taskId)?.Error is not null);
        await _harness.Bus.Publish(new TaskStarted(taskId, "email_notification", "email"));
        await _harness.Bus.Publish(new TaskCompleted(taskId));
        var task = await WaitForState(taskId, machine => machine.Completed);

        var attempts = AttemptLog.Read(task.AttemptLog);
        Assert.Equal([1, 2], attempts.Select(a => a.Attempt));
        Assert.Equal("SMTP timed out", attempts[0].Error);
        Assert.NotNull(attempts[0].FailedAt);
        Assert.Null(attempts[1].FailedAt);
    }

    private async Task<TaskAccepted> Submit(Guid taskId, string type, JsonElement data, string? idempotencyKey = null, DateTime? runAt = null, Guid? parentTaskId = null)
    {
        var client = _harness.GetRequestClient<SubmitTask>();
        var response = await client.GetResponse<TaskAccepted>(new SubmitTask(taskId, type, data, 5, idempotencyKey, runAt, ParentTaskId: parentTaskId));
        return response.Message;
    }

    private async Task<Response<TaskAttemptClaimed, TaskAttemptRefused>> Claim(Guid taskId) =>
        await _harness.GetRequestClient<ClaimTaskAttempt>().GetResponse<TaskAttemptClaimed, TaskAttemptRefused>(
            new ClaimTaskAttempt(taskId, "email_notification", "email"));

    private async Task<Response<TaskCancelled, TaskCancelling, TaskNotCancellable>> Cancel(Guid taskId) =>
        await _harness.GetRequestClient<CancelTask>().GetResponse<TaskCancelled, TaskCancelling, TaskNotCancellable>(new CancelTask(taskId));

    private async Task<TaskState> WaitForState(Guid taskId, Func<TaskStateMachine, State> state)
    {
        var id = await _sagas.Exists(taskId, state, TimeSpan.FromSeconds(10));
        Assert.True(id.HasValue, $"task {taskId} never reached {state(_sagas.StateMachine).Name}");
        return _sagas.Sagas.Contains(taskId);
    }

    private static async Task WaitUntil(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "condition not met within 10 s");
            await Task.Delay(20);
        }
    }

    /// <summary>Stands in for a worker on queue <c>email</c>: fails the messages whose subject says so.</summary>
    private sealed class FailingEmailConsumer : IConsumer<SendEmail>
    {
        public Task Consume(ConsumeContext<SendEmail> context) =>
            context.Message.Subject == "fail" ? throw new InvalidOperationException("SMTP refused the connection") : Task.CompletedTask;
    }
}
