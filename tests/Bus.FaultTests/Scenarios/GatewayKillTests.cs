using Bus.FaultTests.Infrastructure;
using Xunit.Abstractions;

namespace Bus.FaultTests.Scenarios;

[Collection(FaultSuiteCollection.Name)]
public sealed class GatewayKillTests(FaultSuite suite, ITestOutputHelper output)
{
    /// <summary>
    /// SIGKILL lands wherever the Gateway is: answering, inside the task saga's transaction, or between the saga's
    /// commit and its dispatch of the command. Clients without an answer retry with the same key; every task that was
    /// answered must run, exactly once.
    /// </summary>
    [SkippableFact]
    public async Task The_Gateway_killed_under_load_loses_no_accepted_task_and_runs_none_twice()
    {
        suite.SkipUnlessAvailable();
        var system = suite.System;
        var report = await FaultRun.RunAsync(system, "gatewaykill", count: 150, perSecond: 10,
            new Fault(AfterAnswered: 30, KillAndRestartGatewayAsync),
            new Fault(AfterAnswered: 90, KillAndRestartGatewayAsync));

        await Ledger.AssertHoldsAsync(report, system, output);

        async Task KillAndRestartGatewayAsync()
        {
            await system.KillGatewayAsync();
            await system.StartGatewayAsync();
        }
    }
}
