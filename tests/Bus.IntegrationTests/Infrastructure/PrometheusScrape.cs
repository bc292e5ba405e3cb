using System.Globalization;
using System.Text.RegularExpressions;

namespace Bus.IntegrationTests.Infrastructure;

/// <summary>One sample of a Prometheus text exposition: <c>name{label="value",…} value</c>.</summary>
public sealed record MetricSample(string Name, IReadOnlyDictionary<string, string> Labels, double Value)
{
    public bool Has(params (string Label, string Value)[] labels) =>
        labels.All(l => Labels.TryGetValue(l.Label, out var value) && value == l.Value);
}

/// <summary>What a service's <c>/metrics</c> answered, parsed: the samples and the metric families it declared.</summary>
public sealed partial class PrometheusScrape
{
    private PrometheusScrape(string text, IReadOnlyList<MetricSample> samples, IReadOnlyDictionary<string, string> types)
    {
        Text = text;
        Samples = samples;
        Types = types;
    }

    public string Text { get; }

    public IReadOnlyList<MetricSample> Samples { get; }

    /// <summary>Each family's <c># TYPE</c>: counter, gauge, histogram, …</summary>
    public IReadOnlyDictionary<string, string> Types { get; }

    /// <summary>Every name a query can use: sample names, so a histogram's <c>_bucket</c>, <c>_sum</c> and <c>_count</c>.</summary>
    public IReadOnlySet<string> SampleNames => Samples.Select(s => s.Name).ToHashSet();

    public IReadOnlyList<MetricSample> Named(string name, params (string Label, string Value)[] labels) =>
        [.. Samples.Where(s => s.Name == name && s.Has(labels))];

    /// <summary>The sum of the matching samples (0 when there are none).</summary>
    public double Sum(string name, params (string Label, string Value)[] labels) => Named(name, labels).Sum(s => s.Value);

    /// <summary>GET <c>/metrics</c> without a token, as Prometheus does; fails unless it answers 200.</summary>
    public static async Task<PrometheusScrape> GetAsync(Uri service)
    {
        using var http = new HttpClient { BaseAddress = service, Timeout = TimeSpan.FromSeconds(30) };
        using var response = await http.GetAsync("/metrics");
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"{service}metrics answered {(int)response.StatusCode}: {text}");
        return Parse(text);
    }

    public static PrometheusScrape Parse(string text)
    {
        var samples = new List<MetricSample>();
        var types = new Dictionary<string, string>();
        foreach (var line in text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (line.StartsWith("# TYPE ", StringComparison.Ordinal))
            {
                var parts = line.Split(' ');
                types[parts[2]] = parts[3];
                continue;
            }
            if (line.StartsWith('#'))
                continue;
            var match = SampleLine().Match(line);
            Assert.True(match.Success, $"not a sample line: {line}");
            var labels = LabelPair().Matches(match.Groups["labels"].Value)
                .ToDictionary(m => m.Groups["name"].Value, m => Regex.Unescape(m.Groups["value"].Value));
            samples.Add(new MetricSample(match.Groups["name"].Value, labels, ParseValue(match.Groups["value"].Value)));
        }
        return new PrometheusScrape(text, samples, types);
    }

    private static double ParseValue(string value) => value switch
    {
        "+Inf" => double.PositiveInfinity,
        "-Inf" => double.NegativeInfinity,
        "NaN" => double.NaN,
        _ => double.Parse(value, CultureInfo.InvariantCulture),
    };

    [GeneratedRegex("""^(?<name>[a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?<labels>.*)\})?\s+(?<value>\S+)(\s+\d+)?$""")]
    private static partial Regex SampleLine();

    [GeneratedRegex(@"(?<name>[a-zA-Z_][a-zA-Z0-9_]*)=""(?<value>(?:[^""\\]|\\.)*)""")]
    private static partial Regex LabelPair();
}
