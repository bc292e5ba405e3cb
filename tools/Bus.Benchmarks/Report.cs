using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;

namespace Bus.Benchmarks;

/// <summary>Where and when the run happened: figures mean little without the machine and how busy it was.</summary>
public sealed record MachineInfo(int Cores, string Os, string Runtime, string LoadAverageAtStart, string? LoadAverageAtEnd, DateTime StartedAt)
{
    public static MachineInfo Now() => new(Environment.ProcessorCount, RuntimeInformation.OSDescription,
        RuntimeInformation.FrameworkDescription, LoadAverage(), null, DateTime.UtcNow);

    public static string LoadAverage()
    {
        try
        {
            return string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3));
        }
        catch (IOException)
        {
            return "unknown";
        }
    }
}

public sealed record BenchmarkReport(string Mode, BenchmarkPlan Plan, MachineInfo Machine, bool PeakMemoryIsPerScenario, IReadOnlyList<ScenarioResult> Scenarios)
{
    public static readonly JsonSerializerOptions Json = new(JsonSerializerOptions.Web) { WriteIndented = true };

    public int Errors => Scenarios.Sum(s => s.Errors);

    public string ToTable()
    {
        var processes = Scenarios.SelectMany(s => s.PeakMemoryMb.Keys).Distinct().Order(StringComparer.Ordinal).ToList();
        var header = new List<string> { "scenario", "items", "errors", "seconds", "rate", "p50 ms", "p95 ms", "p99 ms", "ratio" };
        header.AddRange(processes.Select(p => $"{p} MB"));
        var rows = Scenarios.Select(s =>
        {
            var row = new List<string>
            {
                s.Name, s.Items.ToString(CultureInfo.InvariantCulture), s.Errors.ToString(CultureInfo.InvariantCulture),
                Number(s.Seconds), $"{Number(s.Rate)} {s.Unit}",
                Number(s.Latency?.P50), Number(s.Latency?.P95), Number(s.Latency?.P99),
                s.Ratio is { } ratio ? $"{ratio.ToString("0.000", CultureInfo.InvariantCulture)} × {s.ComparedTo}" : "",
            };
            row.AddRange(processes.Select(p => s.PeakMemoryMb.TryGetValue(p, out var mb) ? Number(mb) : ""));
            return row;
        }).ToList();

        var widths = header.Select((h, i) => Math.Max(h.Length, rows.Count == 0 ? 0 : rows.Max(r => r[i].Length))).ToArray();
        var text = new StringBuilder();
        void Line(IReadOnlyList<string> cells) =>
            text.AppendLine("| " + string.Join(" | ", cells.Select((c, i) => i == 0 ? c.PadRight(widths[i]) : c.PadLeft(widths[i]))) + " |");
        Line(header);
        text.AppendLine("|" + string.Join("|", widths.Select((w, i) => new string('-', w + 1) + (i == 0 ? "-" : ":"))) + "|");
        rows.ForEach(Line);
        return text.ToString();
    }

    private static string Number(double? value) => value switch
    {
        null => "",
        >= 100 => value.Value.ToString("0", CultureInfo.InvariantCulture),
        >= 10 => value.Value.ToString("0.0", CultureInfo.InvariantCulture),
        _ => value.Value.ToString("0.00", CultureInfo.InvariantCulture),
    };
}
