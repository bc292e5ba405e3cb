using Bus.Contracts.Noop;
using Bus.ServiceDefaults.Messaging;
using Bus.ServiceDefaults.QueueControl;
using MassTransit;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;

namespace Bus.ServiceDefaults.Noop;

/// <summary>
/// The benchmark's <c>noop</c> task type, off unless configured: <c>Tasks:EnableNoop</c> makes the Gateway accept it,
/// <c>Tasks:ConsumeNoop</c> makes any host that has a bus consume queue <c>noop</c> (scripts/bench sets it on ExportService).
/// </summary>
public static class NoopTasks
{
    public const string EnableSetting = "Tasks:EnableNoop";
    public const string ConsumeSetting = "Tasks:ConsumeNoop";

    public const int MaxSleepMs = 60_000;
    public const int MaxPayloadBytes = 1_000_000;

    public static bool IsEnabled(IConfiguration configuration) => configuration.GetValue<bool>(EnableSetting);

    public static bool IsConsumed(IConfiguration configuration) => configuration.GetValue<bool>(ConsumeSetting);

    /// <summary>Queue <c>noop</c> consumed like every task queue (claims, reports, pause), when <c>Tasks:ConsumeNoop</c> is set.</summary>
    internal static void AddConsumerWhenConfigured(IHostApplicationBuilder builder, IBusRegistrationConfigurator bus)
    {
        if (!IsConsumed(builder.Configuration))
            return;
        // Its failures on purpose are permanent (no retry); the one brief retry is for transient faults such as a late claim.
        builder.AddQueueOptions(QueueNames.Noop, concurrencyLimit: 16, TimeSpan.FromMilliseconds(100));
        bus.AddTaskConsumer<NoopTaskConsumer, TaskConsumerDefinition<NoopTaskConsumer, RunNoop>>(QueueNames.Noop);
    }
}
