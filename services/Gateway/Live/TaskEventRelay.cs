using System.Text.Json;
using Bus.Contracts.Tasks;
using Bus.Gateway.Redis;
using Bus.ServiceDefaults.Messaging;
using Bus.ServiceDefaults.Options;
using MassTransit;
using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Bus.Gateway.Live;

/// <summary>
/// Takes each <see cref="TaskStatusChanged"/> once (queue <c>task-events</c>, competing replicas) and fans it out to every
/// replica: SignalR groups through the hub's Redis backplane, SSE streams through the live Redis channel.
/// </summary>
public sealed class TaskEventRelay(
    IConnectionMultiplexer redis, IOptions<RedisOptions> redisOptions, IHubContext<TaskEventsHub> hub, ILogger<TaskEventRelay> logger)
    : IConsumer<TaskStatusChanged>
{
    /// <summary>How long a task's newest relayed version is remembered; older changes arriving within it are stale.</summary>
    private static readonly TimeSpan VersionMemory = TimeSpan.FromDays(1);

    /// <summary>
    /// Competing relays may take one task's changes out of order. Checking the task's newest relayed version and publishing
    /// in one atomic script keeps the channel's order per task monotonic; a change older than one already relayed is
    /// superseded (every change is a full snapshot) and skipped. An equal version is published again (a redelivery).
    /// </summary>
    private static readonly LuaScript PublishIfNotStale = LuaScript.Prepare("""
        local newest = redis.call('GET', @versionKey)
        if newest and tonumber(newest) > tonumber(@version) then
          return 0
        end
        redis.call('SET', @versionKey, @version, 'EX', @ttlSeconds)
        redis.call('PUBLISH', @channel, @payload)
        return 1
        """);

    public async Task Consume(ConsumeContext<TaskStatusChanged> context)
    {
        var change = LiveTaskEvent.From(context.Message);
        var options = redisOptions.Value;
        var published = (int)await redis.GetDatabase().ScriptEvaluateAsync(PublishIfNotStale, new
        {
            versionKey = (RedisKey)$"{options.KeyPrefix}live:version:{change.TaskId:N}",
            version = change.Version(),
            ttlSeconds = (long)VersionMemory.TotalSeconds,
            channel = LiveEventFeed.ChannelName(options).ToString(),
            payload = JsonSerializer.Serialize(change, LiveEventFeed.Json),
        });
        if (published == 0)
        {
            logger.LogDebug("Live events: skipped a stale change of task {TaskId} ({Status}, {UpdatedAt:O})", change.TaskId, change.Status, change.UpdatedAt);
            return;
        }
        await hub.Clients.Groups([TaskEventsHub.TaskGroup(change.TaskId), TaskEventsHub.AllTasksGroup])
            .SendAsync(TaskEventsHub.TaskChanged, change, context.CancellationToken);
    }
}

public sealed class TaskEventRelayDefinition : ConsumerDefinition<TaskEventRelay>
{
    private readonly QueueOptions _options;

    public TaskEventRelayDefinition(IOptionsMonitor<QueueOptions> queues)
    {
        _options = queues.Get(QueueNames.TaskEvents);
        EndpointName = QueueNames.TaskEvents;
    }

    protected override void ConfigureConsumer(IReceiveEndpointConfigurator endpointConfigurator, IConsumerConfigurator<TaskEventRelay> consumerConfigurator, IRegistrationContext context)
    {
        endpointConfigurator.ConcurrentMessageLimit = _options.ConcurrencyLimit;
        // Redis restarting: wait it out, then task-events_error (moving it back relays the change again).
        endpointConfigurator.UseMessageRetry(retry => retry.Intervals(_options.RetryIntervals));
    }
}
