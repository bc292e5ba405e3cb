using System.Text;
using RabbitMQ.Client;

namespace Bus.IntegrationTests.Infrastructure;

/// <summary>
/// Messages no Bus producer would send — a truncated envelope, an unknown message type, a body that is not an envelope,
/// eight megabytes of noise — published straight to a task queue's exchange, as a broken producer would.
/// </summary>
public static class PoisonMessages
{
    private const string Envelope = "application/vnd.masstransit+json";

    /// <summary>
    /// Publishes every poison message to <paramref name="queue"/>'s exchange and waits until each is set aside in
    /// <c>&lt;queue&gt;_error</c> or <c>&lt;queue&gt;_skipped</c>; then everything set aside there must say why.
    /// </summary>
    public static async Task PublishAndExpectSetAsideAsync(RabbitManagement rabbit, string virtualHost, string queue)
    {
        var before = await SetAsideAsync(virtualHost, queue);
        var poison = Corpus();
        await using (var connection = await BrokerQueueProbe.Factory(virtualHost).CreateConnectionAsync())
        await using (var channel = await connection.CreateChannelAsync())
        {
            foreach (var (contentType, body) in poison)
            {
                var properties = new BasicProperties { MessageId = Guid.NewGuid().ToString(), ContentType = contentType, Persistent = true };
                await channel.BasicPublishAsync(queue, "", mandatory: true, properties, body);
            }
        }

        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (await SetAsideAsync(virtualHost, queue) < before + poison.Count && DateTime.UtcNow < deadline)
            await Task.Delay(200);
        Assert.Equal(before + poison.Count, await SetAsideAsync(virtualHost, queue));

        var setAside = (await rabbit.PeekAsync(virtualHost, $"{queue}_error", 200))
            .Concat(await rabbit.PeekAsync(virtualHost, $"{queue}_skipped", 200))
            .ToList();
        Assert.True(setAside.Count >= poison.Count);
        Assert.All(setAside, m => Assert.True(
            m.Headers.ContainsKey("MT-Reason") || m.Headers.ContainsKey("MT-Fault-Message"),
            $"no reason on a message set aside from {queue}: {string.Join(", ", m.Headers.Keys)}"));
    }

    private static IReadOnlyList<(string ContentType, byte[] Body)> Corpus()
    {
        var oversized = new byte[8 * 1024 * 1024];
        new Random(7).NextBytes(oversized);
        return
        [
            (Envelope, "{\"message\": {\"taskId\": "u8.ToArray()),
            (Envelope, Encoding.UTF8.GetBytes(
                $$$"""{"messageId":"{{{Guid.NewGuid()}}}","messageType":["urn:message:Nobody.Knows:ThisCommand"],"message":{"taskId":"{{{Guid.NewGuid()}}}"}}""")),
            ("text/plain", "run this task please"u8.ToArray()),
            (Envelope, oversized),
        ];
    }

    private static async Task<uint> SetAsideAsync(string virtualHost, string queue) =>
        (await BrokerQueueProbe.GetAsync(virtualHost, $"{queue}_error")).Messages
        + (await BrokerQueueProbe.GetAsync(virtualHost, $"{queue}_skipped")).Messages;
}
