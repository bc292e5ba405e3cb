namespace Bus.DeployTests.Infrastructure;

// The parts of KEDA 2.x's ScaledObject and TriggerAuthentication (keda.sh/v1alpha1) that Bus may use, for a strict
// read of the rendered objects: a field KEDA does not define fails the read. Not KEDA's full schema.

public sealed class KedaObjectMetadata
{
    public string? Name { get; set; }
    public string? Namespace { get; set; }
    public Dictionary<string, string>? Labels { get; set; }
    public Dictionary<string, string>? Annotations { get; set; }
}

public sealed class ScaledObject
{
    public string? ApiVersion { get; set; }
    public string? Kind { get; set; }
    public KedaObjectMetadata? Metadata { get; set; }
    public ScaledObjectSpec? Spec { get; set; }
}

public sealed class ScaledObjectSpec
{
    public ScaleTarget? ScaleTargetRef { get; set; }
    public int? PollingInterval { get; set; }
    public int? CooldownPeriod { get; set; }
    public int? InitialCooldownPeriod { get; set; }
    public int? IdleReplicaCount { get; set; }
    public int? MinReplicaCount { get; set; }
    public int? MaxReplicaCount { get; set; }
    public List<ScaleTrigger>? Triggers { get; set; }
}

public sealed class ScaleTarget
{
    public string? ApiVersion { get; set; }
    public string? Kind { get; set; }
    public string? Name { get; set; }
    public string? EnvSourceContainerName { get; set; }
}

public sealed class ScaleTrigger
{
    public string? Type { get; set; }
    public string? Name { get; set; }
    public string? MetricType { get; set; }
    public bool? UseCachedMetrics { get; set; }
    public Dictionary<string, string>? Metadata { get; set; }
    public AuthenticationRef? AuthenticationRef { get; set; }
}

public sealed class AuthenticationRef
{
    public string? Name { get; set; }
    public string? Kind { get; set; }
}

public sealed class TriggerAuthentication
{
    public string? ApiVersion { get; set; }
    public string? Kind { get; set; }
    public KedaObjectMetadata? Metadata { get; set; }
    public TriggerAuthenticationSpec? Spec { get; set; }
}

public sealed class TriggerAuthenticationSpec
{
    public List<SecretTarget>? SecretTargetRef { get; set; }
}

public sealed class SecretTarget
{
    public string? Parameter { get; set; }
    public string? Name { get; set; }
    public string? Key { get; set; }
}
