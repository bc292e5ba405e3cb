using System.Reflection;
using Bus.DeployTests.Infrastructure;
using k8s;
using k8s.Models;

namespace Bus.DeployTests;

/// <summary>
/// Every rendered object read strictly into its Kubernetes model (KubernetesClient) or, for KEDA and the Prometheus
/// Operator, into the subsets in <see cref="ScaledObject"/> and <see cref="ServiceMonitor"/>: a misspelt field, a field
/// in the wrong place or a value of the wrong type fails.
/// </summary>
public class SchemaTests
{
    // The RabbitMQ scaler's metadata keys (KEDA 2.x docs); a misspelt one would be ignored by KEDA.
    private static readonly HashSet<string> RabbitMqTriggerKeys =
        ["host", "hostFromEnv", "protocol", "queueName", "mode", "value", "activationValue", "vhostName", "useRegex", "excludeUnacknowledged", "pageSize", "operation", "timeout", "unsafeSsl"];

    private static readonly Dictionary<string, Type> BuiltInKinds = typeof(V1Deployment).Assembly.GetTypes()
        .Select(t => (Type: t, Entity: t.GetCustomAttribute<KubernetesEntityAttribute>()))
        .Where(x => x.Entity is not null && typeof(IKubernetesObject).IsAssignableFrom(x.Type) && !x.Type.Name.EndsWith("List"))
        .GroupBy(x => $"{(string.IsNullOrEmpty(x.Entity!.Group) ? "" : x.Entity.Group + "/")}{x.Entity.ApiVersion}/{x.Entity.Kind}")
        .ToDictionary(g => g.Key, g => g.First().Type);

    private static readonly Dictionary<string, Type> CustomKinds = new()
    {
        ["keda.sh/v1alpha1/ScaledObject"] = typeof(ScaledObject),
        ["keda.sh/v1alpha1/TriggerAuthentication"] = typeof(TriggerAuthentication),
        ["monitoring.coreos.com/v1/ServiceMonitor"] = typeof(ServiceMonitor),
        ["monitoring.coreos.com/v1/PrometheusRule"] = typeof(PrometheusRule),
    };

    // The prod overlay includes deploy/k8s/components/monitoring.
    public static TheoryData<string> Renders => new() { "deploy/k8s/base", "deploy/k8s/overlays/dev", "deploy/k8s/overlays/prod" };

    [SkippableTheory]
    [MemberData(nameof(Renders))]
    public void Every_rendered_object_reads_strictly_into_its_Kubernetes_KEDA_or_Prometheus_Operator_model(string directory)
    {
        foreach (var document in Kubectl.KustomizeDocuments(directory))
        {
            var header = KubernetesYaml.Deserialize<KubernetesObject>(document);
            var key = $"{header.ApiVersion}/{header.Kind}";
            var type = BuiltInKinds.GetValueOrDefault(key) ?? CustomKinds.GetValueOrDefault(key)
                ?? throw new Xunit.Sdk.XunitException($"{key} is neither a Kubernetes kind of this client nor a known KEDA or Prometheus Operator kind");
            var read = ReadStrictly(document, type);
            Assert.NotNull(read);
        }
    }

    [SkippableTheory]
    [MemberData(nameof(Renders))]
    public void RabbitMQ_triggers_use_only_keys_the_scaler_knows(string directory)
    {
        var triggers = Kubectl.KustomizeDocuments(directory)
            .Where(d => KubernetesYaml.Deserialize<KubernetesObject>(d).Kind == "ScaledObject")
            .SelectMany(d => ((ScaledObject)ReadStrictly(d, typeof(ScaledObject))).Spec!.Triggers!)
            .ToList();

        Assert.NotEmpty(triggers);
        Assert.All(triggers.Where(t => t.Type == "rabbitmq").SelectMany(t => t.Metadata!.Keys), key => Assert.Contains(key, RabbitMqTriggerKeys));
    }

    [SkippableFact]
    public void A_misspelt_field_fails_the_strict_read()
    {
        var deployment = Kubectl.KustomizeDocuments("deploy/k8s/base").First(d => d.Contains("kind: Deployment"));
        var misspelt = deployment.Replace("terminationGracePeriodSeconds:", "terminationGracePeriodSecond:");

        Assert.NotEqual(deployment, misspelt);
        Assert.ThrowsAny<Exception>(() => ReadStrictly(misspelt, typeof(V1Deployment)));
    }

    private static object ReadStrictly(string document, Type type)
    {
        var deserialize = typeof(KubernetesYaml).GetMethods()
            .Single(m => m is { Name: nameof(KubernetesYaml.Deserialize), IsGenericMethod: true }
                         && m.GetParameters() is [{ ParameterType: var first }, { ParameterType: var second }] && first == typeof(string) && second == typeof(bool));
        try
        {
            return deserialize.MakeGenericMethod(type).Invoke(null, [document, true])!;
        }
        catch (TargetInvocationException e)
        {
            throw new Xunit.Sdk.XunitException($"{type.Name}: {e.InnerException!.Message}\n{document}");
        }
    }
}
