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
    [Fact]
    public async Task The_Gateway_killed_under_load_loses_no_accepted_task_and_runs_none_twice()
    {
        var system = suite.System;
        var stream = TaskStream.Start(system.Gateway, "gatewaykill", count: 120, perSecond: 20);
        var kills = 0;
        foreach (var answered in new[] { 30, 80 })
        {
            await stream.WaitForAnsweredAsync(answered);
            await system.KillGatewayAsync();
            await system.StartGatewayAsync();
            kills++;
        }

        await Ledger.AssertHoldsAsync(await Ledger.CheckAsync(system, stream, kills), system, output);
    }
}
