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
    [Fact]
    public async Task RabbitMQ_restarted_under_load_loses_no_accepted_task_and_runs_none_twice()
    {
        var system = suite.System;
        var stream = TaskStream.Start(system.Gateway, "rabbitrestart", count: 120, perSecond: 20);
        await stream.WaitForAnsweredAsync(30);
        await system.Rabbit.RestartAsync(downtime: TimeSpan.FromSeconds(2));

        await Ledger.AssertHoldsAsync(await Ledger.CheckAsync(system, stream, restarts: 1), system, output);
    }

    [Fact]
    public async Task PostgreSQL_restarted_under_load_loses_no_accepted_task_and_runs_none_twice()
    {
        var system = suite.System;
        var stream = TaskStream.Start(system.Gateway, "pgrestart", count: 120, perSecond: 20);
        await stream.WaitForAnsweredAsync(30);
        await system.Postgres.RestartAsync(downtime: TimeSpan.FromSeconds(2));

        await Ledger.AssertHoldsAsync(await Ledger.CheckAsync(system, stream, restarts: 1), system, output);
    }
}
