using System.Text.Json;
using System.Text.RegularExpressions;
using YamlDotNet.Serialization;

namespace Bus.Tests;

/// <summary>
/// The PromQL that deploy/k8s/components/monitoring ships: the Grafana dashboard's panel queries and the alert rules'
/// expressions, and the metric names they read.
/// </summary>
public static partial class MonitoringQueries
{
    public const string Component = "deploy/k8s/components/monitoring";
    public const string Dashboard = Component + "/dashboards/bus.json";
    public const string Rules = Component + "/prometheus-rules.yaml";

    private static readonly HashSet<string> Keywords =
        ["by", "without", "on", "ignoring", "group_left", "group_right", "and", "or", "unless", "bool", "offset", "inf", "nan"];

    /// <summary>Every query, named by where it is (<c>dashboard: Queue depth</c>, <c>alert: BusQueueWithoutConsumers</c>).</summary>
    public static IReadOnlyList<(string Where, string Expression)> All(string repositoryRoot) =>
        [.. DashboardQueries(repositoryRoot), .. RuleExpressions(repositoryRoot)];

    public static IEnumerable<(string Where, string Expression)> DashboardQueries(string repositoryRoot)
    {
        using var dashboard = JsonDocument.Parse(File.ReadAllText(Path.Combine(repositoryRoot, Dashboard)));
        return [.. dashboard.RootElement.GetProperty("panels").EnumerateArray()
            .SelectMany(panel => panel.GetProperty("targets").EnumerateArray()
                .Select(target => ($"dashboard: {panel.GetProperty("title").GetString()}", target.GetProperty("expr").GetString()!)))];
    }

    public static IEnumerable<(string Where, string Expression)> RuleExpressions(string repositoryRoot)
    {
        var rule = new DeserializerBuilder().Build().Deserialize<Dictionary<object, object>>(File.ReadAllText(Path.Combine(repositoryRoot, Rules)));
        var groups = (List<object>)((Dictionary<object, object>)rule["spec"])["groups"];
        return [.. groups.Cast<Dictionary<object, object>>()
            .SelectMany(group => ((List<object>)group["rules"]).Cast<Dictionary<object, object>>())
            .Select(r => ($"alert: {r["alert"]}", (string)r["expr"]))];
    }

    /// <summary>
    /// The metric names an expression reads: identifiers that are not functions, keywords, label names (inside
    /// <c>{…}</c> or a <c>by (…)</c>-like clause), durations or Grafana variables.
    /// </summary>
    public static IReadOnlySet<string> MetricNames(string expression)
    {
        var stripped = Grafana().Replace(expression, " ");
        stripped = LabelMatchers().Replace(stripped, " ");
        stripped = Ranges().Replace(stripped, " ");
        stripped = Grouping().Replace(stripped, " ");
        return Identifier().Matches(stripped)
            .Where(m => !Keywords.Contains(m.Value) && !IsCall(stripped, m.Index + m.Length))
            .Select(m => m.Value)
            .ToHashSet();
    }

    private static bool IsCall(string text, int after)
    {
        while (after < text.Length && char.IsWhiteSpace(text[after]))
            after++;
        return after < text.Length && text[after] == '(';
    }

    [GeneratedRegex(@"\$\{[^}]*\}|\$\w+")]
    private static partial Regex Grafana();

    [GeneratedRegex(@"\{[^}]*\}")]
    private static partial Regex LabelMatchers();

    [GeneratedRegex(@"\[[^\]]*\]")]
    private static partial Regex Ranges();

    [GeneratedRegex(@"\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)")]
    private static partial Regex Grouping();

    [GeneratedRegex(@"(?<![a-zA-Z0-9_:.])[a-zA-Z_:][a-zA-Z0-9_:]*")]
    private static partial Regex Identifier();
}
