using Bus.FaultTests.Infrastructure;
using Xunit.Abstractions;

namespace Bus.FaultTests.Scenarios;

[Collection(FaultSuiteCollection.Name)]
public sealed class BrokerRestartTests(FaultSuite suite, ITestOutputHelper output)
{
    /// <summary>
    /// While RabbitMQ is down the Gateway cannot hand a task over: it must answer 503 (the client retries with the same
    /// key), never 202 for a task that then goes nowhere; and nothing it accepted before or after may be lost.
    /// </summary>
    [SkippableFact]
    public async Task RabbitMQ_restarted_under_load_loses_no_accepted_task_and_runs_none_twice()
    {
        suite.SkipUnlessAvailable();
        var system = suite.System;
        var report = await FaultRun.RunAsync(system, "rabbitrestart", count: 150, perSecond: 10,
            new Fault(AfterAnswered: 30, () => system.Rabbit.RestartAsync(downtime: TimeSpan.FromSeconds(2))));

        await Ledger.AssertHoldsAsync(report, system, output);
    }

    [SkippableFact]
    public async Task PostgreSQL_restarted_under_load_loses_no_accepted_task_and_runs_none_twice()
    {
        suite.SkipUnlessAvailable();
        var system = suite.System;
        var report = await FaultRun.RunAsync(system, "pgrestart", count: 150, perSecond: 10,
            new Fault(AfterAnswered: 30, () => system.Postgres.RestartAsync(downtime: TimeSpan.FromSeconds(2))));

        await Ledger.AssertHoldsAsync(report, system, output);
    }
}
