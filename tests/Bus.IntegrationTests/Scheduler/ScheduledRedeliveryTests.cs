using System.Collections.Concurrent;
using Bus.Contracts.Email;
using Bus.Contracts.Tasks;
using Bus.ServiceDefaults;
using Bus.ServiceDefaults.Messaging;
using Bus.ServiceDefaults.Options;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Xunit.Abstractions;

namespace Bus.IntegrationTests.Scheduler;

/// <summary>One attempt of the flaky consumer: which delivery (MT-Redelivery-Count), which in-memory retry, how it ended.</summary>
public sealed record Attempt(Guid TaskId, int Redelivery, int Retry, DateTime StartedAt, DateTime EndedAt, bool Failed, IReadOnlyDictionary<string, object> Headers);

public sealed class Attempts
{
    private readonly ConcurrentQueue<Attempt> _all = new();
    private readonly ConcurrentQueue<Guid> _started = new();

    public void Add(Attempt attempt) => _all.Enqueue(attempt);

    public void Started(Guid taskId) => _started.Enqueue(taskId);

    public IReadOnlyList<Attempt> Of(Guid taskId) => [.. _all.Where(a => a.TaskId == taskId)];

    public int TaskStartedCount(Guid taskId) => _started.Count(id => id == taskId);
}

/// <summary>Fails as its subject says: transiently until the given delivery, always, or permanently.</summary>
public sealed class FlakyEmailConsumer(Attempts attempts) : IConsumer<SendEmail>
{
    public const string Queue = "scheduler-flaky";

    public Task Consume(ConsumeContext<SendEmail> context)
    {
        var started = DateTime.UtcNow;
        var redelivery = context.GetRedeliveryCount();
        var fail = context.Message.Subject switch
        {
            "fails-twice" => redelivery < 2,
            "always-fails" => true,
            _ => false,
        };
        var headers = context.Headers.GetAll().ToDictionary(h => h.Key, h => h.Value, StringComparer.OrdinalIgnoreCase);
        attempts.Add(new Attempt(context.Message.TaskId, redelivery, context.GetRetryAttempt(), started, DateTime.UtcNow, fail || context.Message.Subject == "permanent", headers));
        if (context.Message.Subject == "permanent")
            throw new PermanentTaskException("the recipient does not exist");
        if (fail)
            throw new InvalidOperationException($"transient failure on delivery {redelivery}");
        return Task.CompletedTask;
    }
}

public sealed class FlakyEmailConsumerDefinition : ConsumerDefinition<FlakyEmailConsumer>
{
    private readonly IOptionsMonitor<QueueOptions> _queues;

    public FlakyEmailConsumerDefinition(IOptionsMonitor<QueueOptions> queues)
    {
        _queues = queues;
        Endpoint(endpoint => endpoint.Name = FlakyEmailConsumer.Queue);
    }

    protected override void ConfigureConsumer(IReceiveEndpointConfigurator endpoint, IConsumerConfigurator<FlakyEmailConsumer> consumer, IRegistrationContext context) =>
        endpoint.ConfigureTaskConsumer<FlakyEmailConsumer, SendEmail>(consumer, _queues.Get(FlakyEmailConsumer.Queue), context);
}

/// <summary>Stands in for the Gateway's task saga: grants every attempt's claim (its start report) and counts it.</summary>
public sealed class GrantingTaskSaga(Attempts attempts) : IConsumer<ClaimTaskAttempt>
{
    public Task Consume(ConsumeContext<ClaimTaskAttempt> context)
    {
        attempts.Started(context.Message.TaskId);
        return context.RespondAsync(new TaskAttemptClaimed(context.Message.TaskId, Timeout: null));
    }
}

/// <summary>
/// A task queue consumed the way every service consumes one (ServiceDefaults' ConfigureTaskConsumer): a short in-memory
/// retry inside scheduled redelivery through a real Scheduler process, with 1 s then 2 s between deliveries.
/// </summary>
[Collection(SchedulerProcessesCollection.Name)]
public sealed class ScheduledRedeliveryTests(ITestOutputHelper output) : IAsyncLifetime
{
    private static readonly TimeSpan Retry = TimeSpan.FromMilliseconds(50);
    private static readonly TimeSpan[] Redelivery = [TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2)];

    private SchedulerTestSystem _system = null!;
    private SchedulerTestBus _bus = null!;

    private Attempts Attempts => _bus.Services.GetRequiredService<Attempts>();

    public async Task InitializeAsync()
    {
        _system = await SchedulerTestSystem.CreateAsync();
        await _system.StartSchedulerAsync();
        _bus = await SchedulerTestBus.StartAsync(_system,
            bus =>
            {
                bus.AddConsumer<FlakyEmailConsumer, FlakyEmailConsumerDefinition>();
                bus.AddConsumer<GrantingTaskSaga>().Endpoint(endpoint => endpoint.Name = QueueNames.TaskState);
            },
            builder =>
            {
                builder.Services.AddSingleton<Attempts>();
                builder.AddQueueOptions(FlakyEmailConsumer.Queue, concurrencyLimit: 4, retryIntervals: [Retry], redeliveryIntervals: Redelivery);
            });
    }

    public async Task DisposeAsync()
    {
        await _bus.DisposeAsync();
        await _system.DisposeAsync();
    }

    [Fact]
    public async Task A_message_that_fails_twice_is_redelivered_after_each_interval_then_succeeds()
    {
        var taskId = await SendAsync("fails-twice");

        var attempts = await WaitForAttemptsAsync(taskId, 5);

        // Deliveries 0 and 1 fail on both in-memory attempts; delivery 2 succeeds on its first.
        Assert.Equal([(0, 0), (0, 1), (1, 0), (1, 1), (2, 0)], attempts.Select(a => (a.Redelivery, a.Retry)));
        Assert.False(attempts[^1].Failed);
        AssertRedeliveredAfterIntervals(attempts);
        Assert.All(attempts, a => Assert.Equal("acme", a.Headers["X-Tenant"]));
        Assert.Equal(2, Convert.ToInt32(attempts[^1].Headers[MessageHeaders.RedeliveryCount]));

        await Task.Delay(2500);
        Assert.Equal(5, Attempts.Of(taskId).Count);
        Assert.Equal(5, Attempts.TaskStartedCount(taskId));
        Assert.Empty(await ErrorQueueMessagesAsync(taskId));
    }

    [Fact]
    public async Task A_message_that_always_fails_ends_in_the_error_queue_after_the_last_redelivery()
    {
        var taskId = await SendAsync("always-fails");

        var attempts = await WaitForAttemptsAsync(taskId, 6);
        Assert.Equal([(0, 0), (0, 1), (1, 0), (1, 1), (2, 0), (2, 1)], attempts.Select(a => (a.Redelivery, a.Retry)));
        AssertRedeliveredAfterIntervals(attempts);

        var faulted = Assert.Single(await WaitForErrorQueueAsync(taskId));
        Assert.Equal("2", faulted.Headers.GetValueOrDefault(MessageHeaders.RedeliveryCount));
        Assert.True(faulted.Headers.ContainsKey("MT-Fault-ExceptionType"), "MassTransit's fault headers are on the message");
        Assert.Contains("transient failure on delivery 2", faulted.Headers.GetValueOrDefault("MT-Fault-Message"));

        // Not redelivered for ever: nothing more after the error queue.
        await Task.Delay(3000);
        Assert.Equal(6, Attempts.Of(taskId).Count);
        Assert.Equal(6, Attempts.TaskStartedCount(taskId));
    }

    [Fact]
    public async Task A_permanent_failure_is_neither_retried_nor_redelivered()
    {
        var taskId = await SendAsync("permanent");

        Assert.Single(await WaitForErrorQueueAsync(taskId));
        await Task.Delay(2500);
        Assert.Single(Attempts.Of(taskId));
    }

    private async Task<Guid> SendAsync(string subject)
    {
        var taskId = Guid.NewGuid();
        var endpoint = await _bus.Bus.GetSendEndpoint(TaskQueueTopology.SendAddress(FlakyEmailConsumer.Queue));
        await endpoint.Send(new SendEmail(taskId, ["someone@example.com"], subject, "body"), context => context.Headers.Set("X-Tenant", "acme"));
        return taskId;
    }

    /// <summary>Each redelivery starts no earlier than its interval after the previous delivery's last failure.</summary>
    private void AssertRedeliveredAfterIntervals(IReadOnlyList<Attempt> attempts)
    {
        for (var redelivery = 1; redelivery <= Redelivery.Length; redelivery++)
        {
            var failedAt = attempts.Last(a => a.Redelivery == redelivery - 1).EndedAt;
            var next = attempts.First(a => a.Redelivery == redelivery);
            var due = failedAt + Redelivery[redelivery - 1];
            output.WriteLine($"redelivery {redelivery} after {Redelivery[redelivery - 1].TotalSeconds:F0} s: started " +
                $"{(next.StartedAt - failedAt).TotalMilliseconds:F0} ms after the failure, {(next.StartedAt - due).TotalMilliseconds:F0} ms late");
            Assert.True(next.StartedAt >= due, $"redelivery {redelivery} came {(due - next.StartedAt).TotalMilliseconds:F0} ms early");
            Assert.Equal(redelivery, Convert.ToInt32(next.Headers[MessageHeaders.RedeliveryCount]));
        }
    }

    private async Task<IReadOnlyList<Attempt>> WaitForAttemptsAsync(Guid taskId, int count)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (Attempts.Of(taskId).Count < count)
        {
            if (DateTime.UtcNow > deadline)
                Assert.Fail($"expected {count} attempts within 20 s, saw {Attempts.Of(taskId).Count}; logs: {_system.Logs}");
            await Task.Delay(20);
        }
        return Attempts.Of(taskId);
    }

    private async Task<IReadOnlyList<Infrastructure.QueuedMessage>> ErrorQueueMessagesAsync(Guid taskId) =>
        [.. (await _system.Rabbit.PeekAsync(_system.VirtualHost, $"{FlakyEmailConsumer.Queue}_error")).Where(m => m.Payload.Contains(taskId.ToString()))];

    private async Task<IReadOnlyList<Infrastructure.QueuedMessage>> WaitForErrorQueueAsync(Guid taskId)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (true)
        {
            var found = await ErrorQueueMessagesAsync(taskId);
            if (found.Count > 0)
                return found;
            if (DateTime.UtcNow > deadline)
                Assert.Fail($"{taskId} did not reach {FlakyEmailConsumer.Queue}_error within 20 s");
            await Task.Delay(200);
        }
    }
}
