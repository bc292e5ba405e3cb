namespace Bus.FaultTests.Infrastructure;

/// <summary>A fault injected once the stream has had <paramref name="AfterAnswered"/> submissions answered: under load.</summary>
public sealed record Fault(int AfterAnswered, Func<Task> Inject);

public static class FaultRun
{
    /// <summary>
    /// Streams <paramref name="count"/> tasks at <paramref name="perSecond"/>, injects each fault in turn while the
    /// stream runs, then checks the ledger once everything has settled.
    /// </summary>
    public static async Task<LedgerReport> RunAsync(FaultSystem system, string scenario, int count, double perSecond, params Fault[] faults)
    {
        var stream = TaskStream.Start(system.Gateway, scenario, count, perSecond);
        foreach (var fault in faults)
        {
            await stream.WaitForAnsweredAsync(fault.AfterAnswered);
            await fault.Inject();
        }
        return await Ledger.CheckAsync(system, stream, faults.Length);
    }
}
