using System.Text.Json;
using Bus.Benchmarks;

// Bus.Benchmarks [--quick] [--tasks-only] [--json <file>] [--tasks N] [--concurrency C] [--rate R] [--seconds T] [--export-rows A,B] [--images K] — run by scripts/bench, which starts the infrastructure and builds Release first.
var quick = args.Contains("--quick");
var tasksOnly = args.Contains("--tasks-only");
var mode = quick ? "quick" : tasksOnly ? "tasks-only" : "full";
var jsonIndex = Array.IndexOf(args, "--json");
var plan = (quick ? BenchmarkPlan.QuickRun : BenchmarkPlan.Full).With(args);
var machine = MachineInfo.Now();
var jsonPath = jsonIndex >= 0 && jsonIndex + 1 < args.Length
    ? Path.GetFullPath(args[jsonIndex + 1])
    : Path.Combine(RepositoryRoot(), "TestResults", "bench", $"bench-{mode}-{machine.StartedAt:yyyyMMdd-HHmmss}.json");

void Log(string message) => Console.Error.WriteLine($"[{DateTime.Now:HH:mm:ss}] {message}");

Log($"{mode} run on {machine.Cores} cores, load average {machine.LoadAverageAtStart}");
var results = new List<ScenarioResult>();
await using (var system = await BenchSystem.StartAsync(plan.ExportRows.Max(), Log))
{
    var load = new TaskLoad(system, plan.TaskTimeout);
    var noop = JsonSerializer.SerializeToElement(new { sleepMs = 0 });
    Task<Guid> OverHttp(CancellationToken cancellationToken) => system.SubmitOverHttpAsync(new { type = "noop", data = noop }, cancellationToken);
    Task<Guid> OverBus(CancellationToken cancellationToken) => system.SubmitOverBusAsync("noop", noop, cancellationToken);

    Log("broker baseline");
    var baseline = await BrokerBaseline.RunAsync(plan.BaselineMessages, plan.Concurrency, plan.WarmUpTasks, system.Memory, system.Cpu);
    results.Add(baseline);

    Log($"broker floor: a task's four hops at {plan.FixedRate}/s for {plan.FixedRateDuration.TotalSeconds} s");
    var floor = await LatencyFloor.RunAsync(plan.FixedRate, plan.FixedRateDuration, plan.WarmUpTasks, system.Memory, system.Cpu);

    Log("warming up the task path");
    await load.ClosedLoopAsync("warm-up", "", OverHttp, plan.WarmUpTasks, plan.Concurrency);
    await load.ClosedLoopAsync("warm-up", "", OverBus, plan.WarmUpTasks, plan.Concurrency);

    foreach (var (path, submit) in new[] { ("http", (TaskLoad.Submit)OverHttp), ("bus", OverBus) })
    {
        var how = path == "http" ? "POST /tasks noop" : "SubmitTask (noop) published from the benchmark process";
        Log($"{path}: {plan.ClosedLoopTasks} noop tasks at concurrency {plan.Concurrency}");
        results.Add(await load.ClosedLoopAsync($"{path} noop ×{plan.ClosedLoopTasks} c{plan.Concurrency}",
            $"{how}, closed loop (submitted → completed)", submit, plan.ClosedLoopTasks, plan.Concurrency, countMessages: true));
        Log($"{path}: {plan.FixedRate} noop tasks/s for {plan.FixedRateDuration.TotalSeconds} s");
        results.Add((await load.FixedRateAsync($"{path} noop {plan.FixedRate}/s {plan.FixedRateDuration.TotalSeconds}s",
            $"{how} at a fixed rate (submitted → completed)", submit, plan.FixedRate, plan.FixedRateDuration)).LatencyOver(floor));
    }
    for (var i = 1; i < results.Count; i++)
        results[i] = results[i].ComparedWith(baseline);
    results.Insert(1, floor);

    if (!tasksOnly)
    {
        Log($"export: {string.Join(", ", plan.ExportRows)} rows");
        results.AddRange(await ExportBenchmark.RunAsync(system, plan.ExportRows, plan.TaskTimeout));

        Log($"media: {plan.Images} thumbnails of {plan.ImageWidth}×{plan.ImageHeight}");
        results.AddRange(await MediaBenchmark.RunAsync(system, load, plan));
    }

    var report = new BenchmarkReport(mode, plan, machine with { LoadAverageAtEnd = MachineInfo.LoadAverage() }, system.Memory.ResetWorks, results);
    Directory.CreateDirectory(Path.GetDirectoryName(jsonPath)!);
    await File.WriteAllTextAsync(jsonPath, JsonSerializer.Serialize(report, BenchmarkReport.Json));
    Console.WriteLine(report.ToTable());
    foreach (var result in results.Where(r => r.Details is { Count: > 0 }))
        Console.WriteLine($"{result.Name}: {string.Join(", ", result.Details!.Select(d => $"{d.Key} {d.Value}"))}");
    foreach (var result in results.Where(r => r.CpuMsPerItem is { Count: > 0 }))
        Console.WriteLine($"{result.Name}: CPU ms per {result.Unit.Split('/')[0].TrimEnd('s')}: {string.Join(", ", result.CpuMsPerItem!.Select(c => $"{c.Key} {c.Value}"))}");
    foreach (var sample in results.Where(r => r.ErrorSamples is not null).SelectMany(r => r.ErrorSamples!.Select(s => $"{r.Name}: {s}")))
        Console.WriteLine($"error: {sample}");
    Console.WriteLine($"{machine.Cores} cores; load average {machine.LoadAverageAtStart} at start, {report.Machine.LoadAverageAtEnd} at end; " +
                      $"peak memory {(report.PeakMemoryIsPerScenario ? "per scenario (VmHWM reset)" : "since each process started")}");
    Console.WriteLine($"JSON: {jsonPath}");
    if (report.Errors > 0)
    {
        Log($"{report.Errors} error(s); service logs: {string.Join(", ", system.LogPaths)}");
        return 1;
    }
}
return 0;

static string RepositoryRoot()
{
    var directory = new DirectoryInfo(AppContext.BaseDirectory);
    while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "Bus.sln")))
        directory = directory.Parent;
    return directory?.FullName ?? Directory.GetCurrentDirectory();
}
