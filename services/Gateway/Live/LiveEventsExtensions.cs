using Bus.Gateway.Redis;
using Bus.ServiceDefaults;
using Bus.ServiceDefaults.Messaging;
using MassTransit;

namespace Bus.Gateway.Live;

public static class LiveEventsExtensions
{
    /// <summary>The hub, this replica's live channel subscriber, and their options. Needs <see cref="RedisConnection.AddRedis"/>.</summary>
    public static IHostApplicationBuilder AddLiveEvents(this IHostApplicationBuilder builder)
    {
        builder.AddValidatedOptions<LiveEventOptions>(LiveEventOptions.Section);
        builder.AddQueueOptions(QueueNames.TaskEvents, concurrencyLimit: 16,
            TimeSpan.FromMilliseconds(200), TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(15));

        // No Redis backplane: every replica already receives every change on the live channel and sends it to its own
        // hub connections, so a change crosses Redis once, not once more per hub group.
        builder.Services.AddSignalR();
        builder.Services.AddSingleton<LiveChangeRelay>();
        builder.Services.AddHostedService<RetiredTaskEventsBinding>();
        builder.Services.AddSingleton<LiveEventFeed>();
        builder.Services.AddHostedService(services => services.GetRequiredService<LiveEventFeed>());
        return builder;
    }

    /// <summary>The relay of the changes that could not reach Redis when they were committed, on queue <c>task-events</c>.</summary>
    public static IConsumerRegistrationConfigurator AddLiveEventRelay(this IBusRegistrationConfigurator bus) =>
        bus.AddConsumer<TaskEventRelay, TaskEventRelayDefinition>();

    /// <summary>On the task saga's endpoint, before its outbox: relays each committed change to live clients.</summary>
    public static void UseLiveEventRelay(this IConsumePipeConfigurator endpoint, IRegistrationContext context) =>
        endpoint.UseFilter(new RelayCommittedTaskChangesFilter(
            context.GetRequiredService<LiveChangeRelay>(), context.GetRequiredService<ILogger<RelayCommittedTaskChangesFilter>>()));
}
