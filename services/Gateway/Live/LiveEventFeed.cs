using System.Collections.Concurrent;
using System.Text.Json;
using System.Threading.Channels;
using Bus.Gateway.Redis;
using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Bus.Gateway.Live;

/// <summary>
/// This replica's end of the Redis channel every task change is published to once (by <see cref="LiveChangeRelay"/>):
/// it hands each change to the SSE streams and the hub connections open on this replica. StackExchange.Redis
/// re-subscribes after a reconnect.
/// </summary>
public sealed class LiveEventFeed(
    IConnectionMultiplexer redis, IOptions<RedisOptions> redisOptions, IOptions<LiveEventOptions> options, IHubContext<TaskEventsHub> hub,
    ILogger<LiveEventFeed> logger)
    : BackgroundService
{
    internal static readonly JsonSerializerOptions Json = JsonSerializerOptions.Web;

    private readonly ConcurrentDictionary<LiveEventSubscription, byte> _subscriptions = new();
    private readonly TaskCompletionSource _listening = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private ChannelMessageQueue? _streamQueue;
    private ChannelMessageQueue? _hubQueue;

    public static RedisChannel ChannelName(RedisOptions redis) => RedisChannel.Literal($"{redis.KeyPrefix}live:tasks");

    /// <summary>True once this replica receives the channel; false if it could not subscribe in time.</summary>
    public async Task<bool> WaitUntilListeningAsync(CancellationToken cancellationToken)
    {
        try
        {
            await _listening.Task.WaitAsync(options.Value.SubscribeTimeout, cancellationToken);
            return true;
        }
        catch (TimeoutException)
        {
            return false;
        }
    }

    /// <summary>Changes that pass <paramref name="filter"/>, from now on, until the subscription is disposed.</summary>
    public LiveEventSubscription Subscribe(Func<LiveTaskEvent, bool> filter)
    {
        var subscription = new LiveEventSubscription(filter, options.Value.SubscriberBufferSize, s => _subscriptions.TryRemove(s, out _));
        _subscriptions.TryAdd(subscription, 0);
        return subscription;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var channel = ChannelName(redisOptions.Value);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                // Each queue hands over messages one at a time, in the order Redis published them. Two queues, so a hub
                // client slow to take its sends holds up only the other hub sends, not the SSE streams.
                _streamQueue ??= await redis.GetSubscriber().SubscribeAsync(channel);
                _hubQueue ??= await redis.GetSubscriber().SubscribeAsync(channel);
                _streamQueue.OnMessage(DeliverToStreams);
                _hubQueue.OnMessage(DeliverToHubAsync);
                _listening.TrySetResult();
                logger.LogInformation("Live events: listening on Redis channel {Channel}", channel.ToString());
                return;
            }
            catch (Exception exception) when (exception is RedisException or TimeoutException)
            {
                logger.LogWarning(exception, "Live events: cannot subscribe to Redis channel {Channel}; retrying", channel.ToString());
                await Task.Delay(TimeSpan.FromSeconds(2), stoppingToken);
            }
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        foreach (var subscription in _subscriptions.Keys)
            subscription.Close();
        foreach (var queue in new[] { _streamQueue, _hubQueue })
        {
            if (queue is not null)
                await queue.UnsubscribeAsync();
        }
        await base.StopAsync(cancellationToken);
    }

    private void DeliverToStreams(ChannelMessage message)
    {
        if (Read(message) is not { } change)
            return;
        foreach (var subscription in _subscriptions.Keys)
        {
            if (!subscription.Offer(change))
                logger.LogWarning("Live events: an SSE client fell {Buffer} events behind and is disconnected", options.Value.SubscriberBufferSize);
        }
    }

    private async Task DeliverToHubAsync(ChannelMessage message)
    {
        if (Read(message) is not { } change)
            return;
        try
        {
            await hub.Clients.Groups([TaskEventsHub.TaskGroup(change.TaskId), TaskEventsHub.AllTasksGroup])
                .SendAsync(TaskEventsHub.TaskChanged, change);
        }
        catch (Exception exception)
        {
            logger.LogWarning(exception, "Live events: could not send a change of task {TaskId} to hub clients", change.TaskId);
        }
    }

    private LiveTaskEvent? Read(ChannelMessage message)
    {
        try
        {
            return JsonSerializer.Deserialize<LiveTaskEvent>((string)message.Message!, Json);
        }
        catch (JsonException exception)
        {
            logger.LogError(exception, "Live events: unreadable message on {Channel}", message.Channel.ToString());
            return null;
        }
    }
}

/// <summary>One SSE stream's bounded buffer of changes.</summary>
public sealed class LiveEventSubscription(Func<LiveTaskEvent, bool> filter, int capacity, Action<LiveEventSubscription> remove) : IDisposable
{
    private readonly Channel<LiveTaskEvent> _changes = Channel.CreateBounded<LiveTaskEvent>(
        new BoundedChannelOptions(capacity) { SingleReader = true, SingleWriter = true, FullMode = BoundedChannelFullMode.Wait });

    private volatile bool _closed;

    public ChannelReader<LiveTaskEvent> Changes => _changes.Reader;

    /// <summary>The client did not keep up: its buffer filled and the stream was ended rather than grow without bound.</summary>
    public bool Overflowed { get; private set; }

    /// <summary>False when the buffer was full: the subscription is then closed as <see cref="Overflowed"/>.</summary>
    internal bool Offer(LiveTaskEvent change)
    {
        if (_closed || !filter(change) || _changes.Writer.TryWrite(change))
            return true;
        Overflowed = true;
        Close();
        return false;
    }

    internal void Close()
    {
        _closed = true;
        remove(this);
        _changes.Writer.TryComplete();
    }

    public void Dispose() => Close();
}
