using System.Text.Json;
using Bus.Contracts.Tasks;
using Bus.Gateway.Redis;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Bus.Gateway.Live;

/// <summary>
/// Publishes one committed change of a task on the live Redis channel, from which every replica's
/// <see cref="LiveEventFeed"/> hands it to its SSE streams and hub connections. Called once per change, by the replica
/// whose saga committed it (<see cref="RelayCommittedTaskChangesFilter"/>), or by <see cref="TaskEventRelay"/> for a
/// change queued while Redis was unreachable.
/// </summary>
public sealed class LiveChangeRelay(IConnectionMultiplexer redis, IOptions<RedisOptions> redisOptions, ILogger<LiveChangeRelay> logger)
{
    /// <summary>How long a task's newest relayed version is remembered; older changes arriving within it are stale.</summary>
    private static readonly TimeSpan VersionMemory = TimeSpan.FromDays(1);

    /// <summary>
    /// Relays run concurrently and may take one task's changes out of order. Checking the task's newest relayed version and
    /// publishing in one atomic script keeps the channel's order per task monotonic; a change older than one already
    /// relayed is superseded (every change is a full snapshot) and skipped. An equal version is published again (a
    /// redelivery).
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

    public async Task RelayAsync(TaskStatusChanged change)
    {
        // Without a connection a command would wait out its timeout (5 s) before it fails.
        if (!redis.IsConnected)
            throw new RedisConnectionException(ConnectionFailureType.UnableToConnect, CommandFlags.None, "Live events: this replica has no connection to Redis", null, CommandStatus.WaitingToBeSent);
        var live = LiveTaskEvent.From(change);
        var options = redisOptions.Value;
        var published = (int)await redis.GetDatabase().ScriptEvaluateAsync(PublishIfNotStale, new
        {
            versionKey = (RedisKey)$"{options.KeyPrefix}live:version:{live.TaskId:N}",
            version = live.Version(),
            ttlSeconds = (long)VersionMemory.TotalSeconds,
            channel = LiveEventFeed.ChannelName(options).ToString(),
            payload = JsonSerializer.Serialize(live, LiveEventFeed.Json),
        });
        if (published == 0)
            logger.LogDebug("Live events: skipped a stale change of task {TaskId} ({Status}, {UpdatedAt:O})", live.TaskId, live.Status, live.UpdatedAt);
    }
}
