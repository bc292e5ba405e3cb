using Bus.FaultTests.Infrastructure;
using Xunit.Abstractions;

namespace Bus.FaultTests.Scenarios;

[Collection(FaultSuiteCollection.Name)]
public sealed class SharedWorkTests(FaultSuite suite, ITestOutputHelper output)
{
    /// <summary>
    /// Replica 0's relay stalls: every mail it starts hangs, so its concurrency and its prefetch fill up and stay full.
    /// Replica 1 must get everything else — only what replica 0 had already been handed (its prefetch) may wait for it.
    /// </summary>
    [SkippableFact]
    public async Task A_replica_stuck_with_a_full_prefetch_leaves_the_rest_of_the_queue_to_an_idle_replica()
    {
        suite.SkipUnlessAvailable();
        var system = suite.System;
        const int count = 60;
        const int prefetch = 2 * FaultSystem.EmailConcurrency;
        system.ReplicaZeroAtMailFrom.Close();
        TaskStream stream;
        try
        {
            stream = TaskStream.Start(system.Gateway, "sharedwork", count, perSecond: 0);
            await stream.Completion;
            var done = await WaitForCompletedAsync(system, "sharedwork", atLeast: count - prefetch);
            output.WriteLine($"while replica 0 was stuck, {done} of {count} tasks completed (replica 0 may hold up to its prefetch, {prefetch})");
        }
        finally
        {
            system.ReplicaZeroAtMailFrom.Open();
        }

        var report = await Ledger.CheckAsync(system, stream, restarts: 0);
        var taskIds = stream.Submissions.Select(s => s.TaskId).OfType<Guid>().ToHashSet();
        var bySender = system.Smtp.Received
            .Where(m => MailLedger.TaskIdOf(m.Message) is { } id && taskIds.Contains(id))
            .GroupBy(m => m.Message.From.Mailboxes.First().Address)
            .ToDictionary(g => g.Key, g => g.Count());
        output.WriteLine($"mails by replica: {string.Join(", ", bySender.Select(s => $"{s.Key} {s.Value}"))}");
        await Ledger.AssertHoldsAsync(report, system, output);
        Assert.InRange(bySender.GetValueOrDefault(FaultSystem.SenderOf(0)), 0, prefetch);
    }

    /// <summary>Polls the task table until <paramref name="atLeast"/> of the scenario's tasks are Completed; fails with the count after a minute.</summary>
    private static async Task<int> WaitForCompletedAsync(FaultSystem system, string scenario, int atLeast)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            var completed = (await Ledger.ReadTasksAsync(system.LedgerConnectionString))
                .Count(r => r.Status == "Completed" && Ledger.IsOf(scenario, r));
            if (completed >= atLeast)
                return completed;
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"only {completed} tasks completed while replica 0 was stuck; at least {atLeast} should have gone to replica 1");
            await Task.Delay(250);
        }
    }
}
