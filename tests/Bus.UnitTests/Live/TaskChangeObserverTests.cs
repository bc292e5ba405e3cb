using System.Text.Json;
using Bus.Contracts.Tasks;
using Bus.Gateway.Live;
using Bus.Gateway.Tasks;
using Bus.Gateway.Tasks.Types;
using Bus.UnitTests.Tasks;
using MassTransit;
using MassTransit.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Bus.UnitTests.Live;

/// <summary>The task saga publishes <see cref="TaskStatusChanged"/> for what changed a task, and for nothing else.</summary>
public sealed class TaskChangeObserverTests : IAsyncLifetime
{
    private static readonly JsonElement ValidEmail = JsonSerializer.SerializeToElement(new { to = new[] { "user@example.com" }, subject = "s", body = "b" });

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
            .AddMassTransitTestHarness(x =>
            {
                x.SetTestTimeouts(testInactivityTimeout: TimeSpan.FromSeconds(5));
                x.AddSagaStateMachine<TaskStateMachine, TaskState>().InMemoryRepository();
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
    public async Task Every_transition_publishes_the_tasks_new_state_and_a_repeated_progress_report_publishes_nothing()
    {
        var taskId = NewId.NextGuid();
        await Submit(taskId);
        await _harness.Bus.Publish(new TaskStarted(taskId, "email_notification", "email"));
        await WaitForConsumed<TaskStarted>(taskId, 1);
        await _harness.Bus.Publish(new TaskProgressed(taskId, 50, "half way"));
        await WaitForConsumed<TaskProgressed>(taskId, 1);
        await _harness.Bus.Publish(new TaskProgressed(taskId, 50, "half way"));
        await WaitForConsumed<TaskProgressed>(taskId, 2);
        await _harness.Bus.Publish(new TaskCompleted(taskId));
        await WaitForConsumed<TaskCompleted>(taskId, 1);

        var changes = ChangesOf(taskId);
        Assert.Equal(["Queued:0:0", "Running:0:1", "Running:50:1", "Completed:100:1"], changes.Select(c => $"{c.Status}:{c.Progress}:{c.Attempts}"));
        Assert.Equal("half way", changes[2].ProgressMessage);
        Assert.All(changes, c => Assert.Equal("email", c.Queue));
        Assert.NotNull(changes[^1].FinishedAt);
        Assert.True(changes.Zip(changes.Skip(1)).All(pair => pair.First.UpdatedAt <= pair.Second.UpdatedAt));
    }

    [Fact]
    public async Task Submitting_the_same_task_again_publishes_no_change()
    {
        var taskId = NewId.NextGuid();
        await Submit(taskId);
        var again = await Submit(taskId);
        await WaitForConsumed<SubmitTask>(taskId, 2);

        // Still Queued, so the saga treats it as a redelivery and sends the command again (docs/services/gateway.md);
        // the task itself did not change.
        Assert.Equal(taskId, again.TaskId);
        Assert.Equal("Queued", Assert.Single(ChangesOf(taskId)).Status);
    }

    [Fact]
    public async Task A_submission_discarded_for_its_idempotency_key_publishes_nothing()
    {
        var first = await Submit(NewId.NextGuid(), idempotencyKey: "order-7");
        var secondId = NewId.NextGuid();
        var second = await Submit(secondId, idempotencyKey: "order-7");
        await WaitForConsumed<SubmitTask>(secondId, 1);

        Assert.Equal(first.TaskId, second.TaskId);
        Assert.Empty(ChangesOf(secondId));
        Assert.Single(ChangesOf(first.TaskId));
    }

    [Fact]
    public void A_change_only_to_the_update_time_is_no_change()
    {
        var task = new TaskState { CorrelationId = Guid.NewGuid(), CurrentState = "Running", Type = "t", Queue = "q", Progress = 10, UpdatedAt = DateTime.UtcNow };
        var before = TaskSnapshot.Of(task);

        task.UpdatedAt = task.UpdatedAt.AddSeconds(1);
        Assert.Null(TaskChangeObserver.ChangeOf(before, task));

        task.ProgressMessage = "copying";
        var change = TaskChangeObserver.ChangeOf(before, task);
        Assert.NotNull(change);
        Assert.Equal(task.UpdatedAt, change.UpdatedAt);
        Assert.Equal("copying", change.ProgressMessage);
    }

    [Fact]
    public void A_finalized_instance_is_no_change()
    {
        var task = new TaskState { CorrelationId = Guid.NewGuid(), CurrentState = "" };
        var before = TaskSnapshot.Of(task);

        task.CurrentState = "Final";

        Assert.Null(TaskChangeObserver.ChangeOf(before, task));
    }

    private List<TaskStatusChanged> ChangesOf(Guid taskId) =>
        [.. _harness.Published.Select<TaskStatusChanged>().Select(m => m.Context.Message).Where(m => m.TaskId == taskId)];

    private async Task<TaskAccepted> Submit(Guid taskId, string? idempotencyKey = null)
    {
        var client = _harness.GetRequestClient<SubmitTask>();
        var response = await client.GetResponse<TaskAccepted>(new SubmitTask(taskId, "email_notification", ValidEmail, IdempotencyKey: idempotencyKey));
        return response.Message;
    }

    /// <summary>The saga has handled <paramref name="count"/> messages of this type about the task (and published what it would).</summary>
    private async Task WaitForConsumed<T>(Guid taskId, int count)
        where T : class
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (_sagas.Consumed.Select<T>().Count(m => m.Context.CorrelationId == taskId || TaskIdOf(m.Context.Message) == taskId) < count)
        {
            Assert.True(DateTime.UtcNow < deadline, $"the saga did not handle {count} {typeof(T).Name} of {taskId} within 10 s");
            await Task.Delay(20);
        }
    }

    private static Guid? TaskIdOf(object message) => message switch
    {
        SubmitTask m => m.TaskId,
        TaskStarted m => m.TaskId,
        TaskProgressed m => m.TaskId,
        TaskCompleted m => m.TaskId,
        _ => null,
    };
}
