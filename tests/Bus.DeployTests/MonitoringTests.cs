using System.Diagnostics.Metrics;
using Bus.DeployTests.Infrastructure;
using Bus.Gateway.Queues;
using Bus.ServiceDefaults.Metrics;
using Microsoft.Extensions.DependencyInjection;

namespace Bus.DeployTests;

/// <summary>
/// deploy/k8s/components/monitoring (in the prod overlay) against deploy/services.json and the code: a ServiceMonitor per
/// service reaching its pods' <c>/metrics</c>, a NetworkPolicy letting Prometheus in, and dashboard and alert queries
/// that read metrics Bus defines. (Tests/Bus.IntegrationTests checks every queried name against a real scrape.)
/// </summary>
public class MonitoringTests
{
    private const string Overlay = "deploy/k8s/overlays/prod";
    private const string Regenerate = "run deploy/k8s/components/monitoring/generate after changing deploy/services.json";

    private static IEnumerable<object> OfKind(List<object> objects, string kind) => objects.Where(o => o.Text("kind") == kind);

    private static bool Selects(IDictionary<object, object> selector, object? labels) =>
        selector.Count > 0 && selector.All(pair => labels.Text((string)pair.Key) == (string)pair.Value);

    [SkippableFact]
    public void Every_service_has_a_service_monitor_scraping_its_pods_metrics_path_through_a_service()
    {
        var objects = Kubectl.Kustomize(Overlay);
        Assert.True(Repository.Services.Select(s => s.Name).Order().SequenceEqual(OfKind(objects, "ServiceMonitor").Select(m => m.Text("metadata", "name")!).Order()),
            $"one ServiceMonitor per service of deploy/services.json: {Regenerate}");

        foreach (var service in Repository.Services)
        {
            var monitor = OfKind(objects, "ServiceMonitor").Single(m => m.Text("metadata", "name") == service.Name);
            var pods = OfKind(objects, "Deployment").Single(d => d.Text("metadata", "name") == service.Name).At("spec", "template", "metadata", "labels");
            var metricsService = Assert.Single(OfKind(objects, "Service"), s => Selects(monitor.MapAt("spec", "selector", "matchLabels"), s.At("metadata", "labels")));
            Assert.True(Selects(metricsService.MapAt("spec", "selector"), pods), $"{service.Name}: the metrics Service does not select its pods");

            var endpoint = Assert.Single(monitor.ListAt("spec", "endpoints"));
            Assert.Equal(ServiceDefaults.Extensions.MetricsPath, endpoint.Text("path"));
            var port = Assert.Single(metricsService.ListAt("spec", "ports"), p => p.Text("name") == endpoint.Text("port"));
            Assert.Equal(service.Port.ToString(), port.Text("port"));
            Assert.Equal("app.kubernetes.io/name", monitor.Text("spec", "jobLabel"));
        }
    }

    [SkippableFact]
    public void The_monitoring_namespace_may_reach_each_service_on_its_port_and_nowhere_else()
    {
        var objects = Kubectl.Kustomize(Overlay);
        var scrapePolicies = OfKind(objects, "NetworkPolicy")
            .Where(p => p.ListAt("spec", "ingress").SelectMany(r => r.ListAt("from"))
                .Any(f => f.Text("namespaceSelector", "matchLabels", "kubernetes.io/metadata.name") == "monitoring"))
            .ToList();

        foreach (var service in Repository.Services)
        {
            var deployment = OfKind(objects, "Deployment").Single(d => d.Text("metadata", "name") == service.Name);
            var pods = deployment.At("spec", "template", "metadata", "labels");
            var containerPort = deployment.ListAt("spec", "template", "spec", "containers").SelectMany(c => c.ListAt("ports"))
                .Single(p => p.Text("name") == "http").Text("containerPort");
            var policy = Assert.Single(scrapePolicies, p => Selects(p.MapAt("spec", "podSelector", "matchLabels"), pods));
            var rule = Assert.Single(policy.ListAt("spec", "ingress"));
            Assert.Equal([containerPort], rule.ListAt("ports").Select(p => p.Text("port")));
        }
        Assert.Equal(Repository.Services.Count, scrapePolicies.Count);
    }

    [Fact]
    public void Every_Bus_metric_the_dashboard_and_alerts_query_is_one_the_code_defines()
    {
        var defined = BusMetricNames();
        Assert.Contains("bus_task_attempts_total", defined);
        Assert.Contains("bus_task_attempt_duration_seconds_bucket", defined);

        var queried = MonitoringQueries.All(Repository.Root);
        Assert.NotEmpty(queried);
        foreach (var (where, expression) in queried)
        foreach (var name in MonitoringQueries.MetricNames(expression).Where(n => n.StartsWith("bus_", StringComparison.Ordinal)))
            Assert.True(defined.Contains(name), $"{where} reads {name}, which no Bus meter defines (defined: {string.Join(", ", defined.Order())})");
    }

    [Fact]
    public void The_dashboard_shows_queue_depth_outcomes_duration_percentiles_error_queues_and_consumers()
    {
        var names = MonitoringQueries.DashboardQueries(Repository.Root).SelectMany(q => MonitoringQueries.MetricNames(q.Expression)).ToHashSet();
        Assert.Superset(new HashSet<string> { "bus_queue_messages_ready", "bus_task_attempts_total", "bus_task_attempt_duration_seconds_bucket", "bus_queue_error_messages", "bus_queue_consumers" }, names);
        Assert.Contains(MonitoringQueries.DashboardQueries(Repository.Root), q => q.Expression.StartsWith("histogram_quantile(0.95", StringComparison.Ordinal));
        Assert.Contains(MonitoringQueries.DashboardQueries(Repository.Root), q => q.Expression.StartsWith("histogram_quantile(0.5", StringComparison.Ordinal));
    }

    [Fact]
    public void The_alerts_cover_a_growing_error_queue_a_queue_without_consumers_and_a_high_failure_rate()
    {
        var alerts = MonitoringQueries.RuleExpressions(Repository.Root).ToDictionary(r => r.Where, r => MonitoringQueries.MetricNames(r.Expression));
        Assert.Contains("bus_queue_error_messages", alerts["alert: BusErrorQueueGrowing"]);
        Assert.Contains("bus_queue_consumers", alerts["alert: BusQueueWithoutConsumers"]);
        Assert.Contains("bus_task_attempts_total", alerts["alert: BusTaskFailureRateHigh"]);
    }

    [Theory]
    [InlineData("""max by (queue) (bus_queue_messages_ready{namespace="$namespace"})""", "bus_queue_messages_ready")]
    [InlineData("""sum by (le, task_type) (rate(bus_task_attempt_duration_seconds_bucket{outcome="completed"}[$__rate_interval]))""", "bus_task_attempt_duration_seconds_bucket")]
    [InlineData("max by (namespace, queue) (a_total) > max by (namespace, queue) (b_total offset 15m)", "a_total", "b_total")]
    [InlineData("x == 0 unless on (namespace, queue) max by (queue) (y) == 1", "x", "y")]
    [InlineData("""sum(rate(a{o=~"failed|timed_out"}[10m])) / sum(rate(a[10m])) > 0.10""", "a")]
    [InlineData("absent(up)", "up")]
    public void Metric_names_are_read_from_PromQL_without_functions_labels_keywords_or_durations(string expression, params string[] expected) =>
        Assert.Equal(expected.Order(), MonitoringQueries.MetricNames(expression).Order());

    /// <summary>
    /// Every instrument of Bus' own meters, as the Prometheus exporter names it: dots to underscores, the unit as a
    /// suffix (<c>s</c> → <c>_seconds</c>; annotations like <c>{message}</c> dropped), <c>_total</c> for counters, and
    /// <c>_bucket</c>, <c>_sum</c>, <c>_count</c> for histograms.
    /// </summary>
    private static HashSet<string> BusMetricNames()
    {
        var names = new HashSet<string>();
        using var listener = new MeterListener
        {
            InstrumentPublished = (instrument, _) =>
            {
                if (!instrument.Meter.Name.StartsWith(BusMeters.Prefix, StringComparison.Ordinal))
                    return;
                var name = instrument.Name.Replace('.', '_') + instrument.Unit switch
                {
                    "s" => "_seconds",
                    "ms" => "_milliseconds",
                    "By" => "_bytes",
                    _ => "",
                };
                var type = instrument.GetType().GetGenericTypeDefinition();
                if (type == typeof(Counter<>) || type == typeof(ObservableCounter<>))
                    names.Add(name + "_total");
                else if (type == typeof(Histogram<>))
                    names.UnionWith([name + "_bucket", name + "_sum", name + "_count"]);
                else
                    names.Add(name);
            },
        };
        listener.Start();
        using var services = new ServiceCollection().AddMetrics().AddSingleton<TaskMetrics>().AddSingleton<QueueMetrics>().BuildServiceProvider();
        _ = services.GetRequiredService<TaskMetrics>();
        _ = services.GetRequiredService<QueueMetrics>();
        return names;
    }
}
