using System.Net;
using Bus.IntegrationTests.Infrastructure;

namespace Bus.IntegrationTests.EndToEnd;

/// <summary>
/// Messages no Bus producer would send, published straight to a task queue's exchange: each ends in the queue's
/// error or skipped queue with MassTransit's reason, and the worker keeps serving.
/// </summary>
[Collection(RunningSystemCollection.Name)]
public sealed class PoisonMessageEndToEndTests(RunningSystem system)
{
    [Fact]
    public async Task Malformed_unknown_and_oversized_messages_are_set_aside_with_a_reason_and_the_worker_keeps_serving()
    {
        await PoisonMessages.PublishAndExpectSetAsideAsync(system.Rabbit, system.VirtualHost, "email");

        var subject = $"after-poison-{Guid.NewGuid():N}";
        var response = await system.SubmitAsync(new { type = "email_notification", data = new { to = new[] { "ok@example.com" }, subject, body = "b" } });
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        await system.WaitForStatusAsync(await RunningSystem.TaskIdOf(response), "Completed");
        Assert.Single(system.MailsWithSubject(subject));
    }
}
