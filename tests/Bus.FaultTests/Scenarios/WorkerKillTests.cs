using Bus.FaultTests.Infrastructure;
using Npgsql;
using Xunit.Abstractions;

namespace Bus.FaultTests.Scenarios;

[Collection(FaultSuiteCollection.Name)]
public sealed class WorkerKillTests(FaultSuite suite, ITestOutputHelper output)
{
    [SkippableFact]
    public async Task A_worker_killed_with_SIGKILL_in_the_middle_of_tasks_and_restarted_loses_none_and_sends_none_twice()
    {
        suite.SkipUnlessAvailable();
        var system = suite.System;
        var restarts = new List<Task>();
        var report = await FaultRun.RunAsync(system, "workerkill", count: 150, perSecond: 10,
            new Fault(AfterAnswered: 30, async () => restarts.Add(await KillMidTaskAsync(system, replica: 0, output))),
            new Fault(AfterAnswered: 90, async () => restarts.Add(await KillMidTaskAsync(system, replica: 1, output))));
        await Task.WhenAll(restarts);

        await Ledger.AssertHoldsAsync(report, system, output);
    }

    /// <summary>
    /// Kills <paramref name="replica"/> (the other carries on) while it holds mails mid-conversation with the relay
    /// (their ledger rows locked, their messages unacknowledged) and none between the relay's 250 and its ledger commit:
    /// that one window, where a crash does send twice, is SMTP's and is documented in docs/services/email.md; everything
    /// else must come out exactly once. Answers the replica's restart, which goes on while the stream does.
    /// </summary>
    private static async Task<Task> KillMidTaskAsync(FaultSystem system, int replica, ITestOutputHelper output)
    {
        var valve = system.AtMailFrom;
        var victim = FaultSystem.SenderOf(replica);
        valve.Close();
        var deadline = DateTime.UtcNow.AddSeconds(90);
        while (!(valve.HeldFrom(victim) > 0 && valve.PassedMailFrom == system.Smtp.Received.Count && await EveryMailRecordedAsync(system)))
        {
            if (DateTime.UtcNow > deadline)
            {
                valve.Open();
                throw new TimeoutException($"no moment to kill replica {replica} mid-task: held {valve.HeldFrom(victim)}, passed {valve.PassedMailFrom}, received {system.Smtp.Received.Count}");
            }
            await Task.Delay(50);
        }
        var held = valve.HeldFrom(victim);
        await system.KillEmailServiceAsync(replica);
        valve.DropHeldAndOpen();
        output.WriteLine($"killed replica {replica} with {held} mails mid-conversation with the relay");
        return system.StartEmailServiceAsync(replica);
    }

    /// <summary>Every mail the relay accepted has its ledger row committed as sent.</summary>
    private static async Task<bool> EveryMailRecordedAsync(FaultSystem system)
    {
        var mailed = system.Smtp.Received.Select(m => MailLedger.TaskIdOf(m.Message)).OfType<Guid>().Distinct().ToArray();
        await using var connection = new NpgsqlConnection(system.LedgerConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT count(*) FROM email.deliveries WHERE status = 'sent' AND task_id = ANY(@ids)", connection);
        command.Parameters.AddWithValue("ids", mailed);
        return (long)(await command.ExecuteScalarAsync())! == mailed.Length;
    }
}
