using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Bus.Contracts.Email;
using Bus.Contracts.Tasks;
using Bus.ServiceDefaults;
using Bus.ServiceDefaults.Messaging;
using Bus.ServiceDefaults.Metrics;
using Bus.ServiceDefaults.Options;
using MassTransit;
using MassTransit.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Bus.UnitTests.ServiceDefaults;

/// <summary>
/// ServiceDefaults' lifecycle filter in MassTransit's harness, with a stand-in for the task saga's answers to claims:
/// refused attempts never run; a cancellation broadcast or a timeout fires the consumer's own CancellationToken.
/// </summary>
public sealed class TaskAttemptLifecycleTests : IAsyncLifetime
{
    private const string Queue = "lifecycle";
    private IHost _host = null!;
    private ITestHarness _harness = null!;
    private readonly SagaAnswers _answers = new();
    private readonly Observed _observed = new();
    private RecordedTaskAttempts _attempts = null!;

    public async Task InitializeAsync()
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true, EnvironmentName = "Testing" });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["RabbitMq:Host"] = "127.0.0.1",
            ["RabbitMq:Username"] = "bus",
            ["RabbitMq:Password"] = "bus",
            ["Postgres:ConnectionString"] = "Host=127.0.0.1",
            ["Tasks:ClaimTimeout"] = "00:00:01",
        });
        builder.AddServiceDefaults();
        builder.AddQueueOptions(Queue, concurrencyLimit: 4,
            retryIntervals: [TimeSpan.FromMilliseconds(10)], redeliveryIntervals: [TimeSpan.FromMilliseconds(50)]);
        builder.Services.AddSingleton(_answers).AddSingleton(_observed);
        builder.AddBus(bus =>
        {
            bus.AddConsumer<StallingConsumer, StallingConsumerDefinition>();
            bus.AddConsumer<TaskSagaStandIn>().Endpoint(endpoint => endpoint.Name = QueueNames.TaskState);
        });
        builder.Services.AddMassTransitTestHarness(x => x.SetTestTimeouts(testInactivityTimeout: TimeSpan.FromSeconds(3)));
        _host = builder.Build();
        _attempts = new RecordedTaskAttempts(_host.Services.GetRequiredService<IMeterFactory>());
        _harness = _host.Services.GetTestHarness();
        await _harness.Start();
    }

    public async Task DisposeAsync()
    {
        await _harness.Stop();
        _attempts.Dispose();
        _host.Dispose();
    }

    [Fact]
    public async Task A_refused_claim_acknowledges_the_message_without_running_the_consumer()
    {
        var taskId = Guid.NewGuid();
        _answers.Refuse(taskId, "Cancelled");

        await Send(taskId);

        Assert.True(await _harness.Consumed.Any<SendEmail>(m => m.Context.Message.TaskId == taskId));
        Assert.True(await _harness.Consumed.Any<ClaimTaskAttempt>(m => m.Context.Message.TaskId == taskId));
        Assert.Empty(_observed.StartsOf(taskId));
        Assert.False(await _harness.Published.Any<Fault<SendEmail>>(m => m.Context.Message.Message.TaskId == taskId));
        await AttemptsEndAs(TaskAttemptOutcome.Refused);
    }

    [Fact]
    public async Task A_cancellation_broadcast_fires_the_consumer_s_token_and_the_attempt_ends_cancelled_without_retry_or_fault()
    {
        var taskId = Guid.NewGuid();
        _answers.Grant(taskId, timeout: null);
        await Send(taskId);
        await WaitUntil(() => _observed.StartsOf(taskId).Count == 1);

        await _harness.Bus.Publish(new TaskCancellationRequested(taskId));

        Assert.True(await _harness.Published.Any<TaskAttemptCancelled>(m => m.Context.Message.TaskId == taskId));
        Assert.Contains(taskId, _observed.TokensFired);
        Assert.False(await _harness.Published.Any<Fault<SendEmail>>(m => m.Context.Message.Message.TaskId == taskId));
        Assert.False(await _harness.Published.Any<TaskAttemptFailed>(m => m.Context.Message.TaskId == taskId));
        Assert.Single(_observed.StartsOf(taskId));
        await AttemptsEndAs(TaskAttemptOutcome.Cancelled);
    }

    [Fact]
    public async Task An_attempt_past_its_timeout_has_its_token_fired_and_fails_as_timed_out_without_retries()
    {
        var taskId = Guid.NewGuid();
        _answers.Grant(taskId, timeout: TimeSpan.FromMilliseconds(300));

        await Send(taskId);

        Assert.True(await _harness.Published.Any<Fault<SendEmail>>(m => m.Context.Message.Message.TaskId == taskId));
        var fault = _harness.Published.Select<Fault<SendEmail>>(m => m.Context.Message.Message.TaskId == taskId).Single().Context.Message;
        Assert.Equal(typeof(TaskTimedOutException).FullName, fault.Exceptions.First().ExceptionType);
        Assert.Equal("timed out", fault.Exceptions.First().Message);
        // An inner OperationCanceledException would make the receive pipe requeue the message instead of moving it to _error.
        Assert.Null(fault.Exceptions.First().InnerException);
        var failed = _harness.Published.Select<TaskAttemptFailed>(m => m.Context.Message.TaskId == taskId).Single().Context.Message;
        Assert.Equal(typeof(TaskTimedOutException).FullName, failed.ExceptionType);
        Assert.Contains(taskId, _observed.TokensFired);
        Assert.Single(_observed.StartsOf(taskId));
        var timedOut = await AttemptsEndAs(TaskAttemptOutcome.TimedOut);
        Assert.True(timedOut.Seconds >= 0.3, $"the attempt ran past its 300 ms timeout, not {timedOut.Seconds} s");
    }

    [Fact]
    public async Task An_unanswered_claim_never_runs_the_attempt_and_takes_the_retry_and_redelivery_way()
    {
        var taskId = Guid.NewGuid();

        await Send(taskId);

        // One in-memory retry inside each of two deliveries, every claim waiting Tasks:ClaimTimeout (1 s) in vain.
        await WaitUntil(() => _harness.Published.Select<Fault<SendEmail>>(new CancellationToken(canceled: true))
            .Any(m => m.Context.Message.Message.TaskId == taskId), TimeSpan.FromSeconds(30));
        var fault = _harness.Published.Select<Fault<SendEmail>>(m => m.Context.Message.Message.TaskId == taskId).Single().Context.Message;
        Assert.Equal(typeof(TaskClaimException).FullName, fault.Exceptions.First().ExceptionType);
        Assert.Equal(4, _harness.Consumed.Select<ClaimTaskAttempt>(m => m.Context.Message.TaskId == taskId).Count());
        Assert.Empty(_observed.StartsOf(taskId));
        await WaitUntil(() => _attempts.Counted.Count == 4);
        Assert.All(_attempts.Counted, a => Assert.Equal(new RecordedAttempt("email_notification", Queue, TaskAttemptOutcome.Failed), a));
    }

    /// <summary>
    /// The test's one attempt, counted and timed under its command's task type (the route of SendEmail, whichever queue
    /// it came from) and <paramref name="outcome"/>; its recorded duration.
    /// </summary>
    private async Task<(RecordedAttempt Attempt, double Seconds)> AttemptsEndAs(string outcome)
    {
        // Counted as the filter returns, which may be a moment after what the harness saw.
        await WaitUntil(() => _attempts.Durations.Count >= 1);
        var expected = new RecordedAttempt("email_notification", Queue, outcome);
        Assert.Equal([expected], _attempts.Counted);
        return Assert.Single(_attempts.Durations, d => d.Attempt == expected);
    }

    private async Task Send(Guid taskId) =>
        await (await _harness.Bus.GetSendEndpoint(new Uri($"queue:{Queue}"))).Send(new SendEmail(taskId, ["a@example.com"], "s", "b"));

    private static async Task WaitUntil(Func<bool> condition, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(10));
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "condition not met in time");
            await Task.Delay(20);
        }
    }

    /// <summary>What the stand-in for the task saga answers to each task's claims; a task not named gets no answer.</summary>
    public sealed class SagaAnswers
    {
        private readonly ConcurrentDictionary<Guid, object> _answers = new();

        public void Grant(Guid taskId, TimeSpan? timeout) => _answers[taskId] = new TaskAttemptClaimed(taskId, timeout);

        public void Refuse(Guid taskId, string status) => _answers[taskId] = new TaskAttemptRefused(taskId, status);

        public object? For(Guid taskId) => _answers.GetValueOrDefault(taskId);
    }

    public sealed class TaskSagaStandIn(SagaAnswers answers) : IConsumer<ClaimTaskAttempt>
    {
        public Task Consume(ConsumeContext<ClaimTaskAttempt> context) => answers.For(context.Message.TaskId) switch
        {
            TaskAttemptClaimed claimed => context.RespondAsync(claimed),
            TaskAttemptRefused refused => context.RespondAsync(refused),
            _ => Task.CompletedTask,
        };
    }

    public sealed class Observed
    {
        private readonly ConcurrentQueue<Guid> _starts = new();
        private readonly ConcurrentQueue<Guid> _tokensFired = new();

        public void Started(Guid taskId) => _starts.Enqueue(taskId);

        public void TokenFired(Guid taskId) => _tokensFired.Enqueue(taskId);

        public IReadOnlyList<Guid> StartsOf(Guid taskId) => [.. _starts.Where(id => id == taskId)];

        public IReadOnlyCollection<Guid> TokensFired => _tokensFired;
    }

    /// <summary>Waits for nothing but its own CancellationToken, as a consumer stuck on a stalled SMTP server does.</summary>
    public sealed class StallingConsumer(Observed observed) : IConsumer<SendEmail>
    {
        public async Task Consume(ConsumeContext<SendEmail> context)
        {
            observed.Started(context.Message.TaskId);
            try
            {
                await Task.Delay(Timeout.Infinite, context.CancellationToken);
            }
            catch (OperationCanceledException)
            {
                observed.TokenFired(context.Message.TaskId);
                throw;
            }
        }
    }

    public sealed class StallingConsumerDefinition : ConsumerDefinition<StallingConsumer>
    {
        private readonly IOptionsMonitor<QueueOptions> _queues;

        public StallingConsumerDefinition(IOptionsMonitor<QueueOptions> queues)
        {
            _queues = queues;
            Endpoint(endpoint => endpoint.Name = Queue);
        }

        protected override void ConfigureConsumer(IReceiveEndpointConfigurator endpoint, IConsumerConfigurator<StallingConsumer> consumer, IRegistrationContext context) =>
            endpoint.ConfigureTaskConsumer<StallingConsumer, SendEmail>(consumer, _queues.Get(Queue), context);
    }
}
