using Bus.FaultTests.Infrastructure;
using Xunit.Abstractions;

namespace Bus.FaultTests.Scenarios;

[Collection(FaultSuiteCollection.Name)]
public sealed class DuplicateDeliveryTests(FaultSuite suite, ITestOutputHelper output)
{
    /// <summary>
    /// Lost acks, made certain: each mail is fully handed to the relay and held before its 250 when the workers' broker
    /// connections are cut. RabbitMQ requeues the unacknowledged messages and delivers them again; those second
    /// deliveries claim the task and reach the e-mail ledger while the first ones are still sending. When the relay
    /// answers, the first deliveries record the mail — and their acks have nowhere to go. Each task must send one mail.
    /// </summary>
    [SkippableFact]
    public async Task A_message_delivered_again_after_its_ack_was_lost_has_one_side_effect()
    {
        suite.SkipUnlessAvailable();
        var system = suite.System;
        const int count = 4;
        system.BeforeAccept.Close();
        TaskStream stream;
        try
        {
            stream = TaskStream.Start(system.Gateway, "redelivery", count, perSecond: 0);
            await stream.Completion;
            await WaitUntilAsync(() => Task.FromResult(system.BeforeAccept.Held == count), "every mail held before the relay's 250");

            var closed = await system.Rabbit.CloseConnectionsAsync(system.VirtualHost, "EmailService");
            output.WriteLine($"closed {closed} EmailService connections with {count} mails awaiting their 250");
            var taskIds = stream.Submissions.Select(s => s.TaskId).OfType<Guid>().ToHashSet();
            await WaitUntilAsync(async () => (await Ledger.ReadTasksAsync(system.LedgerConnectionString))
                .Count(r => taskIds.Contains(r.Id) && r.Attempts >= 2) == count, "every task delivered and claimed a second time");
        }
        finally
        {
            system.BeforeAccept.Open();
        }

        await Ledger.AssertHoldsAsync(await Ledger.CheckAsync(system, stream, restarts: 0), system, output);
    }

    private static async Task WaitUntilAsync(Func<Task<bool>> condition, string what)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"not reached within a minute: {what}");
            await Task.Delay(100);
        }
    }
}
