using System.Net;
using System.Text;
using Bus.IntegrationTests.Infrastructure;
using RabbitMQ.Client;

namespace Bus.IntegrationTests.EndToEnd;

/// <summary>
/// Messages no Bus producer would send, published straight to a task queue's exchange: each ends in the queue's
/// error or skipped queue with MassTransit's reason, and the worker keeps serving.
/// </summary>
[Collection(RunningSystemCollection.Name)]
public sealed class PoisonMessageEndToEndTests(RunningSystem system)
{
    private const string Envelope = "application/vnd.masstransit+json";

    [Fact]
    public async Task Malformed_unknown_and_oversized_messages_are_set_aside_with_a_reason_and_the_worker_keeps_serving()
    {
        var before = await SetAsideAsync();
        var poison = new (string Id, string ContentType, byte[] Body)[]
        {
            (Guid.NewGuid().ToString(), Envelope, "{\"message\": {\"taskId\": "u8.ToArray()),
            (Guid.NewGuid().ToString(), Envelope, Encoding.UTF8.GetBytes(
                $$$"""{"messageId":"{{{Guid.NewGuid()}}}","messageType":["urn:message:Nobody.Knows:ThisCommand"],"message":{"taskId":"{{{Guid.NewGuid()}}}"}}""")),
            (Guid.NewGuid().ToString(), "text/plain", "send an email please"u8.ToArray()),
            (Guid.NewGuid().ToString(), Envelope, Oversized()),
        };

        await using (var connection = await BrokerQueueProbe.Factory(system.VirtualHost).CreateConnectionAsync())
        await using (var channel = await connection.CreateChannelAsync())
        {
            foreach (var (id, contentType, body) in poison)
            {
                var properties = new BasicProperties { MessageId = id, ContentType = contentType, Persistent = true };
                await channel.BasicPublishAsync("email", "", mandatory: true, properties, body);
            }
        }

        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (await SetAsideAsync() < before + poison.Length && DateTime.UtcNow < deadline)
            await Task.Delay(200);
        Assert.Equal(before + poison.Length, await SetAsideAsync());

        // Everything set aside in this system, this test's messages among them, says why.
        var setAside = (await system.Rabbit.PeekAsync(system.VirtualHost, "email_error", 200))
            .Concat(await system.Rabbit.PeekAsync(system.VirtualHost, "email_skipped", 200))
            .ToList();
        Assert.True(setAside.Count >= poison.Length);
        Assert.All(setAside, m => Assert.True(
            m.Headers.ContainsKey("MT-Reason") || m.Headers.ContainsKey("MT-Fault-Message"),
            $"no reason on a set-aside message: {string.Join(", ", m.Headers.Keys)}"));

        var subject = $"after-poison-{Guid.NewGuid():N}";
        var response = await system.SubmitAsync(new { type = "email_notification", data = new { to = new[] { "ok@example.com" }, subject, body = "b" } });
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        await system.WaitForStatusAsync(await RunningSystem.TaskIdOf(response), "Completed");
        Assert.Single(system.MailsWithSubject(subject));
    }

    private async Task<uint> SetAsideAsync() =>
        (await BrokerQueueProbe.GetAsync(system.VirtualHost, "email_error")).Messages
        + (await BrokerQueueProbe.GetAsync(system.VirtualHost, "email_skipped")).Messages;

    /// <summary>Eight megabytes that are not a message.</summary>
    private static byte[] Oversized()
    {
        var body = new byte[8 * 1024 * 1024];
        new Random(7).NextBytes(body);
        return body;
    }
}
