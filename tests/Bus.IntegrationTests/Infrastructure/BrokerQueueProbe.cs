using RabbitMQ.Client;
using RabbitMQ.Client.Exceptions;

namespace Bus.IntegrationTests.Infrastructure;

public sealed record QueueDepth(uint Messages, uint Consumers);

/// <summary>A queue's depth and consumers straight from the broker (AMQP passive declare): exact and current, unlike the management API's samples.</summary>
public static class BrokerQueueProbe
{
    public static async Task<QueueDepth> GetAsync(string virtualHost, string queue)
    {
        await using var connection = await Factory(virtualHost).CreateConnectionAsync();
        await using var channel = await connection.CreateChannelAsync();
        try
        {
            var declared = await channel.QueueDeclarePassiveAsync(queue);
            return new QueueDepth(declared.MessageCount, declared.ConsumerCount);
        }
        catch (OperationInterruptedException exception) when (exception.ShutdownReason?.ReplyCode == 404)
        {
            return new QueueDepth(0, 0);
        }
    }

    /// <summary>Polls until <paramref name="until"/> holds; fails with the last reading after <paramref name="timeout"/>.</summary>
    public static async Task<QueueDepth> WaitForAsync(string virtualHost, string queue, Func<QueueDepth, bool> until, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var depth = await GetAsync(virtualHost, queue);
            if (until(depth))
                return depth;
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"{queue} did not reach the expected state within {timeout.TotalSeconds} s; last: {depth}");
            await Task.Delay(200);
        }
    }

    public static ConnectionFactory Factory(string virtualHost) => new()
    {
        HostName = TestEnvironment.RabbitHost,
        Port = TestEnvironment.RabbitPort,
        VirtualHost = virtualHost,
        UserName = TestEnvironment.RabbitUser,
        Password = TestEnvironment.RabbitPassword,
    };
}
