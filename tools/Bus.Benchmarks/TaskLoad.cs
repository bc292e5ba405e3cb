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
        var count = (int)(perSecond * duration.TotalSeconds);
        // A cap on requests in flight: past it the submitter falls behind the schedule, which the submitted rate shows.
        using var inFlight = new SemaphoreSlim(512);
        var submissions = new List<Task>(count);
        system.Memory.Reset();
        var cpu = system.Cpu.Read();
        var clock = Stopwatch.StartNew();
        for (var i = 0; i < count; i++)
        {
            var wait = TimeSpan.FromSeconds((double)i / perSecond) - clock.Elapsed;
            if (wait > TimeSpan.Zero)
                await Task.Delay(wait);
            await inFlight.WaitAsync();
            submissions.Add(SubmitReleasingAsync());
        }
        await Task.WhenAll(submissions);
        var submittedRate = count / clock.Elapsed.TotalSeconds;
        return await FinishAsync(name, description, run, clock, cpu, ("target per s", perSecond), ("submitted per s", submittedRate));

        async Task SubmitReleasingAsync()
        {
            try
            {
                await run.SubmitAsync(submit);
            }
            finally
            {
                inFlight.Release();
            }
        }
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
        return new ScenarioResult(
            name, description, run.Accepted.Count + run.Refusals.Count, run.Refusals.Count + failed.Count,
            Math.Round(clock.Elapsed.TotalSeconds, 2), Math.Round(completed / clock.Elapsed.TotalSeconds, 1), "tasks/s",
            Latency.Of(outcomes.Where(o => o.Status == "Completed").Select(o => o.LatencyMs!.Value)), peaks,
            ErrorSamples: samples.Count > 0 ? samples : null,
            Details: details.ToDictionary(d => d.Key, d => Math.Round(d.Value, 1)),
            CpuMsPerItem: system.Cpu.PerItemSince(cpu, completed));
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
