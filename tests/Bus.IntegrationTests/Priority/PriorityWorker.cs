using System.Collections.Concurrent;
using System.Globalization;
using Bus.Contracts.Email;
using Bus.IntegrationTests.Infrastructure;
using Bus.ServiceDefaults;
using Bus.ServiceDefaults.Messaging;
using Bus.ServiceDefaults.Options;
using MassTransit;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using RabbitMQ.Client;

namespace Bus.IntegrationTests.Priority;

/// <summary>One delivery of a <see cref="SendEmail"/> as the worker got it, with its RabbitMQ priority.</summary>
public sealed record ReceivedTask(Guid TaskId, string? Subject, int Priority, int Redelivery);

public sealed class ReceivedTasks
{
    private readonly ConcurrentQueue<ReceivedTask> _all = new();

    public void Add(ReceivedTask task) => _all.Enqueue(task);

    /// <summary>Every delivery so far, in the order the worker consumed them.</summary>
    public IReadOnlyList<ReceivedTask> All => [.. _all];

    public async Task<IReadOnlyList<ReceivedTask>> WaitForAsync(Func<ReceivedTask, bool> match, int count, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var found = All.Where(match).ToList();
            if (found.Count >= count)
                return found;
            if (DateTime.UtcNow > deadline)
                Assert.Fail($"expected {count} matching deliveries within {timeout.TotalSeconds} s, saw {found.Count}");
            await Task.Delay(20);
        }
    }
}

/// <summary>
/// Records every delivery; a subject starting with <see cref="FailFirstDelivery"/> fails until it is redelivered, one
/// starting with <see cref="FailPermanently"/> goes straight to the error queue.
/// </summary>
public sealed class RecordingEmailConsumer(ReceivedTasks received) : IConsumer<SendEmail>
{
    public const string FailFirstDelivery = "fail-first-delivery";
    public const string FailPermanently = "fail-permanently";

    public async Task Consume(ConsumeContext<SendEmail> context)
    {
        // The client leaves priority 0 out of the basic properties; RabbitMQ treats a message without one as 0.
        var priority = context.TryGetPayload(out RabbitMqBasicConsumeContext? rabbit) && rabbit.Properties.IsPriorityPresent()
            ? rabbit.Properties.Priority
            : 0;
        var redelivery = context.GetRedeliveryCount();
        received.Add(new ReceivedTask(context.Message.TaskId, context.Message.Subject, priority, redelivery));
        if (context.Message.Subject?.StartsWith(FailFirstDelivery, StringComparison.Ordinal) == true && redelivery == 0)
            throw new InvalidOperationException("transient failure before the first redelivery");
        if (context.Message.Subject?.StartsWith(FailPermanently, StringComparison.Ordinal) == true)
            throw new PermanentTaskException("this one is meant for the error queue");
        await context.ReportCompleted(context.Message.TaskId, new { delivered = true });
    }
}

/// <summary>Queue <c>email</c>, consumed the way every service consumes a task queue (ConfigureTaskConsumer).</summary>
public sealed class RecordingEmailConsumerDefinition : ConsumerDefinition<RecordingEmailConsumer>
{
    private readonly IOptionsMonitor<QueueOptions> _queues;

    public RecordingEmailConsumerDefinition(IOptionsMonitor<QueueOptions> queues)
    {
        _queues = queues;
        Endpoint(endpoint => endpoint.Name = QueueNames.Email);
    }

    protected override void ConfigureConsumer(IReceiveEndpointConfigurator endpoint, IConsumerConfigurator<RecordingEmailConsumer> consumer, IRegistrationContext context) =>
        endpoint.ConfigureTaskConsumer<RecordingEmailConsumer, SendEmail>(consumer, _queues.Get(QueueNames.Email), context);
}

/// <summary>
/// A stand-in EmailService: ServiceDefaults' bus (the Scheduler as message scheduler) consuming queue <c>email</c> one
/// message at a time with prefetch 1, so the order it records is the order RabbitMQ delivered in.
/// </summary>
public sealed class PriorityWorker : IAsyncDisposable
{
    public static readonly TimeSpan Redelivery = TimeSpan.FromSeconds(1);

    private readonly IHost _host;

    private PriorityWorker(IHost host)
    {
        _host = host;
    }

    public ReceivedTasks Received => _host.Services.GetRequiredService<ReceivedTasks>();

    public Task<ISendEndpoint> GetSendEndpointAsync(Uri address) => _host.Services.GetRequiredService<IBus>().GetSendEndpoint(address);

    /// <param name="settings">Configuration beyond the broker, the database and prefetch 1 (e.g. <c>Queues:email:Type</c>).</param>
    public static async Task<PriorityWorker> StartAsync(string virtualHost, string connectionString, IReadOnlyDictionary<string, string?>? settings = null)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true, EnvironmentName = "Testing" });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["RabbitMq:Host"] = TestEnvironment.RabbitHost,
            ["RabbitMq:Port"] = TestEnvironment.RabbitPort.ToString(CultureInfo.InvariantCulture),
            ["RabbitMq:VirtualHost"] = virtualHost,
            ["RabbitMq:Username"] = TestEnvironment.RabbitUser,
            ["RabbitMq:Password"] = TestEnvironment.RabbitPassword,
            ["Postgres:ConnectionString"] = connectionString,
            [$"Queues:{QueueNames.Email}:PrefetchCount"] = "1",
        });
        builder.Configuration.AddInMemoryCollection(settings ?? new Dictionary<string, string?>());
        builder.AddServiceDefaults();
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton<ReceivedTasks>();
        builder.AddQueueOptions(QueueNames.Email, concurrencyLimit: 1, [TimeSpan.FromMilliseconds(10)], [Redelivery]);
        builder.AddBus(bus => bus.AddConsumer<RecordingEmailConsumer, RecordingEmailConsumerDefinition>());
        var host = builder.Build();
        await host.StartAsync();
        return new PriorityWorker(host);
    }

    public async ValueTask DisposeAsync()
    {
        await _host.StopAsync();
        _host.Dispose();
    }
}
