using System.Collections.Concurrent;
using System.Diagnostics;

namespace Bus.Benchmarks;

/// <summary>
/// Runs tasks through the whole system — submitted, recorded by the saga, consumed by a worker, completed — either
/// <paramref name="count"/> at a fixed concurrency (closed loop: as fast as it goes) or at a fixed rate for a fixed
/// time (open loop: does it keep up, and at what latency). Waits until every task is terminal.
/// </summary>
public sealed class TaskLoad(BenchSystem system, TimeSpan timeout)
{
    /// <summary>Submits one task and returns its id; throws when it was not accepted.</summary>
    public delegate Task<Guid> Submit(CancellationToken cancellationToken);

    /// <summary><paramref name="countMessages"/>: also report deliveries per task on each queue (<see cref="MessageCount"/>).</summary>
    public async Task<ScenarioResult> ClosedLoopAsync(string name, string description, Submit submit, int count, int concurrency, bool countMessages = false)
    {
        var run = new Run();
        var next = -1;
        var messages = countMessages ? new MessageCount(system.VirtualHost) : null;
        if (messages is not null)
            await messages.StartAsync();
        system.Memory.Reset();
        var cpu = system.Cpu.Read();
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(async _ =>
        {
            while (Interlocked.Increment(ref next) < count)
                await run.SubmitAsync(submit);
        }));
        var result = await FinishAsync(name, description, run, clock, cpu, ("submitted per s", count / clock.Elapsed.TotalSeconds));
        if (messages is null)
            return result;
        var perTask = await messages.PerTaskAsync(result.Items);
        return result with { Details = result.Details!.Concat(perTask).ToDictionary() };
    }

    public async Task<ScenarioResult> FixedRateAsync(string name, string description, Submit submit, int perSecond, TimeSpan duration)
    {
        var run = new Run();
        system.Memory.Reset();
        var cpu = system.Cpu.Read();
        var clock = Stopwatch.StartNew();
        var submittedRate = await OpenLoop.RunAsync(perSecond, duration, () => run.SubmitAsync(submit));
        return await FinishAsync(name, description, run, clock, cpu, ("target per s", perSecond), ("submitted per s", submittedRate));
    }

    private async Task<ScenarioResult> FinishAsync(
        string name, string description, Run run, Stopwatch clock, CpuTime.Reading cpu, params (string Key, double Value)[] details)
    {
        var outcomes = await system.WaitForTerminalAsync([.. run.Accepted], timeout);
        clock.Stop();
        var peaks = system.Memory.Read();
        var failed = outcomes.Where(o => o.Status != "Completed").ToList();
        var samples = run.Refusals.Take(5).Concat(failed.Take(5).Select(o => $"task {o.Id}: {o.Status} {o.Error}")).ToList();
        var completed = outcomes.Count - failed.Count;
        var phases = Phases(outcomes.Where(o => o.Status == "Completed").ToList());
        return new ScenarioResult(
            name, description, run.Accepted.Count + run.Refusals.Count, run.Refusals.Count + failed.Count,
            Math.Round(clock.Elapsed.TotalSeconds, 2), Math.Round(completed / clock.Elapsed.TotalSeconds, 1), "tasks/s",
            Latency.Of(outcomes.Where(o => o.Status == "Completed").Select(o => o.LatencyMs!.Value)), peaks,
            ErrorSamples: samples.Count > 0 ? samples : null,
            Details: details.Concat(phases).ToDictionary(d => d.Key, d => Math.Round(d.Value, 1)),
            CpuMsPerItem: system.Cpu.PerItemSince(cpu, completed));
    }

    /// <summary>
    /// Where a task's latency goes: submitted → started (the saga records it and dispatches it, the worker receives it
    /// and sends its claim) and started → finished (the claim's round trip through the saga, the work, the completion).
    /// </summary>
    private static IEnumerable<(string Key, double Value)> Phases(IReadOnlyList<TaskOutcome> completed)
    {
        var started = completed.Where(o => o.StartedAt is not null).ToList();
        var toStart = Latency.Of(started.Select(o => (o.StartedAt!.Value - o.CreatedAt).TotalMilliseconds));
        var toFinish = Latency.Of(started.Select(o => (o.FinishedAt!.Value - o.StartedAt!.Value).TotalMilliseconds));
        if (toStart is null || toFinish is null)
            yield break;
        yield return ("to start p50 ms", toStart.P50);
        yield return ("to start p99 ms", toStart.P99);
        yield return ("start to finish p50 ms", toFinish.P50);
        yield return ("start to finish p99 ms", toFinish.P99);
    }

    private sealed class Run
    {
        public ConcurrentBag<Guid> Accepted { get; } = [];
        public ConcurrentQueue<string> Refusals { get; } = [];

        public async Task SubmitAsync(Submit submit)
        {
            try
            {
                Accepted.Add(await submit(CancellationToken.None));
            }
            catch (Exception exception)
            {
                Refusals.Enqueue(exception.Message);
            }
        }
    }
}
