using System.Collections.Concurrent;
using System.Globalization;
using Bus.ServiceDefaults;
using MassTransit;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Bus.IntegrationTests.Scheduler;

/// <summary>A message type that also travels as an interface: delivered intact only if every PayloadType URN survives.</summary>
public interface IScheduledProbe
{
    Guid Id { get; }
}

public sealed record ScheduledProbe(Guid Id, string Text) : IScheduledProbe;

/// <summary>One delivery as the consumer saw it.</summary>
public sealed record Delivery(
    Guid Id,
    string As,
    DateTime ReceivedAt,
    Guid? MessageId,
    Guid? CorrelationId,
    string[] MessageTypes,
    IReadOnlyDictionary<string, object> Headers,
    string? Text)
{
    public int RedeliveryCount => Headers.TryGetValue(MessageHeaders.RedeliveryCount, out var value) ? Convert.ToInt32(value) : 0;

    /// <summary>When the Scheduler's trigger was due (<c>MT-Quartz-Scheduled</c>), whenever it actually fired.</summary>
    public DateTimeOffset? ScheduledAt => Headers.TryGetValue(MessageHeaders.Quartz.Scheduled, out var value)
        ? value switch
        {
            DateTimeOffset at => at,
            DateTime at => new DateTimeOffset(at.ToUniversalTime()),
            _ => DateTimeOffset.Parse(value.ToString()!, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind),
        }
        : null;
}

/// <summary>Everything the test bus's consumers received, in order.</summary>
public sealed class Deliveries
{
    private readonly ConcurrentQueue<Delivery> _all = new();

    public void Add(ConsumeContext context, Guid id, string @as, string? text = null) =>
        _all.Enqueue(new Delivery(id, @as, DateTime.UtcNow, context.MessageId, context.CorrelationId, [.. context.SupportedMessageTypes],
            context.Headers.GetAll().ToDictionary(h => h.Key, h => h.Value, StringComparer.OrdinalIgnoreCase), text));

    public IReadOnlyList<Delivery> Of(Guid id, string @as = nameof(ScheduledProbe)) => [.. _all.Where(d => d.Id == id && d.As == @as)];

    public async Task<IReadOnlyList<Delivery>> WaitForAsync(Guid id, int count, TimeSpan timeout, string @as = nameof(ScheduledProbe))
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var found = Of(id, @as);
            if (found.Count >= count)
                return found;
            if (DateTime.UtcNow > deadline)
                Assert.Fail($"expected {count} {@as} deliveries of {id} within {timeout.TotalSeconds} s, saw {found.Count}");
            await Task.Delay(20);
        }
    }
}

public sealed class ScheduledProbeConsumer(Deliveries deliveries) : IConsumer<ScheduledProbe>, IConsumer<IScheduledProbe>
{
    public Task Consume(ConsumeContext<ScheduledProbe> context)
    {
        deliveries.Add(context, context.Message.Id, nameof(ScheduledProbe), context.Message.Text);
        return Task.CompletedTask;
    }

    public Task Consume(ConsumeContext<IScheduledProbe> context)
    {
        deliveries.Add(context, context.Message.Id, nameof(IScheduledProbe));
        return Task.CompletedTask;
    }
}

/// <summary>
/// The client side: a host with ServiceDefaults' AddBus (the Scheduler as message scheduler, as every service has it)
/// on the test's virtual host, consuming probes on queue <see cref="ProbeQueue"/>.
/// </summary>
public sealed class SchedulerTestBus : IAsyncDisposable
{
    public const string ProbeQueue = "scheduler-probe";

    private readonly IHost _host;

    private SchedulerTestBus(IHost host)
    {
        _host = host;
    }

    public Deliveries Deliveries => _host.Services.GetRequiredService<Deliveries>();

    public IServiceProvider Services => _host.Services;

    public IBus Bus => _host.Services.GetRequiredService<IBus>();

    public static Uri ProbeAddress { get; } = new($"queue:{ProbeQueue}");

    public static async Task<SchedulerTestBus> StartAsync(
        SchedulerTestSystem system, Action<IBusRegistrationConfigurator>? configureBus = null, Action<IHostApplicationBuilder>? configure = null,
        IDictionary<string, string?>? settings = null)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true, EnvironmentName = "Testing" });
        builder.Configuration.AddInMemoryCollection(system.Configuration());
        if (settings is not null)
            builder.Configuration.AddInMemoryCollection(settings);
        builder.AddServiceDefaults();
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton<Deliveries>();
        configure?.Invoke(builder);
        builder.AddBus(bus =>
        {
            bus.AddConsumer<ScheduledProbeConsumer>().Endpoint(endpoint => endpoint.Name = ProbeQueue);
            configureBus?.Invoke(bus);
        });
        var host = builder.Build();
        await host.StartAsync();
        return new SchedulerTestBus(host);
    }

    /// <summary>The scheduler every service gets from ServiceDefaults (scoped in MassTransit's registration).</summary>
    public async Task<T> WithScheduler<T>(Func<IMessageScheduler, Task<T>> use)
    {
        await using var scope = _host.Services.CreateAsyncScope();
        return await use(scope.ServiceProvider.GetRequiredService<IMessageScheduler>());
    }

    public async Task WithRecurringScheduler(Func<IRecurringMessageScheduler, Task> use)
    {
        await using var scope = _host.Services.CreateAsyncScope();
        await use(scope.ServiceProvider.GetRequiredService<IRecurringMessageScheduler>());
    }

    public async ValueTask DisposeAsync()
    {
        await _host.StopAsync();
        _host.Dispose();
    }
}
