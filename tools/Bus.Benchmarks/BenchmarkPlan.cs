using System.Globalization;

namespace Bus.Benchmarks;

/// <summary>How much each scenario does: the full run for the README's figures, or a quick one small enough for CI.</summary>
public sealed record BenchmarkPlan(
    bool Quick,
    int BaselineMessages,
    int ClosedLoopTasks,
    int Concurrency,
    int FixedRate,
    TimeSpan FixedRateDuration,
    IReadOnlyList<int> ExportRows,
    int Images,
    int ImageWidth,
    int ImageHeight,
    TimeSpan TaskTimeout)
{
    public static BenchmarkPlan Full { get; } = new(
        Quick: false, BaselineMessages: 20_000, ClosedLoopTasks: 3_000, Concurrency: 32, FixedRate: 100,
        FixedRateDuration: TimeSpan.FromSeconds(30), ExportRows: [100_000, 1_000_000], Images: 40, ImageWidth: 1920, ImageHeight: 1080,
        TaskTimeout: TimeSpan.FromMinutes(20));

    public static BenchmarkPlan QuickRun { get; } = new(
        Quick: true, BaselineMessages: 500, ClosedLoopTasks: 100, Concurrency: 8, FixedRate: 20,
        FixedRateDuration: TimeSpan.FromSeconds(3), ExportRows: [2_000, 10_000], Images: 4, ImageWidth: 640, ImageHeight: 480,
        TaskTimeout: TimeSpan.FromMinutes(3));

    /// <summary>
    /// The plan with any of <c>--tasks N</c>, <c>--concurrency C</c>, <c>--rate R</c>, <c>--seconds T</c>,
    /// <c>--export-rows A,B</c>, <c>--images K</c> from the command line.
    /// </summary>
    public BenchmarkPlan With(string[] args)
    {
        string? Value(string option) => Array.IndexOf(args, option) is var i and >= 0 && i + 1 < args.Length ? args[i + 1] : null;
        int Number(string option, int fallback) => Value(option) is { } text ? int.Parse(text, CultureInfo.InvariantCulture) : fallback;
        return this with
        {
            ClosedLoopTasks = Number("--tasks", ClosedLoopTasks),
            Concurrency = Number("--concurrency", Concurrency),
            FixedRate = Number("--rate", FixedRate),
            FixedRateDuration = TimeSpan.FromSeconds(Number("--seconds", (int)FixedRateDuration.TotalSeconds)),
            ExportRows = Value("--export-rows") is { } rows ? [.. rows.Split(',').Select(r => int.Parse(r, CultureInfo.InvariantCulture))] : ExportRows,
            Images = Number("--images", Images),
        };
    }

    /// <summary>
    /// Tasks submitted untimed first on each path, so the connection pools are warm and tiered compilation has settled before
    /// anything is measured: after 200, the JIT still took 11 % of the Gateway's CPU in the first measured scenario (perf).
    /// </summary>
    public int WarmUpTasks => Quick ? 20 : 2_000;
}
