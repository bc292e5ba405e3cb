using System.Collections.Concurrent;
using Bus.Contracts.Email;
using Bus.Contracts.Tasks;
using Bus.ServiceDefaults;
using Bus.ServiceDefaults.Messaging;
using Bus.ServiceDefaults.Options;
using MassTransit;
using MassTransit.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Bus.UnitTests.Scheduler.MessageScheduling;

/// <summary>
/// ServiceDefaults' task-queue pipeline in MassTransit's harness (whose in-memory scheduler stands in for the
/// Scheduler service): in-memory retries inside scheduled redelivery, lifecycle reports on every attempt.
/// </summary>
public sealed class TaskRedeliveryPipelineTests : IAsyncLifetime
{
    private const string Queue = "pipeline";
    private IHost _host = null!;
    private ITestHarness _harness = null!;
    private readonly ConcurrentQueue<(Guid TaskId, int Redelivery, int Retry)> _attempts = new();

    public async Task InitializeAsync()
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true, EnvironmentName = "Testing" });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["RabbitMq:Host"] = "127.0.0.1",
            ["RabbitMq:Username"] = "bus",
            ["RabbitMq:Password"] = "bus",
            ["Postgres:ConnectionString"] = "Host=127.0.0.1",
        });
        builder.AddServiceDefaults();
        builder.AddQueueOptions(Queue, concurrencyLimit: 2,
            retryIntervals: [TimeSpan.FromMilliseconds(10)], redeliveryIntervals: [TimeSpan.FromMilliseconds(100), TimeSpan.FromMilliseconds(100)]);
        builder.Services.AddSingleton(_attempts);
        builder.AddBus(bus =>
        {
            bus.AddConsumer<FailingConsumer, FailingConsumerDefinition>();
            bus.AddConsumer<GrantingTaskSaga>().Endpoint(endpoint => endpoint.Name = QueueNames.TaskState);
        });
        builder.Services.AddMassTransitTestHarness(x => x.SetTestTimeouts(testInactivityTimeout: TimeSpan.FromSeconds(3)));
        _host = builder.Build();
        _harness = _host.Services.GetTestHarness();
        await _harness.Start();
    }

    public async Task DisposeAsync()
    {
        await _harness.Stop();
        _host.Dispose();
    }

    [Fact]
    public async Task A_transient_failure_is_retried_in_memory_inside_each_redelivery_then_faults()
    {
        var taskId = Guid.NewGuid();
        await Send(new SendEmail(taskId, ["a@example.com"], "transient", "b"));

        Assert.True(await _harness.Published.Any<Fault<SendEmail>>(m => m.Context.Message.Message.TaskId == taskId));
        Assert.Equal([(0, 0), (0, 1), (1, 0), (1, 1), (2, 0), (2, 1)], _attempts.Where(a => a.TaskId == taskId).Select(a => (a.Redelivery, a.Retry)));
        Assert.Equal(6, _harness.Consumed.Select<ClaimTaskAttempt>(m => m.Context.Message.TaskId == taskId).Count());
        Assert.Equal(6, _harness.Published.Select<TaskAttemptFailed>(m => m.Context.Message.TaskId == taskId).Count());
    }

    [Fact]
    public async Task A_permanent_failure_is_neither_retried_nor_redelivered()
    {
        var taskId = Guid.NewGuid();
        await Send(new SendEmail(taskId, ["a@example.com"], "permanent", "b"));

        Assert.True(await _harness.Published.Any<Fault<SendEmail>>(m => m.Context.Message.Message.TaskId == taskId));
        Assert.Single(_attempts, a => a.TaskId == taskId);
    }

    private async Task Send(SendEmail command) =>
        await (await _harness.Bus.GetSendEndpoint(new Uri($"queue:{Queue}"))).Send(command);

    public sealed class FailingConsumer(ConcurrentQueue<(Guid, int, int)> attempts) : IConsumer<SendEmail>
    {
        public Task Consume(ConsumeContext<SendEmail> context)
        {
            attempts.Enqueue((context.Message.TaskId, context.GetRedeliveryCount(), context.GetRetryAttempt()));
            throw context.Message.Subject == "permanent"
                ? new PermanentTaskException("no such mailbox")
                : new InvalidOperationException("relay busy");
        }
    }

    /// <summary>Stands in for the Gateway's task saga: every attempt may run.</summary>
    public sealed class GrantingTaskSaga : IConsumer<ClaimTaskAttempt>
    {
        public Task Consume(ConsumeContext<ClaimTaskAttempt> context) =>
            context.RespondAsync(new TaskAttemptClaimed(context.Message.TaskId, Timeout: null));
    }

    public sealed class FailingConsumerDefinition : ConsumerDefinition<FailingConsumer>
    {
        private readonly IOptionsMonitor<QueueOptions> _queues;

        public FailingConsumerDefinition(IOptionsMonitor<QueueOptions> queues)
        {
            _queues = queues;
            Endpoint(endpoint => endpoint.Name = Queue);
        }

        protected override void ConfigureConsumer(IReceiveEndpointConfigurator endpoint, IConsumerConfigurator<FailingConsumer> consumer, IRegistrationContext context) =>
            endpoint.ConfigureTaskConsumer<FailingConsumer, SendEmail>(consumer, _queues.Get(Queue), context);
    }
}
