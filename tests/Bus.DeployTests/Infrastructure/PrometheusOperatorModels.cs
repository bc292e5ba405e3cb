using k8s.Models;

namespace Bus.DeployTests.Infrastructure;

// The parts of the Prometheus Operator's ServiceMonitor and PrometheusRule (monitoring.coreos.com/v1) that Bus may
// use, for a strict read of the rendered objects: a field the operator does not define fails the read. Not the full schema.

public sealed class ServiceMonitor
{
    public string? ApiVersion { get; set; }
    public string? Kind { get; set; }
    public V1ObjectMeta? Metadata { get; set; }
    public ServiceMonitorSpec? Spec { get; set; }
}

public sealed class ServiceMonitorSpec
{
    public string? JobLabel { get; set; }
    public V1LabelSelector? Selector { get; set; }
    public NamespaceSelector? NamespaceSelector { get; set; }
    public List<ScrapeEndpoint>? Endpoints { get; set; }
}

public sealed class NamespaceSelector
{
    public bool? Any { get; set; }
    public List<string>? MatchNames { get; set; }
}

public sealed class ScrapeEndpoint
{
    public string? Port { get; set; }
    public string? Path { get; set; }
    public string? Scheme { get; set; }
    public string? Interval { get; set; }
    public string? ScrapeTimeout { get; set; }
    public bool? HonorLabels { get; set; }
}

public sealed class PrometheusRule
{
    public string? ApiVersion { get; set; }
    public string? Kind { get; set; }
    public V1ObjectMeta? Metadata { get; set; }
    public PrometheusRuleSpec? Spec { get; set; }
}

public sealed class PrometheusRuleSpec
{
    public List<RuleGroup>? Groups { get; set; }
}

public sealed class RuleGroup
{
    public string? Name { get; set; }
    public string? Interval { get; set; }
    public List<Rule>? Rules { get; set; }
}

public sealed class Rule
{
    public string? Alert { get; set; }
    public string? Record { get; set; }
    public string? Expr { get; set; }
    public string? For { get; set; }
    public Dictionary<string, string>? Labels { get; set; }
    public Dictionary<string, string>? Annotations { get; set; }
}
