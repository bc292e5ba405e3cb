namespace Bus.Benchmarks;

/// <summary>
/// One scenario's figures. <see cref="Rate"/> is items per second of wall-clock time, from the first submission until
/// the last item was seen finished; latencies (ms) are per item. <see cref="Ratio"/> compares the rate with
/// <see cref="ComparedTo"/>: the broker baseline for task scenarios, PostgreSQL's COPY for exports, ImageSharp in-process for media.
/// <see cref="CpuMsPerItem"/> is each part's CPU time per item (<see cref="CpuTime"/>), for the baseline and the task scenarios.
/// </summary>
public sealed record ScenarioResult(
    string Name,
    string Description,
    int Items,
    int Errors,
    double Seconds,
    double Rate,
    string Unit,
    Latency? Latency,
    IReadOnlyDictionary<string, double> PeakMemoryMb,
    string? ComparedTo = null,
    double? Ratio = null,
    IReadOnlyList<string>? ErrorSamples = null,
    IReadOnlyDictionary<string, double>? Details = null,
    IReadOnlyDictionary<string, double>? CpuMsPerItem = null)
{
    public ScenarioResult ComparedWith(ScenarioResult reference) =>
        this with { ComparedTo = reference.Name, Ratio = reference.Rate > 0 ? Math.Round(Rate / reference.Rate, 3) : null };

    /// <summary>The latency percentiles as multiples of <paramref name="floor"/>'s, in <see cref="Details"/>.</summary>
    public ScenarioResult LatencyOver(ScenarioResult floor)
    {
        if (Latency is not { } own || floor.Latency is not { P50: > 0, P99: > 0 } least)
            return this;
        var details = new Dictionary<string, double>(Details ?? new Dictionary<string, double>())
        {
            ["p50 × floor"] = Math.Round(own.P50 / least.P50, 1),
            ["p99 × floor"] = Math.Round(own.P99 / least.P99, 1),
        };
        return this with { Details = details };
    }
}

/// <summary>Percentiles in milliseconds, nearest rank.</summary>
public sealed record Latency(double P50, double P95, double P99, double Max)
{
    public static Latency? Of(IEnumerable<double> milliseconds)
    {
        var sorted = milliseconds.Order().ToArray();
        if (sorted.Length == 0)
            return null;
        return new Latency(Percentile(sorted, 50), Percentile(sorted, 95), Percentile(sorted, 99), Math.Round(sorted[^1], 1));
    }

    private static double Percentile(double[] sorted, int percent) =>
        Math.Round(sorted[Math.Clamp((int)Math.Ceiling(percent / 100.0 * sorted.Length) - 1, 0, sorted.Length - 1)], 1);
}
