using System.Text.Json;
using Bus.IntegrationTests.Infrastructure;

namespace Bus.IntegrationTests.Benchmarks;

/// <summary>
/// The benchmark (tools/Bus.Benchmarks) in <c>--quick</c> mode, as scripts/bench runs it: every scenario runs and produces
/// figures (CPU per item too), and nothing fails. Never a time: the machine's speed is not what this checks.
/// </summary>
public sealed class QuickBenchmarkTests
{
    private static readonly string[] Scenarios =
    [
        "broker baseline", "broker floor 20/s", "http noop ×", "http noop 20/s", "bus noop ×", "bus noop 20/s",
        "export csv 2,000 rows", "postgres COPY 2,000 rows", "export csv 10,000 rows", "postgres COPY 10,000 rows",
        "media thumbnails", "imagesharp in-process",
    ];

    [Fact]
    public async Task The_quick_benchmark_runs_every_scenario_without_errors()
    {
        var json = Path.Combine(Path.GetTempPath(), $"bus-bench-quick-{Guid.NewGuid():N}.json");
        await using var benchmark = ServiceProcess.Start("tools/Bus.Benchmarks", "Bus.Benchmarks", new Dictionary<string, string>(), "--quick", "--json", json);
        try
        {
            await benchmark.ReadOutputAsync(TimeSpan.FromMinutes(8));
        }
        catch (InvalidOperationException) when (File.Exists(json))
        {
            // It exits 1 when a scenario had errors: the report below says which.
        }

        Assert.True(File.Exists(json), $"no report written; log: {benchmark.LogPath}");
        using var report = JsonDocument.Parse(await File.ReadAllTextAsync(json));
        File.Delete(json);
        var scenarios = report.RootElement.GetProperty("scenarios").EnumerateArray().ToList();
        foreach (var name in Scenarios)
        {
            var scenario = Assert.Single(scenarios, s => s.GetProperty("name").GetString()!.StartsWith(name, StringComparison.Ordinal));
            var samples = scenario.TryGetProperty("errorSamples", out var errors) ? errors.ToString() : "";
            Assert.True(scenario.GetProperty("errors").GetInt32() == 0, $"{name}: {samples}; log: {benchmark.LogPath}");
            Assert.True(scenario.GetProperty("items").GetInt32() > 0, name);
            Assert.True(scenario.GetProperty("rate").GetDouble() > 0, name);
            Assert.NotEmpty(scenario.GetProperty("peakMemoryMb").EnumerateObject());
        }
        // CPU per item comes from /proc: every part the scenario runs through used some.
        foreach (var scenario in scenarios.Where(s => s.GetProperty("unit").GetString() is "tasks/s" or "msgs/s" or "chains/s"))
        {
            var name = scenario.GetProperty("name").GetString()!;
            var cpu = scenario.GetProperty("cpuMsPerItem");
            string[] parts = name.StartsWith("broker", StringComparison.Ordinal) ? ["bench", "rabbitmq"] : ["gateway", "export+noop", "rabbitmq", "postgres"];
            foreach (var part in parts)
                Assert.True(cpu.TryGetProperty(part, out var ms) && ms.GetDouble() > 0, $"{name}: no CPU time for {part} in {cpu}");
        }
        // Where a task's latency went, and how far it is from the floor at the same rate.
        foreach (var scenario in scenarios.Where(s => s.GetProperty("unit").GetString() == "tasks/s"))
        {
            var name = scenario.GetProperty("name").GetString()!;
            var details = scenario.GetProperty("details");
            string[] figures = name.Contains("/s ", StringComparison.Ordinal)
                ? ["to start p50 ms", "start to finish p50 ms", "p99 × floor"]
                : ["to start p50 ms", "start to finish p50 ms"];
            foreach (var figure in figures)
                Assert.True(details.TryGetProperty(figure, out var value) && value.GetDouble() > 0, $"{name}: no '{figure}' in {details}");
        }
        Assert.Equal(Scenarios.Length, scenarios.Count);
    }
}
