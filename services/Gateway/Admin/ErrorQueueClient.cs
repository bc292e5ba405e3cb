using Bus.ServiceDefaults.Options;
using Microsoft.Extensions.Options;
using RabbitMQ.Client;
using RabbitMQ.Client.Exceptions;

namespace Bus.Gateway.Admin;

public sealed record ErrorQueuePage(string Queue, string ErrorQueue, long Total, int Offset, int Limit, IReadOnlyList<ErrorQueueMessage> Messages);

public sealed record DiscardResult(string Queue, long Discarded);

public sealed record RedeliveryResult(string Queue, int Redelivered, IReadOnlyList<string> MessageIds, IReadOnlyList<string> NotFound);

/// <summary>
/// A task queue's <c>&lt;queue&gt;_error</c> over AMQP, so nothing is consumed by looking: messages are taken with
/// <c>basic.get</c> without acknowledging them and every message not deliberately moved or discarded is handed back
/// (<c>basic.nack</c> with requeue, and the channel close returns anything left), in its place, so the depth is unchanged.
/// A moved message is published to its queue's exchange with publisher confirms and only then acknowledged: at least once,
/// never lost (a crash in between leaves a copy in both queues; consumers are idempotent). One connection per operation:
/// these are rare operator actions, not worth a second long-lived connection beside the bus's.
/// </summary>
public sealed class ErrorQueueClient(IOptions<RabbitMqOptions> options, ILogger<ErrorQueueClient> logger)
{
    /// <summary>At most this many messages are held unacknowledged by one operation: browsing deeper than this is refused.</summary>
    public const int MaxWindow = 10_000;

    public static string ErrorQueueOf(string queue) => $"{queue}_error";

    public async Task<ErrorQueuePage> BrowseAsync(string queue, int offset, int limit, CancellationToken cancellationToken)
    {
        var errorQueue = ErrorQueueOf(queue);
        await using var connection = await ConnectAsync(cancellationToken);
        await using var channel = await connection.CreateChannelAsync(cancellationToken: cancellationToken);
        if (await DepthAsync(connection, errorQueue, cancellationToken) is not { } depth)
            return new ErrorQueuePage(queue, errorQueue, 0, offset, limit, []);

        var page = new List<ErrorQueueMessage>();
        ulong lastTag = 0;
        try
        {
            for (var position = 0; position < offset + limit; position++)
            {
                var message = await channel.BasicGetAsync(errorQueue, autoAck: false, cancellationToken);
                if (message is null)
                    break;
                lastTag = message.DeliveryTag;
                if (position >= offset)
                    page.Add(ErrorQueueMessage.From(message.BasicProperties, message.Body));
            }
        }
        finally
        {
            await RequeueAsync(channel, lastTag);
        }
        return new ErrorQueuePage(queue, errorQueue, depth, offset, limit, page);
    }

    /// <summary>Moves every message (<paramref name="messageIds"/> null) or the named ones back to <paramref name="queue"/>.</summary>
    public async Task<RedeliveryResult> RedeliverAsync(string queue, IReadOnlySet<string>? messageIds, CancellationToken cancellationToken)
    {
        var errorQueue = ErrorQueueOf(queue);
        var moved = new List<string>();
        await using var connection = await ConnectAsync(cancellationToken);
        await using var channel = await connection.CreateChannelAsync(
            new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true), cancellationToken);
        var depth = await DepthAsync(connection, errorQueue, cancellationToken) ?? 0;

        ulong lastTag = 0;
        try
        {
            // Bounded by the depth seen at the start: a message faulting again meanwhile is not picked up twice.
            for (var position = 0; position < Math.Min(depth, MaxWindow); position++)
            {
                if (messageIds is not null && moved.Count == messageIds.Count)
                    break;
                var message = await channel.BasicGetAsync(errorQueue, autoAck: false, cancellationToken);
                if (message is null)
                    break;
                lastTag = message.DeliveryTag;
                var id = ErrorQueueMessage.IdOf(message.BasicProperties, message.Body);
                if (messageIds is not null && (id is null || !messageIds.Contains(id)))
                    continue;

                var properties = new BasicProperties(message.BasicProperties)
                {
                    Headers = message.BasicProperties.Headers?
                        .Where(h => !ErrorQueueMessage.IsFaultHeader(h.Key))
                        .ToDictionary(h => h.Key, h => h.Value),
                };
                // MassTransit binds each queue to an exchange of the same name; mandatory, so a missing binding is an error, not a loss.
                await channel.BasicPublishAsync(queue, routingKey: "", mandatory: true, properties, message.Body, cancellationToken);
                await channel.BasicAckAsync(message.DeliveryTag, multiple: false, cancellationToken);
                moved.Add(id ?? "");
            }
        }
        finally
        {
            await RequeueAsync(channel, lastTag);
        }

        logger.LogInformation("Moved {Count} message(s) from {ErrorQueue} back to {Queue}", moved.Count, errorQueue, queue);
        var notFound = messageIds is null ? [] : messageIds.Except(moved).Order().ToList();
        return new RedeliveryResult(queue, moved.Count, moved, notFound);
    }

    /// <summary>Acknowledges (drops) the one message with this id; false when the error queue does not hold it.</summary>
    public async Task<bool> DiscardAsync(string queue, string messageId, CancellationToken cancellationToken)
    {
        var errorQueue = ErrorQueueOf(queue);
        await using var connection = await ConnectAsync(cancellationToken);
        await using var channel = await connection.CreateChannelAsync(cancellationToken: cancellationToken);
        var depth = await DepthAsync(connection, errorQueue, cancellationToken) ?? 0;

        ulong lastTag = 0;
        try
        {
            for (var position = 0; position < Math.Min(depth, MaxWindow); position++)
            {
                var message = await channel.BasicGetAsync(errorQueue, autoAck: false, cancellationToken);
                if (message is null)
                    break;
                lastTag = message.DeliveryTag;
                if (ErrorQueueMessage.IdOf(message.BasicProperties, message.Body) == messageId)
                {
                    await channel.BasicAckAsync(message.DeliveryTag, multiple: false, cancellationToken);
                    logger.LogInformation("Discarded message {MessageId} from {ErrorQueue}", messageId, errorQueue);
                    return true;
                }
            }
            return false;
        }
        finally
        {
            await RequeueAsync(channel, lastTag);
        }
    }

    /// <summary>Drops every message of the error queue at once (a purge) and answers how many; 0 when it was never declared.</summary>
    public async Task<DiscardResult> DiscardAllAsync(string queue, CancellationToken cancellationToken)
    {
        var errorQueue = ErrorQueueOf(queue);
        await using var connection = await ConnectAsync(cancellationToken);
        if (await DepthAsync(connection, errorQueue, cancellationToken) is null)
            return new DiscardResult(queue, 0);
        await using var channel = await connection.CreateChannelAsync(cancellationToken: cancellationToken);
        var discarded = await channel.QueuePurgeAsync(errorQueue, cancellationToken);
        logger.LogInformation("Discarded all {Count} message(s) of {ErrorQueue}", discarded, errorQueue);
        return new DiscardResult(queue, discarded);
    }

    private async Task<IConnection> ConnectAsync(CancellationToken cancellationToken)
    {
        var factory = options.Value.CreateConnectionFactory("bus-gateway-admin");
        try
        {
            return await factory.CreateConnectionAsync(cancellationToken);
        }
        catch (BrokerUnreachableException exception)
        {
            throw new TimeoutException($"RabbitMQ did not accept a connection: {exception.Message}", exception);
        }
    }

    /// <summary>The error queue's depth, or null when it was never declared (nothing ever faulted). A separate channel: a
    /// passive declare of a missing queue closes its channel.</summary>
    private static async Task<long?> DepthAsync(IConnection connection, string errorQueue, CancellationToken cancellationToken)
    {
        await using var channel = await connection.CreateChannelAsync(cancellationToken: cancellationToken);
        try
        {
            return (await channel.QueueDeclarePassiveAsync(errorQueue, cancellationToken)).MessageCount;
        }
        catch (OperationInterruptedException exception) when (exception.ShutdownReason?.ReplyCode == 404)
        {
            return null;
        }
    }

    /// <summary>Hands back every message still held, in place; closing the channel would too, this says it explicitly.</summary>
    private static async Task RequeueAsync(IChannel channel, ulong lastTag)
    {
        if (lastTag == 0 || !channel.IsOpen)
            return;
        await channel.BasicNackAsync(lastTag, multiple: true, requeue: true, CancellationToken.None);
    }
}
